/**
 * The byte format of the TCP cluster bus (cluster-tcp-bus.ts): a frame is a 4-byte big-endian
 * length and a body; the body is one message in a compact binary layout (a type byte, then the
 * fields in a fixed order). Binary rather than JSON because every synchronously replicated ADDJOB
 * costs two bus hops: encoding and decoding were, with the per-message socket writes, most of the
 * CPU a node spent on replication.
 * @internal
 */
import type {
  ClusterMessage,
  GossipEntry,
  JobIdMessageType,
  PingMessage,
  SerializedJob,
} from './cluster-messages.js';

/** The first frame on a bus connection: the accepting node's id. @internal */
export interface Greeting {
  readonly greeting: string;
}

/** A frame larger than this is a protocol error (the link is dropped). */
const MAX_FRAME = 512 * 1024 * 1024;

const TYPE_CODES = [
  'greeting',
  'ping',
  'pong',
  'meet',
  'fail',
  'repljob',
  'yourjobs',
  'gotjob',
  'enqueue',
  'queued',
  'working',
  'setack',
  'gotack',
  'deljob',
  'willqueue',
  'needjobs',
  'pause',
] as const;
type TypeName = (typeof TYPE_CODES)[number];
const CODE_OF = new Map<string, number>(TYPE_CODES.map((t, i) => [t, i]));

/** Appends fields to a buffer that grows as needed. */
class Writer {
  #buf: Buffer;
  #pos = 4; // room for the frame length

  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  u8(v: number): void {
    this.#room(1);
    this.#buf[this.#pos++] = v;
  }

  u32(v: number): void {
    this.#room(4);
    this.#buf.writeUInt32BE(v, this.#pos);
    this.#pos += 4;
  }

  num(v: number): void {
    this.#room(8);
    this.#buf.writeDoubleBE(v, this.#pos);
    this.#pos += 8;
  }

  big(v: bigint): void {
    this.#room(8);
    this.#buf.writeBigUInt64BE(v, this.#pos);
    this.#pos += 8;
  }

  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.#room(4 + n);
    this.#buf.writeUInt32BE(n, this.#pos);
    this.#buf.write(s, this.#pos + 4, n, 'utf8');
    this.#pos += 4 + n;
  }

  bytes(b: Buffer): void {
    this.#room(4 + b.length);
    this.#buf.writeUInt32BE(b.length, this.#pos);
    b.copy(this.#buf, this.#pos + 4);
    this.#pos += 4 + b.length;
  }

  /** The finished frame, length prefix included. */
  frame(): Buffer {
    this.#buf.writeUInt32BE(this.#pos - 4, 0);
    return this.#buf.subarray(0, this.#pos);
  }
}

/** Reads fields in the order they were written; a short body throws a RangeError. */
class Reader {
  #pos = 0;

  constructor(private readonly buf: Buffer) {}

  /** Moves past `n` bytes; returns where they start. */
  #take(n: number): number {
    const at = this.#pos;
    if (at + n > this.buf.length) throw new RangeError('cluster bus frame is truncated');
    this.#pos += n;
    return at;
  }

  u8(): number {
    return this.buf[this.#take(1)]!;
  }

  u32(): number {
    return this.buf.readUInt32BE(this.#take(4));
  }

  num(): number {
    return this.buf.readDoubleBE(this.#take(8));
  }

  big(): bigint {
    return this.buf.readBigUInt64BE(this.#take(8));
  }

  #span(): [number, number] {
    const n = this.u32();
    const start = this.#take(n);
    return [start, start + n];
  }

  str(): string {
    const [a, b] = this.#span();
    return this.buf.toString('utf8', a, b);
  }

  /** A copy: the frame's memory is the socket's read buffer, which must not be kept alive. */
  bytes(): Buffer {
    const [a, b] = this.#span();
    return Buffer.from(this.buf.subarray(a, b));
  }
}

function writeJob(w: Writer, j: SerializedJob): void {
  w.str(j.id);
  w.bytes(j.queue);
  w.bytes(j.body);
  w.num(j.repl);
  w.num(j.ttlLeft);
  w.big(j.ctime);
  w.num(j.delay);
  w.num(j.retry);
  w.num(j.nacks);
  w.num(j.deliveries);
  w.u8(j.bcastQueued ? 1 : 0);
  w.u32(j.nodesDelivered.length);
  for (const id of j.nodesDelivered) w.str(id);
}

function readJob(r: Reader): SerializedJob {
  const id = r.str();
  const queue = r.bytes();
  const body = r.bytes();
  const repl = r.num();
  const ttlLeft = r.num();
  const ctime = r.big();
  const delay = r.num();
  const retry = r.num();
  const nacks = r.num();
  const deliveries = r.num();
  const bcastQueued = r.u8() === 1;
  const nodesDelivered: string[] = [];
  for (let n = r.u32(); n > 0; n--) nodesDelivered.push(r.str());
  return {
    id,
    queue,
    body,
    repl,
    ttlLeft,
    ctime,
    delay,
    retry,
    nacks,
    deliveries,
    bcastQueued,
    nodesDelivered,
  };
}

/** Serializes one message as a frame (length prefix included). @internal */
export function encodeFrame(msg: ClusterMessage | Greeting): Buffer {
  if ('greeting' in msg) {
    const w = new Writer(64);
    w.u8(0);
    w.str(msg.greeting);
    return w.frame();
  }
  const w = new Writer(msg.type === 'repljob' || msg.type === 'yourjobs' ? 512 : 160);
  w.u8(CODE_OF.get(msg.type)!);
  w.str(msg.sender);
  w.str(msg.senderHost);
  w.u32(msg.senderPort);
  switch (msg.type) {
    case 'ping':
    case 'pong':
    case 'meet':
      w.u8(msg.leaving ? 1 : 0);
      w.str(msg.toId);
      w.u32(msg.gossip.length);
      for (const g of msg.gossip) {
        w.str(g.id);
        w.str(g.host);
        w.u32(g.port);
        w.u8((g.pfail ? 1 : 0) | (g.fail ? 2 : 0));
      }
      break;
    case 'fail':
      w.str(msg.about);
      break;
    case 'repljob':
    case 'yourjobs':
      w.u8(msg.noreply ? 1 : 0);
      w.u32(msg.jobs.length);
      for (const j of msg.jobs) writeJob(w, j);
      break;
    case 'needjobs':
    case 'pause':
      w.bytes(msg.queue);
      w.num(msg.aux);
      break;
    default:
      w.str(msg.id);
      w.num(msg.aux);
      w.u8((msg.incrNacks ? 1 : 0) | (msg.incrDeliveries ? 2 : 0));
  }
  return w.frame();
}

/** The reverse of {@link encodeFrame} for one frame body; throws on a malformed one. @internal */
export function decodeFrame(body: Buffer): ClusterMessage | Greeting {
  const r = new Reader(body);
  const type: TypeName | undefined = TYPE_CODES[r.u8()];
  if (type === undefined) throw new RangeError('unknown cluster bus message type');
  if (type === 'greeting') return { greeting: r.str() };
  // Every message is built field by field: on Node 20, `{ ...base, type, ... }` costs several
  // microseconds, more than all the rest of the decoding.
  const sender = r.str();
  const senderHost = r.str();
  const senderPort = r.u32();
  switch (type) {
    case 'ping':
    case 'pong':
    case 'meet': {
      const leaving = r.u8() === 1;
      const toId = r.str();
      const gossip: GossipEntry[] = [];
      for (let n = r.u32(); n > 0; n--) {
        const id = r.str();
        const host = r.str();
        const port = r.u32();
        const f = r.u8();
        gossip.push({ id, host, port, pfail: (f & 1) !== 0, fail: (f & 2) !== 0 });
      }
      const ping: PingMessage = { sender, senderHost, senderPort, type, leaving, toId, gossip };
      return ping;
    }
    case 'fail':
      return { sender, senderHost, senderPort, type, about: r.str() };
    case 'repljob':
    case 'yourjobs': {
      const noreply = r.u8() === 1;
      const jobs: SerializedJob[] = [];
      for (let n = r.u32(); n > 0; n--) jobs.push(readJob(r));
      return { sender, senderHost, senderPort, type, noreply, jobs };
    }
    case 'needjobs':
    case 'pause':
      return { sender, senderHost, senderPort, type, queue: r.bytes(), aux: r.num() };
    default: {
      const id = r.str();
      const aux = r.num();
      const f = r.u8();
      const jobIdType: JobIdMessageType = type;
      const incrNacks = (f & 1) !== 0;
      const incrDeliveries = (f & 2) !== 0;
      return { sender, senderHost, senderPort, type: jobIdType, id, aux, incrNacks, incrDeliveries };
    }
  }
}

/** Splits a byte stream into frame bodies. @internal */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  /** Calls `onFrame` for each complete frame; false when a frame is too large (drop the link). */
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
