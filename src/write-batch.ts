import type { Socket } from 'node:net';

/**
 * Past this many characters, the joined text of a tick becomes bytes (one Buffer). Joining with
 * `+=` builds a tree of small strings: 100 000 ADDJOBs issued in one tick held 388 B of it each
 * until the flush (heap snapshot), against about 100 B as bytes. A tick of ordinary size never
 * gets here: copying every command into a Buffer as it comes made consumers slower (`npm run
 * bench`, consume rows).
 */
const SPILL_CHARS = 64 * 1024;

/**
 * The bytes of the commands issued in one tick, waiting for one socket write: strings are joined
 * into one, a Buffer (a binary job body) ends the string run and is kept as it is, and a long run
 * of text is turned into bytes as it grows. Shared by {@link WriteCoalescer} (ioredis
 * connections) and {@link LeanWire} (transport/lean.ts).
 * @internal
 */
export class WriteBatch {
  #text = '';
  #chunks: (string | Buffer)[] = [];

  /** Adds bytes after those already gathered. */
  append(data: string | Buffer): void {
    if (typeof data === 'string') {
      this.#text += data;
      if (this.#text.length > SPILL_CHARS) {
        this.#chunks.push(Buffer.from(this.#text));
        this.#text = '';
      }
    } else {
      if (this.#text) this.#chunks.push(this.#text);
      this.#text = '';
      this.#chunks.push(data);
    }
  }

  /** Adds bytes before those already gathered (AUTH, which must go out first). */
  prepend(text: string): void {
    if (this.#chunks.length > 0) this.#chunks.unshift(text);
    else this.#text = text + this.#text;
  }

  /** Writes what is gathered, as one write or several under one cork, and empties the batch. */
  writeTo(socket: Socket): void {
    const text = this.#text;
    const chunks = this.#chunks;
    this.clear();
    if (chunks.length === 0) {
      if (text) socket.write(text);
      return;
    }
    socket.cork();
    for (const chunk of chunks) socket.write(chunk);
    if (text) socket.write(text);
    socket.uncork();
  }

  /** Forgets what is gathered. */
  clear(): void {
    this.#text = '';
    if (this.#chunks.length > 0) this.#chunks = [];
  }
}
