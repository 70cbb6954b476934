import type { Socket } from 'node:net';

/** The first buffer of a batch: small enough to come from Node's shared pool (a few commands). */
const INITIAL_BYTES = 1024;
/** Strings longer than this are measured before they are copied, not sized at 3 bytes a char. */
const MEASURE_ABOVE = 64 * 1024;

/**
 * The bytes of the commands issued in one tick, waiting for one socket write. Each command is
 * copied into one growing Buffer as it is issued: what is in flight before the flush is bytes,
 * not the tree of small JS strings that `+=` builds (388 bytes of heap per ADDJOB, measured,
 * against about 100 of bytes). Shared by {@link WriteCoalescer} (ioredis connections) and
 * {@link LeanWire} (transport/lean.ts).
 * @internal
 */
export class WriteBatch {
  #buffer: Buffer | undefined;
  #length = 0;

  /** Adds bytes after those already gathered. */
  append(data: string | Buffer): void {
    if (typeof data === 'string') {
      const most = data.length > MEASURE_ABOVE ? Buffer.byteLength(data) : data.length * 3;
      const buffer = this.#room(most);
      this.#length += buffer.write(data, this.#length);
    } else {
      const buffer = this.#room(data.length);
      this.#length += data.copy(buffer, this.#length);
    }
  }

  /** A buffer with room for `bytes` more after those gathered (grown by doubling). */
  #room(bytes: number): Buffer {
    const buffer = this.#buffer;
    const needed = this.#length + bytes;
    if (buffer !== undefined && buffer.length >= needed) return buffer;
    let size = buffer === undefined ? INITIAL_BYTES : buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    if (buffer !== undefined) buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
    return grown;
  }

  /** Adds bytes before those already gathered (AUTH, which must go out first; rare: copies). */
  prepend(text: string): void {
    const rest = this.#buffer?.subarray(0, this.#length);
    this.clear();
    this.append(text);
    if (rest !== undefined) this.append(rest);
  }

  /**
   * Writes what is gathered as one write and empties the batch. The socket keeps the Buffer until
   * it is written: the next batch starts a new one.
   */
  writeTo(socket: Socket): void {
    const bytes = this.#buffer?.subarray(0, this.#length);
    this.clear();
    if (bytes !== undefined && bytes.length > 0) socket.write(bytes);
  }

  /** Forgets what is gathered. */
  clear(): void {
    this.#buffer = undefined;
    this.#length = 0;
  }
}
