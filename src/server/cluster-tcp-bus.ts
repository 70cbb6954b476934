/**
 * The cluster bus between processes: like Disque, every node listens on its client port + 10000,
 * and keeps one outgoing connection to each peer it knows. A frame is a 4-byte big-endian length
 * and a JSON message (Buffers and bigints tagged, see {@link encodeMessage}). The accepting side
 * first sends its node id, so a link is "up" only once the socket is connected *and* we know
 * who answers there: the link state the cluster cron uses comes from the sockets.
 * @internal
 */
import net from 'node:net';
import type { BusEndpoint, BusTransport } from './cluster-bus.js';
import type { ClusterMessage } from './cluster-messages.js';

/** Offset of the bus port from the client port, as in Disque. @internal */
export const BUS_PORT_OFFSET = 10000;
/** A frame larger than this is a protocol error (the link is dropped). */
const MAX_FRAME = 512 * 1024 * 1024;
/** Wait this long before connecting again to an address that refused or dropped us. */
const RECONNECT_MS = 300;

interface Greeting {
  readonly greeting: string;
}

/** Serializes a message; Buffers become `{$b: base64}`, bigints `{$n: "123"}`. @internal */
export function encodeMessage(msg: ClusterMessage | Greeting): Buffer {
  const json = JSON.stringify(msg, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (Buffer.isBuffer(raw)) return { $b: raw.toString('base64') };
    if (typeof raw === 'bigint') return { $n: raw.toString() };
    return value;
  });
  const body = Buffer.from(json, 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** The reverse of {@link encodeMessage} for one frame body. @internal */
export function decodeMessage(body: Buffer): ClusterMessage | Greeting {
  return JSON.parse(body.toString('utf8'), (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null) {
      const o = value as { $b?: unknown; $n?: unknown };
      if (typeof o.$b === 'string') return Buffer.from(o.$b, 'base64');
      if (typeof o.$n === 'string') return BigInt(o.$n);
    }
    return value;
  }) as ClusterMessage | Greeting;
}

/** Splits a byte stream into frames. */
class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onFrame: (body: Buffer) => void): boolean {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len > MAX_FRAME) return false;
      if (this.#buf.length < 4 + len) break;
      const body = this.#buf.subarray(4, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      onFrame(body);
    }
    return true;
  }
}

interface OutLink {
  readonly socket: net.Socket;
  connected: boolean;
  remoteId: string | undefined;
}

/** @internal */
export class TcpBus implements BusTransport {
  #server: net.Server | null = null;
  readonly #inbound = new Set<net.Socket>();
  readonly #links = new Map<string, OutLink>();
  /** Address → when we may try to connect again. */
  readonly #retryAt = new Map<string, number>();
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
    socket.write(encodeMessage({ greeting: this.endpoint.id }));
    const dstHost = normalizeHost(socket.localAddress ?? '127.0.0.1');
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      const ok = reader.push(chunk, (body) => {
        let msg: ClusterMessage | Greeting;
        try {
          msg = decodeMessage(body);
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
    const link: OutLink = { socket, connected: false, remoteId: undefined };
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
        try {
          const msg = decodeMessage(body);
          if ('greeting' in msg) link.remoteId = msg.greeting;
        } catch {
          socket.destroy();
        }
      });
      if (!ok) socket.destroy();
    });
    return link;
  }

  send(host: string, port: number, msg: ClusterMessage): boolean {
    const link = this.#link(host, port);
    if (link === undefined || link.socket.destroyed) return false;
    // While connecting, writes are buffered by the socket and go out in order once connected.
    link.socket.write(encodeMessage(msg));
    return true;
  }

  peerAt(host: string, port: number): string | undefined {
    const link = this.#link(host, port);
    return link?.connected === true && !link.socket.destroyed ? link.remoteId : undefined;
  }

  identityChanged(): void {
    for (const s of this.#inbound) s.destroy();
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
