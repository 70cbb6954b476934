/**
 * RESP2 replies as plain values, and their encoding.
 *
 * A command handler returns a {@link Reply}; bulk strings are `string` (UTF-8) or `Buffer` (binary
 * safe), integers are `number` or `bigint` (job `ctime` exceeds 2^53), `null` is the null bulk
 * `$-1`, arrays are JS arrays. Status, error and null-array replies are tagged objects because they
 * have no natural JS value. Disque distinguishes `$-1` from `*-1` (SHOW vs GETJOB), so do we.
 * @internal
 */

export interface StatusReply {
  readonly kind: 'status';
  readonly text: string;
}
export interface ErrorReply {
  readonly kind: 'error';
  /** Full error line without the leading `-`, e.g. `ERR syntax error`. */
  readonly text: string;
}
export interface NullArrayReply {
  readonly kind: 'nullarray';
}

/** @internal */
export type Reply =
  string | Buffer | number | bigint | null | StatusReply | ErrorReply | NullArrayReply | Reply[];

/** `+text` @internal */
export function status(text: string): StatusReply {
  return { kind: 'status', text };
}
/** `-text` (text includes the prefix, e.g. `ERR ...`). @internal */
export function error(text: string): ErrorReply {
  return { kind: 'error', text };
}
/** `*-1` @internal */
export const NULL_ARRAY: NullArrayReply = { kind: 'nullarray' };
/** `+OK` @internal */
export const OK = status('OK');
/** `-ERR syntax error` @internal */
export const SYNTAX_ERROR = error('ERR syntax error');

/** Whether a reply is an error reply. @internal */
export function isError(r: Reply): r is ErrorReply {
  return (
    typeof r === 'object' && r !== null && !Array.isArray(r) && !Buffer.isBuffer(r) && r.kind === 'error'
  );
}

const CRLF = '\r\n';

/**
 * Accumulates encoded replies: text goes to a string, binary bulks are kept as Buffers, and
 * `take()` returns the pieces ready for one socket write.
 */
export class ReplyWriter {
  #parts: Buffer[] = [];
  #text = '';
  #bytes = 0;

  /** Encoded bytes written so far. */
  get bytes(): number {
    return this.#bytes + Buffer.byteLength(this.#text);
  }

  write(r: Reply): void {
    if (typeof r === 'string') {
      this.#text += `$${Buffer.byteLength(r)}${CRLF}${r}${CRLF}`;
    } else if (typeof r === 'number' || typeof r === 'bigint') {
      this.#text += `:${r}${CRLF}`;
    } else if (r === null) {
      this.#text += `$-1${CRLF}`;
    } else if (Array.isArray(r)) {
      this.#text += `*${r.length}${CRLF}`;
      for (const x of r) this.write(x);
    } else if (Buffer.isBuffer(r)) {
      this.#text += `$${r.length}${CRLF}`;
      this.#flushText();
      this.#parts.push(r);
      this.#bytes += r.length;
      this.#text = CRLF;
    } else if (r.kind === 'status') {
      this.#text += `+${r.text}${CRLF}`;
    } else if (r.kind === 'error') {
      this.#text += `-${r.text}${CRLF}`;
    } else {
      this.#text += `*-1${CRLF}`;
    }
  }

  #flushText(): void {
    if (this.#text.length === 0) return;
    const b = Buffer.from(this.#text, 'utf8');
    this.#parts.push(b);
    this.#bytes += b.length;
    this.#text = '';
  }

  /** Returns everything written since the last call, as one Buffer (empty if nothing). */
  take(): Buffer {
    this.#flushText();
    const out = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts);
    this.#parts = [];
    this.#bytes = 0;
    return out ?? Buffer.alloc(0);
  }

  get empty(): boolean {
    return this.#parts.length === 0 && this.#text.length === 0;
  }
}

/** Encodes one reply to bytes. @internal */
export function encodeReply(r: Reply): Buffer {
  const w = new ReplyWriter();
  w.write(r);
  return w.take();
}
