import { Redis, Command as RedisCommand } from 'ioredis';
import type { Arg, Command, Milliseconds } from '../commands/types.js';
import { ProtocolError, type RawReply } from '../replies.js';
import { ConnectionError, DisqueError, TimeoutError, fromReplyError } from '../errors.js';
import { WriteCoalescer } from '../write-coalescer.js';
import { guardReplies } from '../reply-guard.js';
import { recovered, sendThenParse, type Recovery, type Wire } from './wire.js';
import type { ResolvedConnectionOptions } from './options.js';
import { explainSocketFailure, SocketErrorMemory } from './socket-error.js';
import { MAX_TIMER, connectionError, formatAddress, replyLimit, replyTimeout, tlsOptions } from './shared.js';

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
 * The ioredis transport: one ioredis client speaking RESP2 (Disque refuses `HELLO 3` and
 * `CLIENT SETINFO`), with what ioredis brings that the lean transport does not: reconnection with
 * an offline queue, resending of commands cut off by a dropped socket (bounded by
 * `maxRetriesPerRequest`), and a ready check that waits while the node is loading. The Pool's
 * shared connections for the commands that are not hot run on it (reconnect off), and all of the
 * Pool's commands with `fastPath: false`.
 *
 * What it adds to ioredis: a deadline per command (dropping the socket so that a late reply is
 * never paired with a later command), a guard against unsolicited replies (reply-guard.ts), one
 * write per tick (write-coalescer.ts), a bound on resending, and errors mapped to ours with
 * arguments (passwords, bodies) redacted.
 * @internal
 */
export class IoredisWire implements Wire {
  /** The node's address, `host:port`. */
  readonly address: string;
  readonly #redis: Redis;
  readonly #options: ResolvedConnectionOptions;
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

  /** Creates the client; it connects at once unless `lazyConnect`. */
  constructor(options: ResolvedConnectionOptions) {
    this.#options = options;
    const o = options;
    this.address = formatAddress(o.host, o.port);
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
      ...(tlsOptions(o.tls) ? { tls: tlsOptions(o.tls) } : {}),
    });
    this.#coalescer = o.autoPipelining ? new WriteCoalescer(this.#redis) : undefined;
    // Connection errors surface through the commands; an 'error' event with no listener would crash.
    this.#redis.on('error', this.#socketError.remember);
    this.#redis.on('ready', () => {
      this.#socketError.forget();
      this.#fault = undefined;
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
    await this.send('PING', ['PING'], false, 0);
  }

  /** ioredis' status: `wait`, `connecting`, `connect`, `ready`, `reconnecting`, `end`… */
  get status(): string {
    return this.#redis.status;
  }

  run<R>(command: Command<never, R>, argv: Arg[], hold: Milliseconds, recovery?: Recovery<R>): Promise<R> {
    return recovered(sendThenParse(this, command, argv, hold), recovery);
  }

  send(name: string, argv: Arg[], binary: boolean, hold: Milliseconds): Promise<RawReply> {
    const limit = replyLimit(this.#options.commandTimeout, hold);
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
      return replyTimeout(this.address, name, ms);
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
    if (fault) return connectionError(this.address, fault, { command, sent });
    const { reason, cause } = explainSocketFailure(err, this.#socketError.last);
    return connectionError(this.address, reason, { command, sent, cause });
  }

  /**
   * Closes the connection: commands already sent get their replies first (QUIT, awaited at most
   * `commandTimeout`, then the socket is destroyed). Safe to call more than once.
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
    if (redis.status !== 'ready') {
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

  /** Destroys the socket at once: every command in flight rejects with a ConnectionError. */
  destroy(): void {
    this.#closing ??= Promise.resolve();
    if (this.#redis.status !== 'end') this.#redis.disconnect();
  }
}
