import { Redis, Command as RedisCommand } from 'ioredis';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { inspect } from 'node:util';
import * as C from './commands/index.js';
import type { Arg, Command, Milliseconds } from './commands/types.js';
import type { Job, JobInfo } from './job.js';
import { ProtocolError, type RawReply } from './replies.js';
import { ArgumentError, ConnectionError, DisqueError, TimeoutError, fromReplyError } from './errors.js';
import { explainSocketFailure, SocketErrorMemory } from './socket-error.js';
import { parseAddress } from './address.js';
import { WriteCoalescer } from './write-coalescer.js';
import { guardReplies } from './reply-guard.js';
import { serverHold } from './commands/hold.js';

/**
 * Options of a {@link Connection}.
 *
 * @example
 * ```ts
 * const conn = new Connection({ host: 'queue.internal', port: 7711, password: 'secret', connectTimeout: 2000 });
 * ```
 */
export interface ConnectionOptions {
  /** Host name or IP. @defaultValue '127.0.0.1' */
  host?: string | undefined;
  /** TCP port. @defaultValue 7711 */
  port?: number | undefined;
  /** Password for servers started with `requirepass` (sent with AUTH on every (re)connect). */
  password?: string | undefined;
  /** TLS: `true` for defaults, or Node's TLS options. @defaultValue no TLS */
  tls?: boolean | TlsOptions | undefined;
  /** How long to wait for the TCP connection, in ms. @defaultValue 10000 */
  connectTimeout?: Milliseconds | undefined;
  /**
   * How long a command may wait for its reply, in ms, counted from the call (a wait for the
   * connection included). A command with no reply in time rejects with a {@link TimeoutError}
   * naming it and the node, and the connection is dropped (a late reply must not be taken for
   * another command's): the other commands in flight fail with a {@link ConnectionError}, or with
   * `reconnect` go out again on a new socket, as after any dropped connection.
   *
   * Commands the server may rightly hold get their own wait on top: a blocking GETJOB its TIMEOUT,
   * ADDJOB its replication timeout. A GETJOB without TIMEOUT (or `timeout: 0`), and an ADDJOB with
   * `timeout: 0`, block until served, by design: no deadline applies to them.
   *
   * `0` turns the timeout off; `undefined` means the default.
   * @defaultValue 10000
   */
  commandTimeout?: Milliseconds | undefined;
  /**
   * Batch commands issued in the same tick into one write (ioredis auto-pipelining). Good for a
   * connection shared by many callers; irrelevant for a connection used for blocking GETJOB.
   * @defaultValue true
   */
  autoPipelining?: boolean | undefined;
  /**
   * How many reconnection attempts a command waits through before it fails with a
   * {@link ConnectionError}. Low by default so that a dead node is noticed quickly. Also how many
   * times a command is sent again after the connection dropped before its reply (with
   * `reconnect`): it is written at most 1 + maxRetriesPerRequest times, then fails with a
   * {@link ConnectionError} whose `sent` is true (it may have been applied, even several times).
   * @defaultValue 2
   */
  maxRetriesPerRequest?: number | undefined;
  /** Do not connect until the first command (or {@link Connection.connect}). @defaultValue false */
  lazyConnect?: boolean | undefined;
  /**
   * Reconnect after the connection drops. With `false` a dropped connection stays closed and every
   * command in flight fails at once with a {@link ConnectionError}; the Pool uses this and
   * replaces the connection itself. @defaultValue true
   */
  reconnect?: boolean | undefined;
}

/** The option names, to refuse unknown ones. */
const OPTION_NAMES = [
  'host',
  'port',
  'password',
  'tls',
  'connectTimeout',
  'commandTimeout',
  'autoPipelining',
  'maxRetriesPerRequest',
  'lazyConnect',
  'reconnect',
] as const;

/**
 * The key of {@link Connection}'s method for prebuilt argvs: a module symbol rather than a
 * public method, so that it stays out of the API.
 * @internal
 */
export const runPrepared = Symbol('runPrepared');

/**
 * Disque's default port.
 *
 * @example
 * ```ts
 * const conn = new Connection({ host: 'queue.internal', port: DEFAULT_PORT });
 * ```
 */
export const DEFAULT_PORT = 7711;

/**
 * The default {@link ConnectionOptions.commandTimeout}, in ms.
 *
 * @example
 * ```ts
 * const patient = new Connection({ commandTimeout: 3 * DEFAULT_COMMAND_TIMEOUT });
 * ```
 */
export const DEFAULT_COMMAND_TIMEOUT = 10_000;

/** The longest delay a Node.js timer takes (about 24.8 days); beyond it, no deadline is set. @internal */
export const MAX_TIMER = 2 ** 31 - 1;

type Resolved = {
  host: string;
  port: number;
  password: string | undefined;
  tls: boolean | TlsOptions | undefined;
  connectTimeout: number;
  commandTimeout: number;
  autoPipelining: boolean;
  maxRetriesPerRequest: number;
  lazyConnect: boolean;
  reconnect: boolean;
};

function resolveOptions(options: ConnectionOptions): Resolved {
  if (options === null || typeof options !== 'object')
    throw new ArgumentError('options', 'Expected `options` to be an object');
  for (const key of Object.keys(options))
    if (!(OPTION_NAMES as readonly string[]).includes(key))
      throw new ArgumentError(
        `options.${key}`,
        `Unknown option \`${key}\`; expected one of ${OPTION_NAMES.join(', ')}`,
      );
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0)
    throw new ArgumentError('options.host', 'Expected `options.host` to be a non-empty string');
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ArgumentError(
      'options.port',
      `Expected \`options.port\` to be an integer between 1 and 65535, got ${typeof port === 'number' ? `\`${port}\`` : typeof port}`,
    );
  if (options.password !== undefined && typeof options.password !== 'string')
    throw new ArgumentError('options.password', 'Expected `options.password` to be a string');
  const connectTimeout = options.connectTimeout ?? 10_000;
  if (!Number.isInteger(connectTimeout) || connectTimeout < 1)
    throw new ArgumentError(
      'options.connectTimeout',
      'Expected `options.connectTimeout` to be a positive integer of ms',
    );
  const commandTimeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
  if (!Number.isInteger(commandTimeout) || commandTimeout < 0 || commandTimeout > MAX_TIMER)
    throw new ArgumentError(
      'options.commandTimeout',
      `Expected \`options.commandTimeout\` to be an integer of ms between 0 (no timeout) and ${MAX_TIMER}, got ${typeof commandTimeout === 'number' ? `\`${commandTimeout}\`` : typeof commandTimeout}`,
    );
  const maxRetriesPerRequest = options.maxRetriesPerRequest ?? 2;
  if (!Number.isInteger(maxRetriesPerRequest) || maxRetriesPerRequest < 0)
    throw new ArgumentError(
      'options.maxRetriesPerRequest',
      'Expected `options.maxRetriesPerRequest` to be an integer >= 0',
    );
  return {
    host,
    port,
    password: options.password,
    tls: options.tls,
    connectTimeout,
    commandTimeout,
    autoPipelining: options.autoPipelining ?? true,
    maxRetriesPerRequest,
    lazyConnect: options.lazyConnect ?? false,
    reconnect: options.reconnect ?? true,
  };
}

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
 * ioredis errors carry the failed command with its arguments (`err.command.args`): for AUTH, the
 * password; for ADDJOB, the body. They become the `cause` of our errors, which loggers print with
 * `util.inspect`, so the arguments are replaced by their count.
 */
function redactArguments(err: unknown): void {
  if (typeof err !== 'object' || err === null || !('command' in err)) return;
  const command = (err as { command: unknown }).command;
  if (typeof command !== 'object' || command === null || !('args' in command)) return;
  const args = (command as { args: unknown }).args;
  (command as { args: unknown }).args = Array.isArray(args) ? [`<${args.length} redacted>`] : [];
}

/** A command under a deadline: the ioredis command once made, and whether it was given up on. */
interface Pending {
  command: RedisCommand | undefined;
  abandoned: boolean;
}

function isIoredisReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
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
export class Connection {
  /** The node's address, `host:port`. */
  readonly address: string;
  readonly #redis: Redis;
  readonly #options: Resolved;
  #blocking = 0;
  #inFlight = 0;
  #closing: Promise<void> | undefined;
  /** Shared by the commands waiting for the handshake (see #pastHandshake). */
  #handshake: Promise<void> | undefined;
  /** Joins the writes of a tick (see {@link WriteCoalescer}); undefined without autoPipelining. */
  readonly #coalescer: WriteCoalescer | undefined;
  /** Why the last socket was dropped by the client itself (an unsolicited reply, a timeout), until ready again. */
  #fault: DisqueError | undefined;
  /** Commands given up on (timed out): never to be written, should ioredis resend them. */
  readonly #abandoned = new WeakSet<RedisCommand>();
  /** How many times each command in flight was written to a socket (see #mayWrite). */
  readonly #writes = new WeakMap<RedisCommand, number>();
  /** The socket's last system error (ECONNREFUSED…), which ioredis's own messages do not name. */
  readonly #socketError = new SocketErrorMemory();

  /**
   * Creates the connection. It connects at once unless `lazyConnect` (then on the first command,
   * or {@link Connection.connect}).
   * @throws {@link ArgumentError} for a bad or unknown option
   */
  constructor(options: ConnectionOptions = {}) {
    this.#options = resolveOptions(options);
    const o = this.#options;
    this.address = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    this.#redis = new Redis({
      host: o.host,
      port: o.port,
      // Disque answers HELLO 3 and CLIENT SETINFO with errors.
      protocol: 2,
      disableClientInfo: true,
      // SHOW's ctime exceeds 2^53: integers arrive as strings and are parsed by the commands.
      stringNumbers: true,
      connectTimeout: o.connectTimeout,
      maxRetriesPerRequest: o.maxRetriesPerRequest,
      lazyConnect: o.lazyConnect,
      // The ready check sends INFO and waits while `loading:1`, which Disque reports too.
      enableReadyCheck: true,
      ...(o.reconnect ? {} : { retryStrategy: () => null }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.tls === undefined || o.tls === false ? {} : { tls: o.tls === true ? {} : o.tls }),
    });
    this.#coalescer = o.autoPipelining ? new WriteCoalescer(this.#redis) : undefined;
    // Connection errors surface through the commands; an 'error' event with no listener would crash.
    this.#redis.on('error', this.#socketError.remember);
    this.#redis.on('ready', () => {
      this.#fault = undefined;
      this.#socketError.forget();
    });
    guardReplies(this.#redis, (reply) => this.#unsolicited(reply));
    // ioredis writes every command through sendCommand: first, from its offline queue once ready,
    // and again after a reconnection for those whose reply was lost. Each write is counted (for
    // `sent`, and to stop the resending), and a command given up on is never written.
    const sendCommand = this.#redis.sendCommand.bind(this.#redis);
    this.#redis.sendCommand = (command, stream) => {
      const refused = this.#mayWrite(command);
      if (refused === undefined) return sendCommand(command, stream);
      command.reject(refused);
      return command.promise;
    };
  }

  /**
   * Counts a write of `command` if ioredis is about to write it now, or returns why it must not
   * be: it was given up on (timed out), or it was written 1 + maxRetriesPerRequest times already
   * and each time the connection dropped before the reply (ioredis 6.0.0 resets its own count on
   * every successful reconnection, so a reply cut off every time meant resending for ever).
   */
  #mayWrite(command: RedisCommand): Error | undefined {
    if (this.#abandoned.has(command)) return new Error('Abandoned after its timeout');
    const redis = this.#redis;
    if (redis.status !== 'ready' || !(redis.stream as { writable?: boolean } | undefined)?.writable)
      return undefined; // queued until the connection is ready: not a write
    const writes = this.#writes.get(command) ?? 0;
    if (writes > this.#options.maxRetriesPerRequest) {
      const name = String(command.name).toUpperCase();
      return new ConnectionError(
        `${name} failed on ${this.address}: the connection dropped before its reply ${writes} times (maxRetriesPerRequest: ${this.#options.maxRetriesPerRequest}); not sent again`,
        { node: this.address, command: name, sent: true },
      );
    }
    this.#writes.set(command, writes + 1);
    return undefined;
  }

  /**
   * A reply came that no command waits for (see reply-guard.ts): the server's stream is out of
   * step with ours, and any later reply could be paired with the wrong command. The socket is
   * destroyed at once, as for a dropped connection: commands in flight fail with a
   * {@link ConnectionError} whose cause is a {@link ProtocolError} (or, with `reconnect`, are sent
   * again on a new socket).
   */
  #unsolicited(reply: unknown): void {
    const what =
      reply === null || reply === undefined
        ? 'a null reply'
        : reply instanceof Error
          ? 'an error reply'
          : 'a reply';
    this.#dropSocket(
      new ProtocolError(`Unsolicited reply from ${this.address}: ${what} that no command waited for`),
    );
  }

  /** Destroys the current socket (not the Connection: with `reconnect`, a new one follows). */
  #dropSocket(fault: DisqueError): void {
    const stream = this.#redis.stream as { destroyed?: boolean; destroy(): void } | undefined;
    if (!stream || stream.destroyed) return; // already dropped (the rest of a chunk, say)
    this.#fault = fault;
    stream.destroy();
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
    return this.#redis.status === 'ready';
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
    return this.#closing !== undefined || this.#redis.status === 'end';
  }

  /**
   * Commands sent and not yet answered: the Pool sends new work to the least busy connection.
   *
   * @example
   * ```ts
   * const idle = conns.filter((c) => c.inFlight === 0);
   * ```
   */
  get inFlight(): number {
    return this.#inFlight;
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
  async connect(): Promise<void> {
    const redis = this.#redis;
    if (redis.status === 'ready') return;
    if (redis.status === 'wait') {
      const connecting = redis.connect().catch((err: unknown) => {
        throw this.#connectionError(err);
      });
      const { connectTimeout, commandTimeout } = this.#options;
      // The TCP connection has connectTimeout; the handshake (AUTH, INFO) is a command like any.
      const ms = connectTimeout + commandTimeout;
      if (commandTimeout === 0 || ms > MAX_TIMER) return connecting;
      return this.#within(
        connecting,
        ms,
        () =>
          new TimeoutError(`The connection to ${this.address} was not ready within ${ms} ms; it was dropped`),
      );
    }
    await this.ping();
  }

  /**
   * Runs a command object: validates and builds the argv, sends it, parses the reply, and maps
   * errors. The single place where I/O happens.
   *
   * @example
   * ```ts
   * const len = await conn.run(QLEN, 'emails');
   * const [job] = await conn.run(GETJOB, ['emails'], { nohang: true });
   * ```
   */
  async run<A extends readonly unknown[], R>(command: Command<A, R>, ...args: A): Promise<R> {
    const argv = command.args(...args);
    return command.reply(await this.#send(command.name, argv, command.binary));
  }

  /**
   * Runs a command whose argv the caller already built, and so validated (the Pool, which
   * validates before choosing a node and would otherwise build every argv twice).
   * @internal
   */
  async [runPrepared]<A extends readonly unknown[], R>(command: Command<A, R>, argv: Arg[]): Promise<R> {
    return command.reply(await this.#send(command.name, argv, command.binary));
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
    return this.#send(callName(command), [command, ...callArgs(args)], false);
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
    return this.#send(callName(command), [command, ...callArgs(args)], true);
  }

  #send(name: string, argv: Arg[], binary: boolean): Promise<RawReply> {
    const timeout = this.#options.commandTimeout;
    const limit = timeout === 0 ? Number.POSITIVE_INFINITY : timeout + serverHold(argv);
    if (!(limit <= MAX_TIMER)) return this.#write(name, argv, binary, undefined);
    const pending: Pending = { command: undefined, abandoned: false };
    return this.#deadline(this.#write(name, argv, binary, pending), pending, name, limit);
  }

  async #write(name: string, argv: Arg[], binary: boolean, pending: Pending | undefined): Promise<RawReply> {
    if (this.#redis.status === 'connect') await this.#pastHandshake();
    if (pending?.abandoned) throw new ConnectionError('Abandoned', { node: this.address, command: name });
    if (this.#closing)
      throw new ConnectionError('Connection is closed', { node: this.address, command: name });
    const [cmd, ...rest] = argv as [string, ...Arg[]];
    // sendCommand rather than call(): ioredis 6 drops the command name of call() when it
    // auto-pipelines it; the coalescer does the batching instead.
    const command = new RedisCommand(cmd, rest, { replyEncoding: binary ? null : 'utf8' });
    if (pending) pending.command = command;
    this.#inFlight++;
    try {
      return (await this.#redis.sendCommand(command, this.#coalescer)) as RawReply;
    } catch (err) {
      // Written at least once (now, or from the offline queue once ready): it may have been
      // applied although no reply came.
      throw this.#mapError(err, name, this.#writes.has(command));
    } finally {
      this.#inFlight--;
    }
  }

  /**
   * Rejects with a {@link TimeoutError} when the reply has not come within `ms` of the call, and
   * then drops the socket: the server is stuck or out of step, and its late reply must not be read
   * as the reply of a later command. The command is marked so that it is never sent (again).
   */
  #deadline(reply: Promise<RawReply>, pending: Pending, name: string, ms: number): Promise<RawReply> {
    return this.#within(reply, ms, () => {
      pending.abandoned = true;
      if (pending.command) this.#abandoned.add(pending.command);
      return new TimeoutError(
        `${name} got no reply from ${this.address} within ${ms} ms; the connection was dropped`,
        { command: name },
      );
    });
  }

  /** Settles as `promise` does, or after `ms` rejects with `timedOut()` and drops the socket. */
  #within<T>(promise: Promise<T>, ms: number, timedOut: () => DisqueError): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        promise.catch(() => undefined);
        const error = timedOut();
        reject(error);
        this.#dropSocket(error);
      }, ms);
      timer.unref();
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /**
   * Waits while ioredis sets the connection up (status `connect`: AUTH, then INFO for the ready
   * check). Meanwhile ioredis writes commands named like its handshake ones or safe while loading
   * (INFO, HELLO, AUTH, CLIENT…) at once, and if the connection drops then it neither resends nor
   * rejects them: they would wait forever (ioredis 6.0.0). Held back until the handshake ends,
   * they go to ioredis's offline queue, which is resent or failed like any other command.
   */
  #pastHandshake(): Promise<void> {
    const redis = this.#redis;
    this.#handshake ??= new Promise<void>((resolve) => {
      const done = (): void => {
        redis.off('ready', done);
        redis.off('close', done);
        this.#handshake = undefined;
        resolve();
      };
      redis.on('ready', done);
      redis.on('close', done);
    });
    return this.#handshake;
  }

  #mapError(err: unknown, command: string, sent: boolean): DisqueError {
    if (err instanceof DisqueError) return err;
    redactArguments(err);
    if (isIoredisReplyError(err)) return fromReplyError(err.message, command, err);
    if (err instanceof Error && /timed out/i.test(err.message))
      return new TimeoutError(`${command} timed out on ${this.address}`, { command, cause: err });
    return this.#connectionError(err, command, sent);
  }

  #connectionError(err: unknown, command?: string, sent = false): ConnectionError {
    redactArguments(err);
    const fault = this.#fault;
    const { reason, cause } = fault
      ? { reason: fault.message, cause: fault }
      : explainSocketFailure(err, this.#socketError.last);
    return new ConnectionError(`${command ?? 'Connection'} failed on ${this.address}: ${reason}`, {
      node: this.address,
      command,
      cause,
      sent,
    });
  }

  // ---- jobs -------------------------------------------------------------------------------

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
   * `timeout` ms (`0`, the default, forever); resolves to `[]` when nothing came.
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
    const argv = command.args(queues, options);
    this.#blocking++;
    try {
      return command.reply(await this.#send(command.name, argv, command.binary));
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

  // ---- queues -----------------------------------------------------------------------------

  /**
   * The number of jobs queued on this node in `queue`.
   *
   * @example
   * ```ts
   * await conn.qlen('emails'); // 0 for a queue that does not exist
   * ```
   */
  qlen(queue: string | Buffer): Promise<number> {
    return this.run(C.QLEN, queue);
  }

  /**
   * Up to |count| queued jobs without taking them: oldest first, or newest first if count < 0.
   *
   * @example
   * ```ts
   * const oldest = await conn.qpeek('emails', 10);
   * const [newest] = await conn.qpeek('emails', -1);
   * ```
   */
  qpeek(queue: string | Buffer, count: number): Promise<Job[]> {
    return this.run(C.QPEEK, queue, count);
  }

  /**
   * As {@link Connection.qpeek}, with bodies as Buffers.
   *
   * @example
   * ```ts
   * const [job] = await conn.qpeekBuffer('images', 1);
   * ```
   */
  qpeekBuffer(queue: string | Buffer, count: number): Promise<Job<Buffer>[]> {
    return this.run(C.QPEEK_BUFFER, queue, count);
  }

  /**
   * The state of a queue on this node, or `null` if it does not exist here.
   *
   * @example
   * ```ts
   * const stat = await conn.qstat('emails');
   * console.log(stat?.len, stat?.blocked, stat?.pause);
   * ```
   */
  qstat(queue: string | Buffer): Promise<C.QueueStat | null> {
    return this.run(C.QSTAT, queue);
  }

  /**
   * Pauses or resumes a queue: `in` refuses new jobs, `out` stops serving them, `all`, `none`;
   * `state` just reads. Resolves to the state after the command.
   *
   * @example
   * ```ts
   * await conn.pause('emails', 'in', { bcast: true }); // 'in', on every reachable node
   * await conn.pause('emails', 'none', { bcast: true }); // 'none'
   * ```
   */
  pause(queue: string | Buffer, option: C.PauseOption, options?: C.PauseOptions): Promise<C.PauseState> {
    return this.run(C.PAUSE, queue, option, options);
  }

  /**
   * One page of QSCAN. See {@link Connection.scanQueues} to iterate over all.
   *
   * @example
   * ```ts
   * const { cursor, items } = await conn.qscan({ count: 100 });
   * ```
   */
  qscan(options?: C.QScanOptions): Promise<C.ScanPage<string>> {
    return this.run(C.QSCAN, options);
  }

  /**
   * One page of JSCAN, job ids only. See {@link Connection.scanJobIds}.
   *
   * @example
   * ```ts
   * const { cursor, items } = await conn.jscan({ queue: 'emails' });
   * ```
   */
  jscan(options?: C.JScanOptions): Promise<C.ScanPage<string>> {
    return this.run(C.JSCAN, options);
  }

  /**
   * One page of JSCAN with every job's details (`REPLY all`). See {@link Connection.scanJobs}.
   *
   * @example
   * ```ts
   * const { items } = await conn.jscanJobs({ states: ['active'] });
   * for (const job of items) console.log(job.id, job.nacks);
   * ```
   */
  jscanJobs(options?: C.JScanOptions): Promise<C.ScanPage<JobInfo>> {
    return this.run(C.JSCAN_ALL, options);
  }

  /**
   * Every queue name on this node, following the QSCAN cursor (a name may come twice if queues
   * change during the scan, as with Redis SCAN).
   * @example
   * ```ts
   * for await (const queue of conn.scanQueues({ minLen: 1 })) console.log(queue);
   * ```
   */
  scanQueues(options: Omit<C.QScanOptions, 'cursor'> = {}): AsyncIterableIterator<string> {
    return this.#follow((cursor) => this.qscan({ ...options, cursor }));
  }

  /**
   * Every job id on this node matching the options, following the JSCAN cursor.
   *
   * @example
   * ```ts
   * for await (const id of conn.scanJobIds({ queue: 'emails', states: ['queued'] })) await conn.dequeue(id);
   * ```
   */
  scanJobIds(options: Omit<C.JScanOptions, 'cursor'> = {}): AsyncIterableIterator<string> {
    return this.#follow((cursor) => this.jscan({ ...options, cursor }));
  }

  /**
   * Every job on this node matching the options, with details, following the JSCAN cursor.
   *
   * @example
   * ```ts
   * for await (const job of conn.scanJobs({ states: ['active'] })) console.log(job.id, job.queue, job.createdAt);
   * ```
   */
  scanJobs(options: Omit<C.JScanOptions, 'cursor'> = {}): AsyncIterableIterator<JobInfo> {
    return this.#follow((cursor) => this.jscanJobs({ ...options, cursor }));
  }

  async *#follow<T>(page: (cursor: string) => Promise<C.ScanPage<T>>): AsyncIterableIterator<T> {
    let cursor = '0';
    do {
      const result = await page(cursor);
      yield* result.items;
      cursor = result.cursor;
    } while (cursor !== '0');
  }

  // ---- server and cluster -----------------------------------------------------------------

  /**
   * This node's id and every node of the cluster with its priority.
   *
   * @example
   * ```ts
   * const { nodeId, nodes } = await conn.hello();
   * console.log(nodeId, nodes.map((n) => `${n.host}:${n.port} (${n.priority})`));
   * ```
   */
  hello(): Promise<C.Hello> {
    return this.run(C.HELLO);
  }

  /**
   * The server's INFO, parsed into sections: `(await conn.info()).server?.['disque_version']`.
   *
   * @example
   * ```ts
   * const info = await conn.info('memory');
   * Number(info['memory']?.['used_memory']); // bytes
   * ```
   */
  info(section?: string): Promise<C.Info> {
    return this.run(C.INFO, section);
  }

  /**
   * `'PONG'`, or the message echoed.
   *
   * @example
   * ```ts
   * await conn.ping(); // 'PONG'
   * ```
   */
  ping(message?: string): Promise<string> {
    return this.run(C.PING, message);
  }

  /**
   * Authenticates this connection. Prefer the `password` option, which also authenticates every
   * reconnection. A wrong password logs the connection out.
   *
   * @example
   * ```ts
   * await conn.auth('secret'); // 'OK'; a wrong one rejects with ReplyError (ERR invalid password)
   * ```
   */
  auth(password: string): Promise<string> {
    return this.run(C.AUTH, password);
  }

  /**
   * Asks this node to join the node at `host:port` (an IP address, as Disque requires).
   *
   * @example
   * ```ts
   * await conn.clusterMeet('10.0.0.6', 7711); // 'OK'; see meet() for host names
   * ```
   */
  clusterMeet(host: string, port: number): Promise<'OK'> {
    return this.run(C.CLUSTER_MEET, host, port);
  }

  /**
   * The nodes this node knows, with flags and link state.
   *
   * @example
   * ```ts
   * const down = (await conn.clusterNodes()).filter((n) => n.flags.includes('fail'));
   * ```
   */
  clusterNodes(): Promise<C.ClusterNode[]> {
    return this.run(C.CLUSTER_NODES);
  }

  /**
   * Whether this node is leaving the cluster.
   *
   * @example
   * ```ts
   * await conn.clusterLeaving(); // false
   * ```
   */
  clusterLeaving(): Promise<boolean>;
  /**
   * Starts (`true`) or stops (`false`) leaving the cluster.
   *
   * @example
   * ```ts
   * await conn.clusterLeaving(true); // 'OK': drain this node before stopping it
   * ```
   */
  clusterLeaving(leaving: boolean): Promise<'OK'>;
  clusterLeaving(leaving?: boolean): Promise<boolean | 'OK'> {
    return leaving === undefined ? this.run(C.CLUSTER_LEAVING_GET) : this.run(C.CLUSTER_LEAVING_SET, leaving);
  }

  /**
   * Forgets a node (run it on every node, or the others teach it back).
   *
   * @example
   * ```ts
   * for (const c of conns) await c.clusterForget(deadNodeId);
   * ```
   */
  clusterForget(nodeId: string): Promise<'OK'> {
    return this.run(C.CLUSTER_FORGET, nodeId);
  }

  /**
   * This node's id.
   *
   * @example
   * ```ts
   * const nodeId = await conn.clusterMyId(); // job ids created here carry nodeId.slice(0, 8)
   * ```
   */
  clusterMyId(): Promise<string> {
    return this.run(C.CLUSTER_MYID);
  }

  /**
   * CLUSTER INFO fields.
   *
   * @example
   * ```ts
   * (await conn.clusterInfo())['cluster_state']; // 'ok'
   * ```
   */
  clusterInfo(): Promise<Record<string, string>> {
    return this.run(C.CLUSTER_INFO);
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
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const redis = this.#redis;
    // Nothing left to close; ioredis' disconnect() would arm a 2 s timer (holding the process
    // open) waiting for a 'close' event that already happened.
    if (redis.status === 'end') return;
    if (this.#blocking > 0 || redis.status !== 'ready') {
      redis.disconnect();
      return;
    }
    const quit = redis.quit().then(
      () => undefined,
      () => redis.disconnect(),
    );
    const ms = this.#options.commandTimeout;
    if (ms === 0) return quit;
    // A server that never answers QUIT must not hold close() for ever.
    await this.#within(
      quit,
      ms,
      () => new TimeoutError(`QUIT got no reply from ${this.address} within ${ms} ms`, { command: 'QUIT' }),
    ).catch(() => redis.disconnect());
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
    if (this.#redis.status !== 'end') this.#redis.disconnect();
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
    return `Connection { address: '${this.address}', status: '${this.#redis.status}' }`;
  }
}
