import type { Arg, Command, Milliseconds } from '../commands/types.js';
import type { RawReply } from '../replies.js';
import { ConnectionError, TimeoutError } from '../errors.js';
import { recovered, type Recovery, type Wire } from './wire.js';
import { LeanWire } from './lean.js';
import type { ResolvedConnectionOptions } from './options.js';
import { MAX_TIMER, formatAddress } from './shared.js';

/** ioredis' default pause before reconnection attempt `n`: 50 ms more each time, at most 2 s. */
const reconnectDelay = (attempt: number): number => Math.min(attempt * 50, 2000);

/**
 * The public {@link Connection}'s transport: lean sockets (`transport/lean.ts`, with the ready
 * check) one after another, with what ioredis would otherwise bring: a dropped socket is replaced
 * (after ioredis' backoff) and the commands it cut off are sent again on the new one, each at
 * most 1 + `maxRetriesPerRequest` times; a command fails after waiting through
 * `maxRetriesPerRequest` failed attempts. With `reconnect: false` it is one lean socket, closed
 * for good when it drops.
 * @internal
 */
export class LeanSession implements Wire {
  readonly address: string;
  readonly #o: ResolvedConnectionOptions;
  #wire: LeanWire;
  /** The replacement of a dropped socket, while its backoff runs. */
  #next: Promise<void> | undefined;
  /** Failed connections in a row (for the backoff); 0 once a socket is ready. */
  #attempts = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedConnectionOptions) {
    this.#o = options;
    this.address = formatAddress(options.host, options.port);
    this.#wire = this.#open();
    if (!options.lazyConnect) this.#wire.whenReady().catch(() => undefined);
  }

  #open(): LeanWire {
    const o = this.#o;
    const wire = new LeanWire({
      host: o.host,
      port: o.port,
      password: o.password,
      tls: o.tls,
      connectTimeout: o.connectTimeout,
      commandTimeout: o.commandTimeout,
      readyCheck: true,
    });
    return wire;
  }

  get ready(): boolean {
    return this.#closing === undefined && this.#wire.status === 'ready';
  }

  get closed(): boolean {
    return this.#closing !== undefined || (!this.#o.reconnect && this.#wire.closed);
  }

  get inFlight(): number {
    return this.#wire.inFlight;
  }

  /** ioredis' words: `wait`, `connecting`, `ready`, `reconnecting`, `end`. */
  get status(): string {
    if (this.closed) return 'end';
    if (this.#next) return 'reconnecting';
    return this.#wire.status === 'end' ? 'reconnecting' : this.#wire.status;
  }

  run<R>(command: Command<never, R>, argv: Arg[], hold: Milliseconds, recovery?: Recovery<R>): Promise<R> {
    return recovered(this.#run(command, argv, hold), recovery);
  }

  #run<R>(command: Command<never, R>, argv: Arg[], hold: Milliseconds): Promise<R> {
    const wire = this.#wire;
    if (this.#closing || this.#next) return this.#loop(command.name, (w) => w.run(command, argv, hold));
    // The common case: straight onto the socket, the retry loop only after a failure.
    return wire
      .run(command, argv, hold)
      .then(undefined, (error: unknown) =>
        this.#loop(command.name, (w) => w.run(command, argv, hold), { wire, error }),
      );
  }

  send(name: string, argv: Arg[], binary: boolean, hold: Milliseconds): Promise<RawReply> {
    return this.#loop(name, (w) => w.send(name, argv, binary, hold));
  }

  /**
   * Runs `exec` on the current socket until it succeeds, or fails for good: a command cut off by a
   * dropped socket goes out again on the next one, at most 1 + maxRetriesPerRequest times in all.
   */
  async #loop<T>(
    name: string,
    exec: (wire: LeanWire) => Promise<T>,
    failed?: { wire: LeanWire; error: unknown },
  ): Promise<T> {
    const most = this.#o.maxRetriesPerRequest;
    let writes = 0;
    let failures = 0;
    let last = failed;
    for (;;) {
      if (last !== undefined) {
        const { wire, error } = last;
        if (!(error instanceof ConnectionError) || !this.#o.reconnect || this.#closing) throw error;
        if (error.sent) writes++;
        if (++failures > most)
          throw error.sent
            ? new ConnectionError(
                `${name} failed on ${this.address}: the connection dropped before its reply ${writes} times (maxRetriesPerRequest: ${most}); not sent again`,
                { node: this.address, command: name, sent: true, cause: error },
              )
            : error;
        this.#replace(wire);
      }
      if (this.#closing)
        throw new ConnectionError(`${name} failed on ${this.address}: Connection is closed`, {
          node: this.address,
          command: name,
        });
      if (this.#next) await this.#next;
      const wire = this.#wire;
      try {
        return await exec(wire);
      } catch (error) {
        last = { wire, error };
      }
    }
  }

  /** Replaces `dropped` (once, however many commands saw it fail) after the backoff. */
  #replace(dropped: LeanWire): void {
    if (this.#wire !== dropped || this.#next) return;
    const delay = reconnectDelay(++this.#attempts);
    this.#next = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#next = undefined;
        if (!this.#closing) {
          this.#wire = this.#open();
          this.#wire.whenReady().then(
            () => (this.#attempts = 0),
            () => undefined,
          );
        }
        resolve();
      }, delay);
      timer.unref();
    });
  }

  /** Connects now; rejects with a ConnectionError (or a TimeoutError) when that fails. */
  async connect(): Promise<void> {
    if (this.ready) return;
    if (this.#next) await this.#next;
    const { connectTimeout, commandTimeout } = this.#o;
    const ms = connectTimeout + commandTimeout;
    const ready = this.#wire.whenReady().catch((err: unknown) => {
      if (err instanceof TimeoutError || err instanceof ConnectionError) throw err;
      throw new ConnectionError(`Connection failed on ${this.address}: ${(err as Error).message}`, {
        node: this.address,
        cause: err,
      });
    });
    if (commandTimeout === 0 || ms > MAX_TIMER) return ready;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#wire.destroy();
        reject(
          new TimeoutError(`The connection to ${this.address} was not ready within ${ms} ms; it was dropped`),
        );
      }, ms);
      timer.unref();
    });
    try {
      return await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** QUIT behind the commands in flight (their replies come first), then the socket closes. */
  close(): Promise<void> {
    this.#closing ??= this.#wire.quit();
    return this.#closing;
  }

  destroy(): void {
    this.#closing ??= Promise.resolve();
    this.#wire.destroy();
  }
}
