import { ArgumentError, DisqueError } from './errors.js';

/**
 * How job bodies are written and read. Bodies written by clients in other languages are plain
 * strings, which the default {@link string} codec reads with no configuration.
 *
 * @typeParam T - the type of the data in a job
 * @example
 * ```ts
 * const msgpack: Codec<Item> = { binary: true, encode: (v) => pack(v), decode: (b) => unpack(b as Buffer) };
 * ```
 */
export interface Codec<T> {
  /** Turns data into a body. */
  encode(value: T): string | Buffer;
  /** Turns a body back into data. Throwing here makes a {@link DecodeError}. */
  decode(body: Buffer | string): T;
  /** Read bodies as Buffers (byte exact) rather than UTF-8 strings. @defaultValue false */
  readonly binary?: boolean;
}

/**
 * A body read as a Buffer (SHOW, QPEEK), decoded as the codec reads bodies: the Buffer itself for
 * a binary codec, else its UTF-8 text.
 * @internal
 */
export function decodeBody<T>(codec: Codec<T>, body: Buffer): T {
  return codec.decode(codec.binary ? body : body.toString('utf8'));
}

/**
 * UTF-8 string bodies: the default, and what other-language clients write.
 *
 * @example
 * ```ts
 * const jobs = connect({ codec: string() }); // the same as connect()
 * await jobs.add('resize image-42.png', 'images');
 * ```
 */
export function string(): Codec<string> {
  return {
    encode(value) {
      if (typeof value !== 'string')
        throw new ArgumentError(
          'data',
          `Expected \`data\` to be a string (use the json() codec for objects), got ${typeof value}`,
        );
      return value;
    },
    decode: (body) => (typeof body === 'string' ? body : body.toString('utf8')),
  };
}

/**
 * Raw bytes: bodies are written and read as Buffers, byte for byte.
 *
 * @example
 * ```ts
 * const jobs = connect({ codec: buffer() });
 * await jobs.add(Buffer.from([0xde, 0xad, 0xbe, 0xef]), 'blobs');
 * const job = await jobs.get('blobs'); // job.body is a Buffer
 * ```
 */
export function buffer(): Codec<Buffer> {
  return {
    binary: true,
    encode(value) {
      if (!Buffer.isBuffer(value))
        throw new ArgumentError('data', `Expected \`data\` to be a Buffer, got ${typeof value}`);
      return value;
    },
    decode: (body) => (typeof body === 'string' ? Buffer.from(body, 'utf8') : body),
  };
}

/**
 * JSON bodies, typed. The type is not checked at run time: validate in `decode` if producers are
 * not trusted (wrap this codec).
 *
 * @example
 * ```ts
 * const jobs = connect({ codec: json<{ to: string }>() });
 * await jobs.add({ to: 'ada@example.com' }, 'emails');
 * ```
 */
export function json<T>(): Codec<T> {
  return {
    encode(value) {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (cause) {
        // A BigInt, a cycle, a throwing toJSON: not JSON-serialisable either.
        throw new ArgumentError('data', 'Expected `data` to be JSON-serialisable', { cause });
      }
      if (text === undefined) throw new ArgumentError('data', 'Expected `data` to be JSON-serialisable');
      return text;
    },
    decode: (body) => JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as T,
  };
}

/**
 * A job whose body the codec could not read. The job is not lost: see {@link DecodeError}.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof DecodeError) console.error(err.job.id, err.job.queue, String(err.job.body)); }
 * ```
 */
export interface UndecodedJob {
  /** The job id. */
  readonly id: string;
  /** Its queue. */
  readonly queue: string;
  /** The body as it came. */
  readonly body: Buffer | string;
}

/**
 * A job's body could not be decoded. The job stays with the server, not acknowledged: it is
 * delivered again after its RETRY, unless you ack (or dead-letter) `job.id` yourself.
 *
 * @example
 * ```ts
 * const jobs = connect({ codec: json<{ to: string }>() });
 * try { await jobs.get('emails'); }
 * catch (err) { if (err instanceof DecodeError) await jobs.ack(err.job.id); else throw err; } // drop a bad body
 * ```
 */
export class DecodeError extends DisqueError {
  override name = 'DecodeError';
  /** The job that could not be decoded. */
  readonly job: UndecodedJob;

  constructor(job: UndecodedJob, cause: unknown) {
    super('DECODE', `Could not decode the body of job ${job.id} from queue ${job.queue}`, { cause });
    this.job = job;
  }
}
