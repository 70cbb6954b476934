/**
 * A tiny raw RESP2 client for the server tests: sends argv arrays, parses replies into plain
 * values (errors become `{ error }`, status replies `{ status }`), nothing hidden.
 */
import net from 'node:net';

export type Value =
  | string
  | number
  | bigint
  | null
  | Buffer
  | { readonly status: string }
  | { readonly error: string }
  | { readonly nullArray: true }
  | Value[];

interface Parsed {
  value: Value;
  off: number;
}

function parse(buf: Buffer, off: number, binary: boolean): Parsed | null {
  if (off >= buf.length) return null;
  const eol = buf.indexOf('\r\n', off);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[off]!);
  const line = buf.toString('utf8', off + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: { status: line }, off: next };
    case '-':
      return { value: { error: line }, off: next };
    case ':': {
      const n = BigInt(line);
      return {
        value: n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER) ? n : Number(n),
        off: next,
      };
    }
    case '$': {
      const len = Number(line);
      if (len === -1) return { value: null, off: next };
      if (buf.length < next + len + 2) return null;
      const data = buf.subarray(next, next + len);
      return { value: binary ? Buffer.from(data) : data.toString('utf8'), off: next + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n === -1) return { value: { nullArray: true }, off: next };
      const items: Value[] = [];
      let o = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, o, binary);
        if (r === null) return null;
        items.push(r.value);
        o = r.off;
      }
      return { value: items, off: o };
    }
    default:
      throw new Error(`bad reply byte ${type}`);
  }
}

export function encode(args: readonly (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export class RespClient {
  readonly #sock: net.Socket;
  #buf = Buffer.alloc(0);
  readonly #waiters: ((v: Value | Error) => void)[] = [];
  readonly #ready: Promise<void>;
  closed = false;

  constructor(
    port: number,
    host = '127.0.0.1',
    private readonly binary = false,
  ) {
    this.#sock = net.createConnection({ host, port });
    this.#ready = new Promise((resolve, reject) => {
      this.#sock.once('connect', () => resolve());
      this.#sock.once('error', reject);
    });
    this.#sock.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      for (;;) {
        const r = parse(this.#buf, 0, this.binary);
        if (r === null) break;
        this.#buf = this.#buf.subarray(r.off);
        this.#waiters.shift()?.(r.value);
      }
    });
    this.#sock.on('close', () => {
      this.closed = true;
      for (const w of this.#waiters.splice(0)) w(new Error('connection closed'));
    });
    this.#sock.on('error', () => undefined);
  }

  /** Sends a command and resolves with its reply (rejects if the connection closes first). */
  async call(...args: (string | Buffer | number)[]): Promise<Value> {
    await this.#ready;
    const p = this.#next();
    this.#sock.write(encode(args));
    return p;
  }

  /** Sends raw bytes; resolves with `n` replies. */
  async raw(bytes: string | Buffer, n = 1): Promise<Value[]> {
    await this.#ready;
    const ps: Promise<Value>[] = [];
    for (let i = 0; i < n; i++) ps.push(this.#next());
    this.#sock.write(bytes);
    return Promise.all(ps);
  }

  #next(): Promise<Value> {
    return new Promise((resolve, reject) => {
      this.#waiters.push((v) => (v instanceof Error ? reject(v) : resolve(v)));
    });
  }

  /** Resolves when the server closes the connection. */
  waitClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.#sock.once('close', () => resolve()));
  }

  close(): void {
    this.#sock.destroy();
  }
}
