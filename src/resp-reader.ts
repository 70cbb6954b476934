import type { RawReply } from './replies.js';
import { ProtocolError } from './replies.js';

/** An error reply (`-CODE message`), kept apart from string replies. @internal */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/** Bulk strings and arrays larger than this are refused: Disque caps bodies far below it. */
const MAX_LENGTH = 512 * 1024 * 1024;
const INCOMPLETE: unique symbol = Symbol('incomplete');
const CR = 13;

/**
 * An incremental RESP2 reader for {@link LeanWire} (transport/lean.ts): replies come out whole, in order, as
 * `RawReply` values: integers as numbers (as decimal strings beyond 15 digits), bulk strings as
 * strings, or as Buffers when the command asked for bytes.
 *
 * A reply split across TCP chunks is parsed again when enough bytes have come: for a large bulk
 * string the reader knows how many it needs and waits for them without rescanning, so an 8 MB
 * body costs one copy, not one per chunk.
 * @internal
 */
export class RespReader {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Bytes (from the start of the incomplete reply) needed before trying again. */
  #need = 0;
  /** Chunks waiting for `#need` bytes, after `#buf`. */
  #waiting: Buffer[] = [];
  #waitingBytes = 0;

  /**
   * @param binary - whether the next reply's bulk strings should stay bytes
   * @param onReply - called with every whole reply; a throw from it propagates to `feed`
   */
  constructor(
    private readonly binary: () => boolean,
    private readonly onReply: (reply: RawReply | ErrorReply) => void,
  ) {}

  /** Bytes received. Throws {@link ProtocolError} on bytes that are not RESP2. */
  feed(chunk: Buffer): void {
    if (this.#need > 0) {
      this.#waiting.push(chunk);
      this.#waitingBytes += chunk.length;
      if (this.#buf.length + this.#waitingBytes < this.#need) return;
      this.#buf = Buffer.concat([this.#buf, ...this.#waiting]);
      this.#waiting = [];
      this.#waitingBytes = 0;
    } else if (this.#buf.length > 0) this.#buf = Buffer.concat([this.#buf, chunk]);
    else this.#buf = chunk;
    this.#need = 0;
    this.#pos = 0;
    const buf = this.#buf;
    while (this.#pos < buf.length) {
      const start = this.#pos;
      this.#need = 0;
      const reply = this.#value(this.binary());
      if (reply === INCOMPLETE) {
        this.#buf = buf.subarray(start);
        // At least one byte more than we have, or what a bulk string said it needs.
        this.#need = Math.max(this.#need - start, this.#buf.length + 1);
        return;
      }
      this.onReply(reply);
    }
    this.#buf = Buffer.alloc(0);
  }

  #value(binary: boolean): RawReply | ErrorReply | typeof INCOMPLETE {
    const buf = this.#buf;
    const at = this.#pos;
    if (at >= buf.length) return INCOMPLETE;
    const eol = buf.indexOf(CR, at + 1);
    if (eol === -1 || eol + 1 >= buf.length) return INCOMPLETE;
    if (buf[eol + 1] !== 10) throw new ProtocolError('Malformed reply: CR without LF');
    const type = buf[at];
    switch (type) {
      case 36: {
        // $ bulk string
        const length = readLength(buf, at + 1, eol);
        if (length < 0) {
          this.#pos = eol + 2;
          return null;
        }
        const start = eol + 2;
        const end = start + length;
        if (end + 2 > buf.length) {
          this.#need = end + 2;
          return INCOMPLETE;
        }
        if (buf[end] !== CR || buf[end + 1] !== 10)
          throw new ProtocolError('Malformed reply: bulk string longer than announced');
        this.#pos = end + 2;
        // Bytes are copied: a slice would keep the whole socket chunk alive with the job.
        return binary ? Buffer.from(buf.subarray(start, end)) : buf.toString('utf8', start, end);
      }
      case 42: {
        // * array
        const count = readLength(buf, at + 1, eol);
        this.#pos = eol + 2;
        if (count < 0) return null;
        const items = new Array<RawReply>(count);
        for (let i = 0; i < count; i++) {
          const item = this.#value(binary);
          if (item === INCOMPLETE) return INCOMPLETE;
          if (item instanceof ErrorReply)
            throw new ProtocolError('Malformed reply: an error inside an array');
          items[i] = item;
        }
        return items;
      }
      case 43: // + simple string
        this.#pos = eol + 2;
        return buf.toString('utf8', at + 1, eol);
      case 45: // - error
        this.#pos = eol + 2;
        return new ErrorReply(buf.toString('utf8', at + 1, eol));
      case 58: {
        // : integer: a number, or its decimal string beyond 15 digits (SHOW's ctime exceeds 2^53)
        const value = readInteger(buf, at + 1, eol);
        this.#pos = eol + 2;
        return value;
      }
      default:
        throw new ProtocolError(`Malformed reply: unknown type byte ${type ?? 'none'}`);
    }
  }
}

/** An integer reply's digits, without building a string unless it is too long for a number. */
function readInteger(buf: Buffer, from: number, to: number): number | string {
  const negative = buf[from] === 45;
  const first = negative ? from + 1 : from;
  if (to === first) throw new ProtocolError('Malformed reply: empty integer');
  let n = 0;
  for (let i = first; i < to; i++) {
    const digit = (buf[i] as number) - 48;
    if (digit < 0 || digit > 9)
      throw new ProtocolError(`Malformed reply: integer ${JSON.stringify(buf.toString('latin1', from, to))}`);
    n = n * 10 + digit;
  }
  if (to - first > 15) return buf.toString('latin1', from, to);
  return negative ? -n : n;
}

/** A length or count (`-1` for null), without building a string. */
function readLength(buf: Buffer, from: number, to: number): number {
  if (to - from === 2 && buf[from] === 45 && buf[from + 1] === 49) return -1;
  if (to === from || to - from > 10) throw new ProtocolError('Malformed reply: bad length');
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = (buf[i] as number) - 48;
    if (digit < 0 || digit > 9) throw new ProtocolError('Malformed reply: bad length');
    n = n * 10 + digit;
  }
  if (n > MAX_LENGTH) throw new ProtocolError(`Malformed reply: length ${n} exceeds ${MAX_LENGTH}`);
  return n;
}
