/**
 * The TCP side of one node: a `net.Server` accepting clients, and a clean way to stop accepting
 * and drop every connection (used by `close()` and by `stop(i)` of a cluster).
 * @internal
 */
import net from 'node:net';
import { Client } from './client.js';
import { registerEndpoint, unregisterEndpoint } from './cluster-bus.js';
import type { DisqueNode } from './node.js';

/** @internal */
export class TcpServer {
  readonly #clients = new Set<Client>();
  #server: net.Server | null = null;

  constructor(readonly node: DisqueNode) {}

  get clients(): ReadonlySet<Client> {
    return this.#clients;
  }

  /** Starts listening; resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
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
    const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
    this.node.port = bound;
    this.node.host = host;
    this.node.cluster.myself.port = bound;
    this.node.clientCount = () => this.#clients.size;
    this.node.clientList = () => this.#clients;
    registerEndpoint(host, bound, this.node.cluster);
    this.node.start();
    return bound;
  }

  #accept(socket: net.Socket): void {
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
    unregisterEndpoint(this.node.host, this.node.port, this.node.cluster);
    this.node.stop();
    for (const c of this.#clients) {
      c.disconnected();
      c.socket.destroy();
    }
    this.#clients.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
