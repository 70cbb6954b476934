/**
 * The TCP side of one node: a `net.Server` accepting clients, and a clean way to stop accepting
 * and drop every connection (used by `close()` and by `stop(i)` of a cluster).
 * @internal
 */
import net from 'node:net';
import { Client } from './client.js';
import { MemoryBus } from './cluster-bus.js';
import { BUS_PORT_OFFSET, TcpBus } from './cluster-tcp-bus.js';
import type { DisqueNode } from './node.js';

/** How long a starting node with known peers holds its clients while the peers link back. */
const PEER_WAIT_MS = 500;

/** @internal */
export class TcpServer {
  readonly #clients = new Set<Client>();
  #server: net.Server | null = null;
  /** While set, new client sockets wait for it (the node's peers linking back after a start). */
  #held: Promise<void> | null = null;

  constructor(readonly node: DisqueNode) {}

  get clients(): ReadonlySet<Client> {
    return this.#clients;
  }

  /** Starts listening; resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const tcpBus = this.node.options.clusterBus === 'tcp';
    if (tcpBus && port + BUS_PORT_OFFSET > 65535) {
      throw new TypeError(
        `Expected \`port\` to be at most ${65535 - BUS_PORT_OFFSET} with the TCP cluster bus (bus port = port + ${BUS_PORT_OFFSET}), got \`${port}\``,
      );
    }
    let bound = -1;
    // Port 0 with a TCP bus: pick a port whose bus port (+10000) is free too.
    for (let attempt = 0; bound < 0; attempt++) {
      const want = tcpBus && port === 0 ? 20000 + Math.floor(Math.random() * 35000) : port;
      try {
        bound = await this.#listenOn(host, want);
        if (tcpBus) {
          const { clusterPort, bindSourceAddr } = this.node.settings;
          const bus = new TcpBus(
            this.node.cluster,
            (e) => process.emitWarning(`disque-ts embedded server: cluster bus: ${String(e)}`),
            bindSourceAddr === '' ? undefined : bindSourceAddr,
          );
          try {
            await bus.listen(host, bound, clusterPort === 0 ? undefined : clusterPort);
          } catch (e) {
            await this.#closeListener();
            bound = -1;
            throw e;
          }
          this.node.bus = bus;
        }
      } catch (e) {
        if (!(tcpBus && port === 0 && attempt < 50)) throw e;
      }
    }
    this.node.port = bound;
    this.node.settings.port = bound;
    this.node.host = host;
    this.node.cluster.myself.port = bound;
    this.node.clientCount = () => this.#clients.size;
    this.node.clientList = () => this.#clients;
    if (!tcpBus) {
      const bus = new MemoryBus(this.node.cluster);
      bus.register(host, bound);
      this.node.bus = bus;
    }
    this.node.start();
    // Like Disque, whose first cluster cron runs as the server starts: connect to the known peers
    // (a restarted node's nodes.conf) now, not 100 ms later, so they see it back at once.
    if (tcpBus) {
      this.node.cluster.cron();
      // A restarted node answers clients once its peers have linked back to it (at most
      // PEER_WAIT_MS): a client that sees it up then sees a node its peers know is up.
      const held = this.node.cluster.whenPeersPinged(PEER_WAIT_MS).then(() => {
        if (this.#held === held) this.#held = null;
      });
      this.#held = held;
    }
    return bound;
  }

  async #listenOn(host: string, port: number): Promise<number> {
    const server = net.createServer((socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    return typeof addr === 'object' && addr !== null ? addr.port : port;
  }

  async #closeListener(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    const held = this.#held;
    if (held !== null) {
      // Paused before the client listens for data, so it stays paused until resumed.
      socket.pause();
      void held.then(() => {
        if (!socket.destroyed) socket.resume();
      });
    }
    const node = this.node;
    node.stats.totalConnections++;
    const client = new Client(socket, node);
    this.#clients.add(client);
    socket.on('error', () => {
      /* a reset connection is just closed */
    });
    socket.on('close', () => {
      this.#clients.delete(client);
      client.disconnected();
    });
  }

  /**
   * Stops the node: no new connections, every client socket destroyed, timers stopped.
   * Resolves once the listener is closed.
   */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    const bus = this.node.bus.close();
    this.node.stop();
    for (const c of this.#clients) {
      c.disconnected();
      c.socket.destroy();
    }
    this.#clients.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
    await bus;
  }
}
