/**
 * Incremental RESP2 request parser: multi-bulk requests (`*2\r\n$4\r\nPING\r\n...`) and Redis-style
 * inline requests (`PING\r\n`), both of which Disque accepts on the same connection.
 *
 * The parser keeps the state of a half-received multi-bulk request, so a large bulk that arrives in
 * many TCP chunks is copied once instead of being re-parsed from the start on every chunk.
 * @internal
 */

/** Limits copied from Disque's networking layer, so oversized requests fail the same way. */
const MAX_INLINE = 64 * 1024;
const MAX_MULTIBULK = 1024 * 1024;
const MAX_BULK = 512 * 1024 * 1024;

const CR = 13;
const LF = 10;

/** A protocol violation: the server replies with this text (after `-ERR Protocol error: `) and closes. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Parses requests out of a byte stream; `next()` returns one argv at a time. @internal */
export class RespParser {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Remaining bulks of the multi-bulk request being read (0 = between requests). */
  #pendingArgs = 0;
  #args: Buffer[] = [];
  /** Length of the bulk whose header was read but whose data has not fully arrived (-1 = none). */
  #bulkLen = -1;

  /** Appends received bytes. */
  feed(chunk: Buffer): void {
    if (this.#pos >= this.#buf.length) {
      this.#buf = chunk;
    } else {
      this.#buf = Buffer.concat([this.#buf.subarray(this.#pos), chunk]);
    }
    this.#pos = 0;
  }

  /** Bytes received and not consumed yet (for INFO's client_biggest_input_buf). */
  get buffered(): number {
    return this.#buf.length - this.#pos;
  }

  /**
   * Returns the next complete request, `null` when more bytes are needed.
   * Empty requests (`*0`, blank inline lines) are skipped silently, as Disque does.
   * @throws {ProtocolError} on malformed input; the connection must then be closed.
   */
  next(): Buffer[] | null {
    for (;;) {
      if (this.#pendingArgs === 0) {
        if (this.#pos >= this.#buf.length) return null;
        if (this.#buf[this.#pos] === 0x2a /* '*' */) {
          const n = this.#readMultibulkHeader();
          if (n === null) return null;
          if (n <= 0) continue;
          this.#pendingArgs = n;
          this.#args = [];
        } else {
          const argv = this.#readInline();
          if (argv === null) return null;
          if (argv.length === 0) continue;
          return argv;
        }
      }
      if (!this.#readBulks()) return null;
      const argv = this.#args;
      this.#args = [];
      return argv;
    }
  }

  /** Reads `*<n>\r\n`; returns null if the line is incomplete. */
  #readMultibulkHeader(): number | null {
    const eol = this.#buf.indexOf(CR, this.#pos);
    if (eol < 0 || eol + 1 >= this.#buf.length) {
      if (this.#buf.length - this.#pos > MAX_INLINE) {
        throw new ProtocolError('too big mbulk count string');
      }
      return null;
    }
    const n = parseStrictInt(this.#buf, this.#pos + 1, eol);
    if (n === null || n > MAX_MULTIBULK) throw new ProtocolError('invalid multibulk length');
    this.#pos = eol + 2;
    return n;
  }

  /** Reads the remaining bulks of the current request; false when more bytes are needed. */
  #readBulks(): boolean {
    const buf = this.#buf;
    while (this.#pendingArgs > 0) {
      if (this.#bulkLen < 0) {
        if (this.#pos >= buf.length) return false;
        const first = buf[this.#pos];
        if (first !== 0x24 /* '$' */) {
          throw new ProtocolError(`expected '$', got '${String.fromCharCode(first ?? 0)}'`);
        }
        const eol = buf.indexOf(CR, this.#pos);
        if (eol < 0 || eol + 1 >= buf.length) {
          if (buf.length - this.#pos > MAX_INLINE) throw new ProtocolError('too big bulk count string');
          return false;
        }
        const len = parseStrictInt(buf, this.#pos + 1, eol);
        if (len === null || len < 0 || len > MAX_BULK) throw new ProtocolError('invalid bulk length');
        this.#pos = eol + 2;
        this.#bulkLen = len;
      }
      if (buf.length - this.#pos < this.#bulkLen + 2) return false;
      // Copy: the argument may outlive this chunk (job bodies, queue names are stored as-is).
      this.#args.push(Buffer.from(buf.subarray(this.#pos, this.#pos + this.#bulkLen)));
      this.#pos += this.#bulkLen + 2;
      this.#bulkLen = -1;
      this.#pendingArgs--;
    }
    return true;
  }

  /** Reads one inline line (ended by `\n`, an optional `\r` before it is dropped). */
  #readInline(): Buffer[] | null {
    const nl = this.#buf.indexOf(LF, this.#pos);
    if (nl < 0) {
      if (this.#buf.length - this.#pos > MAX_INLINE) throw new ProtocolError('too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.#pos && this.#buf[end - 1] === CR) end--;
    const line = this.#buf.subarray(this.#pos, end);
    this.#pos = nl + 1;
    const argv = splitInlineArgs(line);
    if (argv === null) throw new ProtocolError('unbalanced quotes in request');
    return argv;
  }
}

/** Parses a signed decimal integer in buf[start, end); null if it is not one. */
function parseStrictInt(buf: Buffer, start: number, end: number): number | null {
  if (start >= end) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d /* '-' */) {
    neg = true;
    i++;
    if (i >= end) return null;
  }
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c < 0x30 || c > 0x39) return null;
    n = n * 10 + (c - 0x30);
    if (n > Number.MAX_SAFE_INTEGER) return null;
  }
  return neg ? -n : n;
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d;
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const ESCAPES: Readonly<Record<number, number>> = {
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x62: 0x08,
  0x61: 0x07,
};

/**
 * Splits an inline request into words the way Redis/Disque do: blanks separate words, `"..."`
 * groups words and understands `\n`, `\xHH`-style escapes, `'...'` groups literally (only `\'`).
 * A closing quote must be followed by a blank or the end of the line.
 * Returns null on unbalanced quotes.
 */
export function splitInlineArgs(line: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  let p = 0;
  const n = line.length;
  for (;;) {
    while (p < n && isSpace(line[p])) p++;
    if (p >= n) return out;
    const cur: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[p];
      if (inDouble) {
        if (c === undefined) return null;
        if (c === 0x5c && line[p + 1] === 0x78 && hexValue(line[p + 2]) >= 0 && hexValue(line[p + 3]) >= 0) {
          cur.push(hexValue(line[p + 2]) * 16 + hexValue(line[p + 3]));
          p += 3;
        } else if (c === 0x5c && p + 1 < n) {
          p++;
          const e = line[p] ?? 0;
          cur.push(ESCAPES[e] ?? e);
        } else if (c === 0x22) {
          if (p + 1 < n && !isSpace(line[p + 1])) return null;
          done = true;
        } else {
          cur.push(c);
        }
      } else if (inSingle) {
        if (c === undefined) return null;
        if (c === 0x5c && line[p + 1] === 0x27) {
          p++;
          cur.push(0x27);
        } else if (c === 0x27) {
          if (p + 1 < n && !isSpace(line[p + 1])) return null;
          done = true;
        } else {
          cur.push(c);
        }
      } else if (c === undefined || isSpace(c)) {
        done = true;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else {
        cur.push(c);
      }
      if (p < n) p++;
    }
    out.push(Buffer.from(cur));
  }
}
