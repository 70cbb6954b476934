/**
 * The cluster bus between processes: like Disque, every node listens on its client port + 10000,
 * and keeps one outgoing connection to each peer it knows. Frames are binary (cluster-wire.ts).
 * The accepting side first sends its node id, so a link is "up" only once the socket is connected
 * *and* we know who answers there: the link state the cluster cron uses comes from the sockets.
 *
 * Like Disque, which appends messages to a link's send buffer and writes it when the event loop
 * is about to sleep, messages sent during one turn of the event loop go out in one write per
 * link: each write is a system call and, on loopback, a wake-up of the receiving process.
 * @internal
 */
import net from 'node:net';
import type { BusEndpoint, BusTransport } from './cluster-bus.js';
import type { ClusterMessage } from './cluster-messages.js';
import { decodeFrame, encodeFrame, FrameReader, type Greeting } from './cluster-wire.js';

/** Offset of the bus port from the client port, as in Disque. @internal */
export const BUS_PORT_OFFSET = 10000;
/**
 * Wait this long before connecting again to an address that refused or dropped us: Disque tries
 * again at each run of its cluster cron, every 100 ms.
 */
const RECONNECT_MS = 100;

interface OutLink {
  readonly socket: net.Socket;
  connected: boolean;
  remoteId: string | undefined;
  /** Frames sent this turn of the event loop, written together by {@link TcpBus.flush}. */
  pending: Buffer[];
}

/** @internal */
export class TcpBus implements BusTransport {
  #server: net.Server | null = null;
  readonly #inbound = new Set<net.Socket>();
  readonly #links = new Map<string, OutLink>();
  /** Address → when we may try to connect again. */
  readonly #retryAt = new Map<string, number>();
  /** Links with pending frames. */
  readonly #dirty = new Set<OutLink>();
  #flushScheduled = false;
  #closed = false;

  constructor(
    private readonly endpoint: BusEndpoint,
    private readonly onError: (e: unknown) => void = () => undefined,
    /** `bind-source-addr`: outgoing links come from this local address (a proxy can tell nodes apart). */
    private readonly sourceAddress?: string,
  ) {}

  /** Listens on `port + 10000`, or on `busPort` (`cluster-port`: then a proxy answers at port + 10000). */
  async listen(host: string, port: number, busPort = port + BUS_PORT_OFFSET): Promise<void> {
    const server = net.createServer((s) => this.#accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: busPort, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  #accept(socket: net.Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#inbound.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#inbound.delete(socket));
    socket.write(encodeFrame({ greeting: this.endpoint.id }));
    const dstHost = normalizeHost(socket.localAddress ?? '127.0.0.1');
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      const ok = reader.push(chunk, (body) => {
        let msg: ClusterMessage | Greeting;
        try {
          msg = decodeFrame(body);
        } catch (e) {
          this.onError(e);
          socket.destroy();
          return;
        }
        if ('greeting' in msg) return;
        try {
          this.endpoint.receive(msg, dstHost);
        } catch (e) {
          this.onError(e);
        }
      });
      if (!ok) socket.destroy();
    });
  }

  #link(host: string, port: number): OutLink | undefined {
    const key = `${host}:${port}`;
    const existing = this.#links.get(key);
    if (existing !== undefined || this.#closed) return existing;
    if ((this.#retryAt.get(key) ?? 0) > Date.now()) return undefined;
    const socket = net.connect({
      host: host === '' ? '127.0.0.1' : host,
      port: port + BUS_PORT_OFFSET,
      ...(this.sourceAddress !== undefined ? { localAddress: this.sourceAddress } : {}),
    });
    const link: OutLink = { socket, connected: false, remoteId: undefined, pending: [] };
    this.#links.set(key, link);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      link.connected = true;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.#links.get(key) === link) this.#links.delete(key);
      this.#retryAt.set(key, Date.now() + RECONNECT_MS);
    });
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      const ok = reader.push(chunk, (body) => {
        let msg: ClusterMessage | Greeting;
        try {
          msg = decodeFrame(body);
        } catch {
          socket.destroy();
          return;
        }
        if (!('greeting' in msg)) return;
        link.remoteId = msg.greeting;
        try {
          if (link.connected) this.endpoint.linkReady(host, port);
        } catch (e) {
          this.onError(e);
        }
      });
      if (!ok) socket.destroy();
    });
    return link;
  }

  send(host: string, port: number, msg: ClusterMessage): boolean {
    const link = this.#link(host, port);
    if (link === undefined || link.socket.destroyed) return false;
    link.pending.push(encodeFrame(msg));
    this.#dirty.add(link);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // setImmediate runs once this turn's I/O callbacks are done, before the loop waits again.
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Writes every link's pending frames, one write per link (while connecting, the socket buffers it). */
  flush(): void {
    this.#flushScheduled = false;
    for (const link of this.#dirty) {
      const frames = link.pending;
      link.pending = [];
      if (link.socket.destroyed || frames.length === 0) continue;
      link.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    }
    this.#dirty.clear();
  }

  peerAt(host: string, port: number): string | undefined {
    const link = this.#link(host, port);
    return link?.connected === true && !link.socket.destroyed ? link.remoteId : undefined;
  }

  identityChanged(): void {
    for (const s of this.#inbound) s.destroy();
  }

  reconnectNow(host: string, port: number): void {
    const key = `${host}:${port}`;
    if (this.#links.has(key)) return;
    this.#retryAt.delete(key);
    this.#link(host, port);
  }

  /** Drops the outgoing link to an address (tests cut links this way). */
  dropLink(host: string, port: number): void {
    this.#links.get(`${host}:${port}`)?.socket.destroy();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const l of this.#links.values()) l.socket.destroy();
    this.#links.clear();
    for (const s of this.#inbound) s.destroy();
    this.#inbound.clear();
    const server = this.#server;
    this.#server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function normalizeHost(h: string): string {
  return h.startsWith('::ffff:') ? h.slice(7) : h === '::1' ? '127.0.0.1' : h;
}
