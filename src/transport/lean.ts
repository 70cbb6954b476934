import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Arg, Command, Milliseconds } from '../commands/types.js';
import { AuthError, ReplyError, TimeoutError, fromReplyError, type DisqueError } from '../errors.js';
import { ProtocolError, type RawReply } from '../replies.js';
import { ErrorReply, RespReader } from '../resp-reader.js';
import { WriteBatch } from '../write-batch.js';
import { recovered, type Recovery, type Wire } from './wire.js';
import { authBytes, connectionError, dial, formatAddress, replyTimeout } from './shared.js';

/** @internal */
export interface LeanWireOptions {
  host: string;
  port: number;
  password?: string | undefined;
  tls?: boolean | TlsOptions | undefined;
  /** ms to wait for the TCP (and TLS) connection. */
  connectTimeout: number;
  /** ms a non-blocking command may wait for its reply; 0 waits for ever. */
  commandTimeout?: number | undefined;
  /**
   * Before any command, ask INFO and wait for its reply (refusing a node still `loading`), as
   * ioredis' ready check does: commands wait until then, their deadline counted from the call.
   * The public {@link Connection} uses it; the Pool, which probes nodes itself, does not.
   */
  readyCheck?: boolean | undefined;
}

/** The INFO of the ready check, as RESP2 bytes. */
const INFO_BYTES = '*1\r\n$4\r\nINFO\r\n';

interface Pending {
  name: string;
  binary: boolean;
  /** The command object whose `reply` parses the reply before it resolves, when run() sent it. */
  command: Command<never, unknown> | undefined;
  resolve: (reply: unknown) => void;
  reject: (error: DisqueError) => void;
  /** What the caller does on failure (see {@link Recovery}); its record carries it, not a `.then`. */
  recovery: Recovery<unknown> | undefined;
  /** Whether its bytes went to the socket (then the server may have applied it). */
  sent: boolean;
  /** How long the server may rightly hold it (GETJOB's TIMEOUT, ADDJOB's replication), in ms. */
  hold: number;
  /** When it times out (ms since epoch), once written; Infinity for no deadline. */
  deadline: number;
}

/**
 * The lean transport: a pipelined RESP2 socket with no per-command objects beyond a small record
 * and one promise. The Pool sends its hot commands (ADDJOB, GETJOB, ACKJOB, FASTACK, NACK,
 * WORKING) and its blocking GETJOBs over it.
 *
 * Why not ioredis here: `npm run bench` measured ioredis (through {@link Connection}) at 0.63× a
 * minimal client for ADDJOB with 100 in flight, below thunk-disque; per command it builds a
 * Command with its own promise, flag lookups and argument copies, and writes it on its own.
 *
 * It never reconnects: a dropped socket fails what is in flight with a {@link ConnectionError}
 * (`sent` telling whether each command may have been applied) and the Pool opens a new one.
 * @internal
 */
export class LeanWire implements Wire {
  readonly address: string;
  readonly #o: LeanWireOptions;
  #socket: Socket | undefined;
  #ready = false;
  #closed: Error | undefined;
  readonly #pending: Pending[] = [];
  /** Index of the oldest pending command (the array is compacted now and then). */
  #head = 0;
  /** Index of the first pending command not yet written. */
  #unsent = 0;
  readonly #out = new WriteBatch();
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #reader: RespReader;
  /** Between the TCP connection and the ready check's reply (see `readyCheck`). */
  #handshaking = false;
  /** Callers of {@link LeanWire.whenReady}. */
  #readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(options: LeanWireOptions) {
    this.#o = options;
    this.address = formatAddress(options.host, options.port);
    this.#reader = new RespReader(
      () => this.#pending[this.#head]?.binary ?? false,
      (reply) => this.#settle(reply),
    );
  }

  /** Whether the connection is closed for good. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.#pending.length - this.#head;
  }

  /** `wait` (not dialled yet), `connecting` (TCP, TLS or the ready check), `ready` or `end`. */
  get status(): 'wait' | 'connecting' | 'ready' | 'end' {
    if (this.#closed) return 'end';
    if (this.#ready) return 'ready';
    return this.#socket ? 'connecting' : 'wait';
  }

  /**
   * Dials now (otherwise the first command does) and resolves once commands can go out; rejects
   * with why the connection failed (a {@link TimeoutError} when the ready check got no reply).
   */
  whenReady(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    if (this.#closed) return Promise.reject(this.#closed);
    const waiting = new Promise<void>((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
    if (!this.#socket) this.#connect();
    return waiting;
  }

  #becameReady(): void {
    this.#ready = true;
    this.#handshaking = false;
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    this.#flush();
  }

  /** Validates and builds a command's argv and runs it: for tests and tools. */
  exec<A extends readonly unknown[], R>(command: Command<A, R>, ...args: A): Promise<R> {
    return this.run(command, command.args(...args), command.hold?.(...args) ?? 0);
  }

  send(name: string, argv: Arg[], binary: boolean, hold: Milliseconds): Promise<RawReply> {
    return this.#enqueue(name, argv, binary, hold, undefined, undefined) as Promise<RawReply>;
  }

  /**
   * Sends a command object's prebuilt argv; the reply is parsed as it is read (no promise or
   * frame of its own per command: at 100 000 in flight, that is memory).
   */
  run<R>(command: Command<never, R>, argv: Arg[], hold: Milliseconds, recovery?: Recovery<R>): Promise<R> {
    return this.#enqueue(command.name, argv, command.binary, hold, command, recovery) as Promise<R>;
  }

  #enqueue(
    name: string,
    argv: Arg[],
    binary: boolean,
    hold: Milliseconds,
    command: Command<never, unknown> | undefined,
    recovery: Recovery<unknown> | undefined,
  ): Promise<unknown> {
    if (this.#closed)
      return recovered(
        Promise.reject(connectionError(this.address, this.#closed, { command: name })),
        recovery,
      );
    return new Promise<unknown>((resolve, reject) => {
      // Before the connection is ready, the deadline counts from the call (the wait included).
      const { commandTimeout } = this.#o;
      const deadline = this.#ready || !commandTimeout ? Infinity : Date.now() + commandTimeout + hold;
      this.#pending.push({ name, binary, command, resolve, reject, recovery, sent: false, hold, deadline });
      this.#encode(argv);
      if (this.#ready) this.#schedule();
      else if (!this.#socket) this.#connect();
    });
  }

  /** RESP2 array of bulk strings; strings are joined, Buffers kept as they are. */
  #encode(argv: Arg[]): void {
    let out = `*${argv.length}\r\n`;
    for (const arg of argv) {
      if (typeof arg === 'string') out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
      else if (typeof arg === 'number') {
        const text = String(arg);
        out += `$${text.length}\r\n${text}\r\n`;
      } else {
        this.#out.append(`${out}$${arg.length}\r\n`);
        this.#out.append(arg);
        out = '\r\n';
      }
    }
    this.#out.append(out);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(this.#flush);
  }

  /** Writes everything encoded in this tick at once. */
  readonly #flush = (): void => {
    this.#scheduled = false;
    const socket = this.#socket;
    if (!socket || !this.#ready || this.#closed) return;
    const deadline = this.#o.commandTimeout ? Date.now() + this.#o.commandTimeout : 0;
    for (let i = this.#unsent; i < this.#pending.length; i++) {
      const p = this.#pending[i] as Pending;
      p.sent = true;
      if (deadline) p.deadline = Math.min(p.deadline, deadline + p.hold);
    }
    this.#unsent = this.#pending.length;
    this.#out.writeTo(socket);
    if (deadline) this.#watch();
  };

  #connect(): void {
    const o = this.#o;
    const { socket, connectEvent } = dial(o.host, o.port, o.tls);
    this.#socket = socket;
    socket.setNoDelay(true);
    let connected = false;
    // Timers run before I/O events in Node's loop: after a long synchronous stretch (100 000
    // adds queued in one go) the timer would fire although the connection was made meanwhile.
    // setImmediate lets a 'connect' event already waiting be handled first.
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (!connected) socket.destroy(new Error(`connect timed out after ${o.connectTimeout} ms`));
        }),
      o.connectTimeout,
    );
    timer.unref();
    socket.once(connectEvent, () => {
      connected = true;
      clearTimeout(timer);
      if (o.readyCheck) return this.#readyCheck(socket);
      if (o.password !== undefined) this.#authFirst(o.password);
      this.#becameReady();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#reader.feed(chunk);
      } catch (error) {
        this.#fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => {
      clearTimeout(timer);
      this.#fail(new Error('connection closed'));
    });
  }

  /**
   * AUTH (with a password) and INFO go out alone; the commands wait for INFO's reply, and a node
   * still loading its data is refused (the owner may connect again later).
   */
  #readyCheck(socket: Socket): void {
    this.#handshaking = true;
    const { password, commandTimeout } = this.#o;
    const deadline = commandTimeout ? Date.now() + commandTimeout : Infinity;
    const steps: Pending[] = [];
    let bytes = '';
    if (password !== undefined) {
      steps.push(this.#authPending(deadline));
      bytes += authBytes(password);
    }
    steps.push({
      name: 'INFO',
      binary: false,
      command: undefined,
      recovery: undefined,
      resolve: (reply) => {
        if (typeof reply === 'string' && /^loading:1\r?$/m.test(reply))
          this.#fail(new Error('the node is loading its data'));
        else this.#becameReady();
      },
      reject: (error) => this.#fail(error),
      sent: true,
      hold: 0,
      deadline,
    });
    bytes += INFO_BYTES;
    this.#pending.splice(this.#head, 0, ...steps);
    this.#unsent += steps.length;
    socket.write(bytes);
    this.#watch();
  }

  /** AUTH goes out first and is answered first; a refusal fails the connection with its error. */
  #authFirst(password: string): void {
    this.#pending.splice(this.#head, 0, this.#authPending(Infinity));
    this.#out.prepend(authBytes(password));
  }

  #authPending(deadline: number): Pending {
    return {
      name: 'AUTH',
      binary: false,
      command: undefined,
      recovery: undefined,
      resolve: () => undefined,
      // `ERR invalid password` is a plain error reply: name it for what it means.
      reject: (error) =>
        this.#fail(
          new AuthError(error.code, `AUTH refused by ${this.address}: ${error.message}`, {
            command: 'AUTH',
            cause: error,
          }),
        ),
      sent: deadline !== Infinity,
      hold: 0,
      deadline,
    };
  }

  #settle(reply: RawReply | ErrorReply): void {
    const pending = this.#pending[this.#head];
    if (!pending) throw new ProtocolError('A reply no command asked for');
    this.#pending[this.#head] = undefined as unknown as Pending;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending.splice(0, this.#head);
      this.#unsent -= this.#head;
      this.#head = 0;
    }
    if (reply instanceof ErrorReply) failPending(pending, fromReplyError(reply.message, pending.name));
    else if (pending.command === undefined) pending.resolve(reply);
    else {
      let value: unknown;
      try {
        value = pending.command.reply(reply);
      } catch (error) {
        failPending(pending, error as DisqueError);
        return;
      }
      pending.resolve(value);
    }
  }

  /** One coarse timer per connection (not per command) checks the oldest command's deadline. */
  #watch(): void {
    if (this.#timer || !this.#o.commandTimeout) return;
    const every = Math.max(10, Math.floor(this.#o.commandTimeout / 4));
    this.#timer = setInterval(() => {
      const oldest = this.#pending[this.#head];
      if (!oldest) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      } else if (oldest.deadline < Date.now()) {
        const error = replyTimeout(this.address, oldest.name, (this.#o.commandTimeout ?? 0) + oldest.hold);
        this.#head++;
        failPending(oldest, error);
        // Later replies could no longer be paired with their commands: start over.
        this.#fail(error);
      }
    }, every);
    this.#timer.unref();
  }

  /** Fails every pending command and closes the socket for good. */
  #fail(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#ready = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#socket?.destroy();
    const pending = this.#pending.splice(this.#head);
    this.#head = 0;
    this.#unsent = 0;
    // A ready check that got no reply in time: the commands waiting for it time out with it.
    const handshakeTimedOut = this.#handshaking && reason instanceof TimeoutError;
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(reason);
    for (const p of pending)
      failPending(
        p,
        // A refused AUTH is the answer for every command behind it.
        reason instanceof ReplyError
          ? reason
          : handshakeTimedOut
            ? new TimeoutError(
                `${p.name} got no reply from ${this.address}: the connection was never ready (${reason.message})`,
                { command: p.name },
              )
            : connectionError(this.address, reason, { command: p.name, sent: p.sent }),
      );
  }

  /** Closes the connection; commands in flight fail with a {@link ConnectionError}. */
  destroy(): void {
    this.#fail(new Error('connection destroyed'));
  }

  /** As `destroy()`: nothing is buffered on this side that a graceful close would save. */
  async close(): Promise<void> {
    this.destroy();
  }

  /**
   * Closes gracefully: QUIT goes out behind the commands in flight, so that they get their
   * replies first; then the socket is destroyed (at the latest when QUIT times out).
   */
  quit(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#ready) {
      this.destroy();
      return Promise.resolve();
    }
    return this.send('QUIT', ['QUIT'], false, 0).then(
      () => this.#fail(new Error('connection closed')),
      () => undefined,
    );
  }
}

/**
 * Fails a command: its promise rejects, or follows what its {@link Recovery} makes of the error —
 * in a microtask, as a `.then` would, so that the caller's recovery never runs inside this
 * wire's own bookkeeping (a recovery may well mark the node down and close this very wire).
 */
function failPending(pending: Pending, error: DisqueError): void {
  const { recovery } = pending;
  if (recovery === undefined) {
    pending.reject(error);
    return;
  }
  queueMicrotask(() => {
    let next: Promise<unknown>;
    try {
      next = recovery.recover(error);
    } catch (thrown) {
      pending.reject(thrown as DisqueError);
      return;
    }
    pending.resolve(next);
  });
}
