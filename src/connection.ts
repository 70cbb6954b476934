import { inspect } from 'node:util';
import { ConnectionCommands } from './connection-commands.js';
import * as C from './commands/index.js';
import type { Arg, Command, Milliseconds } from './commands/types.js';
import { rawServerHold } from './commands/hold.js';
import type { Job, JobInfo } from './job.js';
import type { RawReply } from './replies.js';
import { ArgumentError } from './errors.js';
import { parseAddress } from './address.js';
import { LeanSession } from './transport/session.js';
import { resolveConnectionOptions, type ConnectionOptions } from './transport/options.js';

export type { ConnectionOptions } from './transport/options.js';
export { DEFAULT_COMMAND_TIMEOUT, DEFAULT_PORT } from './transport/shared.js';

/** The command name of {@link Connection.call}, upper case. */
function callName(command: unknown): string {
  if (typeof command !== 'string' || command.length === 0)
    throw new ArgumentError('command', 'Expected `command` to be a non-empty string');
  return command.toUpperCase();
}

/** The arguments of {@link Connection.call}: strings, Buffers and finite numbers, as on the wire. */
function callArgs(args: readonly unknown[]): Arg[] {
  args.forEach((arg, i) => {
    if (
      typeof arg !== 'string' &&
      !Buffer.isBuffer(arg) &&
      !(typeof arg === 'number' && Number.isFinite(arg))
    )
      throw new ArgumentError(
        `args[${i}]`,
        `Expected \`args[${i}]\` to be a string, a Buffer or a finite number, got ${arg === null ? 'null' : typeof arg}`,
      );
  });
  return args as Arg[];
}

/**
 * One connection to one Disque node, with a typed method for every command.
 *
 * Built on a single ioredis client speaking RESP2 (Disque refuses `HELLO 3` and `CLIENT SETINFO`).
 * Arguments are validated before anything is sent ({@link ArgumentError}); error replies become
 * typed errors ({@link NoJobError}, {@link LeavingError}, …); all durations are milliseconds.
 *
 * A blocking {@link Connection.getJob} holds the connection until it returns: give blocking
 * consumers a connection of their own (the Pool does this for you).
 *
 * @example
 * ```ts
 * const conn = new Connection({ host: '127.0.0.1', port: 7711 });
 * const id = await conn.addJob('emails', JSON.stringify({ to: 'a@b.c' }), { retry: 60_000 });
 * const [job] = await conn.getJob(['emails'], { timeout: 1000 });
 * if (job) await conn.ackJob(job.id);
 * await conn.close();
 * ```
 */
export class Connection extends ConnectionCommands {
  /** The node's address, `host:port`. */
  readonly address: string;
  readonly #wire: LeanSession;
  /** Blocking GETJOBs in flight: close() cuts them rather than wait for QUIT behind them. */
  #blocking = 0;
  #closing: Promise<void> | undefined;

  /**
   * Creates the connection. It connects at once unless `lazyConnect` (then on the first command,
   * or {@link Connection.connect}).
   * @throws {@link ArgumentError} for a bad or unknown option
   */
  constructor(options: ConnectionOptions = {}) {
    super();
    this.#wire = new LeanSession(resolveConnectionOptions(options));
    this.address = this.#wire.address;
  }

  /**
   * Creates a connection from a URL: `disque://[:password@]host[:port]`, or `disques://` for TLS.
   *
   * @example
   * ```ts
   * const conn = Connection.fromUrl('disque://:secret@queue.internal:7711');
   * ```
   */
  static fromUrl(
    url: string,
    options: Omit<ConnectionOptions, 'host' | 'port' | 'password'> = {},
  ): Connection {
    return new Connection({ ...parseAddress(url), ...options });
  }

  /**
   * Whether the connection is ready for commands.
   *
   * @example
   * ```ts
   * if (!conn.ready) await conn.connect();
   * ```
   */
  get ready(): boolean {
    return this.#wire.ready;
  }

  /**
   * Whether the connection is closed for good (closed by the user, or dropped with `reconnect: false`).
   *
   * @example
   * ```ts
   * if (conn.closed) console.warn(`${conn.address} is closed for good`);
   * ```
   */
  get closed(): boolean {
    return this.#closing !== undefined || this.#wire.closed;
  }

  /**
   * Commands sent and not yet answered.
   *
   * @example
   * ```ts
   * const idle = conns.filter((c) => c.inFlight === 0);
   * ```
   */
  get inFlight(): number {
    return this.#wire.inFlight;
  }

  /**
   * Connects now (otherwise the first command does, or the constructor unless `lazyConnect`).
   *
   * @example
   * ```ts
   * const conn = new Connection({ port: 7711, lazyConnect: true });
   * await conn.connect(); // rejects with ConnectionError if the node is down
   * ```
   */
  connect(): Promise<void> {
    return this.#wire.connect();
  }

  /**
   * Runs a command object: validates and builds the argv, sends it, parses the reply, and maps
   * errors. Every typed method below goes through here.
   *
   * @example
   * ```ts
   * const len = await conn.run(QLEN, 'emails');
   * const [job] = await conn.run(GETJOB, ['emails'], { nohang: true });
   * ```
   */
  run<A extends readonly unknown[], R>(command: Command<A, R>, ...args: A): Promise<R> {
    // Not an async function (one promise less per command); a bad argument still rejects.
    try {
      const argv = command.args(...args);
      return this.#wire.run(command as Command<never, R>, argv, command.hold ? command.hold(...args) : 0);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * Sends any command as it is (an escape hatch for commands this version does not model).
   * Replies come raw: strings, Buffers when `binary`, integers as decimal strings, arrays.
   *
   * @example
   * ```ts
   * await conn.call('DEBUG', 'FLUSHALL');
   * ```
   */
  async call(command: string, ...args: Arg[]): Promise<RawReply> {
    return this.#call(command, args, false);
  }

  /**
   * As {@link Connection.call}, with every string in the reply as a Buffer.
   *
   * @example
   * ```ts
   * const reply = await conn.callBuffer('SHOW', id); // bulk strings as Buffers: bodies byte for byte
   * ```
   */
  async callBuffer(command: string, ...args: Arg[]): Promise<RawReply> {
    return this.#call(command, args, true);
  }

  #call(command: string, args: readonly unknown[], binary: boolean): Promise<RawReply> {
    const name = callName(command);
    const argv = [command, ...callArgs(args)];
    return this.#wire.send(name, argv, binary, rawServerHold(argv));
  }

  /**
   * Adds a job. Resolves to its id once it is replicated as asked (or at once with `async`).
   * @param queue - the queue name
   * @param body - the body, a string or Buffer (byte exact)
   * @throws {@link NoReplError} not enough nodes confirmed in time
   * @throws {@link MaxLenError}, {@link PausedError}, {@link ArgumentError}
   * @example
   * ```ts
   * await conn.addJob('emails', 'hello', { replicate: 2, retry: 30_000, ttl: 3_600_000 });
   * ```
   */
  addJob(queue: string | Buffer, body: string | Buffer, options?: C.AddJobOptions): Promise<string> {
    return this.run(C.ADDJOB, queue, body, options);
  }

  /**
   * Fetches jobs from the queues, the first non-empty queue first. Blocks unless `nohang`, up to
   * `timeout` ms (`0`, the default, forever); resolves to `[]` when nothing came. A GETJOB
   * without a timeout (and without `nohang`) holds up every later command on this Connection
   * until a job arrives: block on a Connection of its own, or use a Pool / Jobs handle.
   * @example
   * ```ts
   * const jobs = await conn.getJob(['urgent', 'normal'], { timeout: 5000, count: 10 });
   * ```
   */
  getJob(queues: readonly (string | Buffer)[], options?: C.GetJobOptions): Promise<Job[]> {
    return this.#blockingRun(C.GETJOB, queues, options);
  }

  /**
   * As {@link Connection.getJob}, with bodies as Buffers.
   *
   * @example
   * ```ts
   * const [job] = await conn.getJobBuffer(['images'], { timeout: 1000 });
   * if (job) await fs.writeFile(`${job.id}.png`, job.body);
   * ```
   */
  getJobBuffer(queues: readonly (string | Buffer)[], options?: C.GetJobOptions): Promise<Job<Buffer>[]> {
    return this.#blockingRun(C.GETJOB_BUFFER, queues, options);
  }

  async #blockingRun<R>(
    command: Command<[readonly (string | Buffer)[], C.GetJobOptions?], R>,
    queues: readonly (string | Buffer)[],
    options?: C.GetJobOptions,
  ): Promise<R> {
    command.args(queues, options); // bad arguments throw before the count moves
    this.#blocking++;
    try {
      return await this.run(command, queues, options);
    } finally {
      this.#blocking--;
    }
  }

  /**
   * Acknowledges jobs: they are deleted cluster-wide. Resolves to how many were known and not yet acked.
   *
   * @example
   * ```ts
   * const [job] = await conn.getJob(['emails']);
   * if (job) await conn.ackJob(job.id); // 1
   * ```
   */
  ackJob(...ids: string[]): Promise<number> {
    return this.run(C.ACKJOB, ...ids);
  }

  /**
   * Deletes jobs at once, with a best-effort delete on other nodes. Faster than ACKJOB, less certain.
   *
   * @example
   * ```ts
   * await conn.fastAck(...batch.map((j) => j.id));
   * ```
   */
  fastAck(...ids: string[]): Promise<number> {
    return this.run(C.FASTACK, ...ids);
  }

  /**
   * Puts jobs back at the front of their queue and counts a NACK. Resolves to how many moved.
   *
   * @example
   * ```ts
   * try { await send(job.body); await conn.ackJob(job.id); }
   * catch { await conn.nack(job.id); } // delivered again at once
   * ```
   */
  nack(...ids: string[]): Promise<number> {
    return this.run(C.NACK, ...ids);
  }

  /**
   * Tells the node the job is still being worked on: its next re-queue moves a full RETRY from
   * now. Resolves to that RETRY period in ms.
   * @throws {@link NoJobError} unknown job; {@link TooLateError} past half its TTL
   * @example
   * ```ts
   * const lease = await conn.working(job.id); // 60000: a minute more for a RETRY 60 job
   * ```
   */
  working(id: string): Promise<Milliseconds> {
    return this.run(C.WORKING, id);
  }

  /**
   * Puts jobs (not queued) back in their queue without counting a NACK.
   *
   * @example
   * ```ts
   * await conn.enqueue(id); // 1: queued again at once, its `nacks` unchanged
   * ```
   */
  enqueue(...ids: string[]): Promise<number> {
    return this.run(C.ENQUEUE, ...ids);
  }

  /**
   * Takes queued jobs out of their queue (they stay known, `active`).
   *
   * @example
   * ```ts
   * await conn.dequeue(id); // 1: nobody gets it until ENQUEUE or its RETRY
   * ```
   */
  dequeue(...ids: string[]): Promise<number> {
    return this.run(C.DEQUEUE, ...ids);
  }

  /**
   * Deletes jobs from this node only, whatever their state.
   *
   * @example
   * ```ts
   * await conn.delJob(id); // 1: other nodes keep their copies
   * ```
   */
  delJob(...ids: string[]): Promise<number> {
    return this.run(C.DELJOB, ...ids);
  }

  /**
   * Everything this node knows of a job, or `null`.
   *
   * @example
   * ```ts
   * const info = await conn.show(id);
   * console.log(info?.state, info?.nacks, info?.ttl);
   * ```
   */
  show(id: string): Promise<JobInfo | null> {
    return this.run(C.SHOW, id);
  }

  /**
   * As {@link Connection.show}, with the body as a Buffer.
   *
   * @example
   * ```ts
   * const body = (await conn.showBuffer(id))?.body; // Buffer | null | undefined
   * ```
   */
  showBuffer(id: string): Promise<JobInfo<Buffer> | null> {
    return this.run(C.SHOW_BUFFER, id);
  }

  // ---- life cycle -------------------------------------------------------------------------

  /**
   * Closes the connection. Commands already sent get their replies first (QUIT), except that a
   * blocked GETJOB, which would hold QUIT back indefinitely, is cut: it rejects with a
   * {@link ConnectionError}. QUIT's reply is awaited at most `commandTimeout`, then the socket
   * is destroyed. Safe to call more than once.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void conn.close());
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#blocking > 0) this.#wire.destroy();
    this.#closing = this.#wire.close();
    return this.#closing;
  }

  /**
   * Destroys the socket at once: every command in flight, a blocked GETJOB included, rejects
   * with a {@link ConnectionError}. Used when a blocking call is abandoned, so that a GETJOB still
   * armed on the server cannot take a job nobody will receive.
   *
   * @example
   * ```ts
   * const pending = conn.getJob(['emails']); // blocks
   * conn.destroy(); // pending rejects with ConnectionError; no job is taken
   * ```
   */
  destroy(): void {
    this.#closing ??= Promise.resolve();
    this.#wire.destroy();
  }

  /**
   * What `console.log` and `util.inspect` show: the address and status, never the password.
   *
   * @example
   * ```ts
   * console.log(conn); // Connection { address: '127.0.0.1:7711', status: 'ready' }
   * ```
   */
  [inspect.custom](): string {
    return `Connection { address: '${this.address}', status: '${this.#wire.status}' }`;
  }
}
