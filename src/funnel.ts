import { EventEmitter } from 'eventemitter3';
import type { Milliseconds } from './commands/types.js';
import type { Job } from './job.js';
import type { Jobs } from './jobs.js';
import type { JobsConfig } from './options.js';
import { AckBatcher } from './ack-batcher.js';
import { Leases } from './lease.js';
import { observedHandler } from './telemetry/observers.js';
import { JobHandle, type FunnelJob, type Settler } from './funnel-job.js';
import { ArgumentError } from './errors.js';
import { ACKJOB, FASTACK } from './commands/index.js';
import * as v from './commands/validate.js';

/**
 * Options of a {@link Funnel}.
 *
 * @example
 * ```ts
 * const funnel = jobs.funnel('urgent', 'normal', {
 *   prefetch: 64,
 *   ackMode: 'fast',
 *   closeTimeout: 30_000,
 *   signal: shutdown.signal, // an AbortController aborted on SIGTERM
 * });
 * ```
 */
export interface FunnelOptions {
  /** Most jobs fetched ahead of the loops (bounded memory); GETJOB asks for up to this many at once. @defaultValue 32 */
  prefetch?: number | undefined;
  /** `'ack'` (ACKJOB, cluster-safe) or `'fast'` (FASTACK: one message, best effort). @defaultValue 'ack' */
  ackMode?: 'ack' | 'fast' | undefined;
  /**
   * Ack a job when its loop asks for the next one. With `false` the body must settle every job
   * (`job.ack()`/`job.nack()`); jobs left unsettled are NACKed on close. Use `false` with
   * `Readable.from(funnel)`, which pulls ahead of the reader. @defaultValue true
   */
  autoAck?: boolean | undefined;
  /** Keep held jobs leased with WORKING so they are not delivered again meanwhile. @defaultValue true */
  lease?: boolean | undefined;
  /** Lease a held job once it has been held this long, in ms. @defaultValue 500 */
  leaseAfter?: Milliseconds | undefined;
  /** Closes the funnel when it aborts. */
  signal?: AbortSignal | undefined;
  /** How long `close()` waits for jobs in hand before NACKing them, in ms. @defaultValue 10000 */
  closeTimeout?: Milliseconds | undefined;
}

/**
 * Options of {@link Funnel.process}.
 *
 * @example
 * ```ts
 * await funnel.process(handler, {
 *   concurrency: 8,
 *   maxAttempts: 5,
 *   deadLetter: 'emails-failed',
 *   backoff: (attempt) => 1000 * 2 ** attempt, // 2 s, 4 s, 8 s… instead of NACK
 * });
 * ```
 */
export interface ProcessOptions {
  /** Jobs handled at once. @defaultValue 1 */
  concurrency?: number | undefined;
  /** After this many failed attempts a job goes to `deadLetter` (needs `deadLetter`). */
  maxAttempts?: number | undefined;
  /** The queue failed jobs are moved to (then acked here) after `maxAttempts`. */
  deadLetter?: string | undefined;
  /**
   * Instead of NACK (immediate redelivery), re-add a failed job after a delay: a fixed number of
   * ms, or a function of the attempt (1, 2, …). Rounded up to whole seconds (Disque's DELAY).
   */
  backoff?: Milliseconds | ((attempt: number) => Milliseconds) | undefined;
}

/**
 * Options of {@link Funnel.processBatch}.
 *
 * @example
 * ```ts
 * await funnel.processBatch(async (batch) => insertRows(batch.map((j) => j.body)), { size: 100, concurrency: 2 });
 * ```
 */
export interface BatchOptions {
  /** Most jobs per batch. @defaultValue 32 */
  size?: number | undefined;
  /** Batches handled at once. @defaultValue 1 */
  concurrency?: number | undefined;
}

/**
 * Counters of a funnel, readable at any time.
 *
 * @example
 * ```ts
 * const { received, acked, nacked, inHand, buffered }: FunnelStats = funnel.stats;
 * console.log(`${acked}/${received} acked, ${nacked} nacked, ${inHand} in hand, ${buffered} buffered`);
 * ```
 */
export interface FunnelStats {
  /** Jobs fetched. */
  readonly received: number;
  /** Jobs acknowledged. */
  readonly acked: number;
  /** Jobs NACKed (failures, and what closing gave back). */
  readonly nacked: number;
  /** Jobs moved to the dead-letter queue. */
  readonly deadLettered: number;
  /** Jobs handed to a loop and not settled. */
  readonly inHand: number;
  /** Jobs fetched and not yet handed out. */
  readonly buffered: number;
}

/**
 * Events of a {@link Funnel}.
 *
 * @example
 * ```ts
 * funnel.on('nack', (job, error) => console.warn(`job ${job.id} failed`, error));
 * funnel.on('deadLetter', (job) => console.error(`job ${job.id} gave up after ${job.attempts} attempts`));
 * funnel.on('lease:lost', (job) => console.warn(`job ${job.id} may be delivered twice`));
 * funnel.on('error', (error) => console.error(error));
 * ```
 */
export interface FunnelEvents<T> {
  /** A job was acknowledged. */
  ack: (job: FunnelJob<T>) => void;
  /** A job was NACKed (`error` is why, when a handler failed). */
  nack: (job: FunnelJob<T>, error?: unknown) => void;
  /** A job failed `maxAttempts` times and was moved to the dead-letter queue. */
  deadLetter: (job: FunnelJob<T>, error: unknown) => void;
  /** A held job's lease could not be extended (TOOLATE/NOJOB): it may be delivered again. */
  'lease:lost': (job: FunnelJob<T>, error: unknown) => void;
  /** A background operation failed (a fetch, an ack); the funnel carries on. */
  error: (error: unknown) => void;
  /** The funnel is idle: no loop, nothing buffered, nothing in hand. */
  drained: () => void;
}

/**
 * How long one GETJOB blocks. Short on purpose: a funnel never destroys its blocked GETJOB (a
 * GETJOB still armed on the server could take a job the funnel is giving back at that moment,
 * and the job would wait for its RETRY), it lets it end — so closing waits at most this long.
 */
const FETCH_TIMEOUT = 1000;
/** Pause after a failed fetch before the next one. */
const FETCH_ERROR_PAUSE = 500;

/**
 * A queue (or several, in priority order) as an async iterator of jobs.
 *
 * - `for await (const job of funnel)`: the job is **acked when the loop asks for the next one**
 *   (the body finished) and **NACKed when the loop ends early** — `break`, `return` or a throw
 *   (JavaScript cannot tell them apart) — unless the body settled it with `job.ack()`/`job.nack()`.
 * - Jobs are fetched ahead (`prefetch`) with GETJOB COUNT; several loops over one funnel share
 *   that buffer. When the last loop leaves, the buffer is NACKed and fetching stops: an idle
 *   funnel holds no jobs, and a new loop starts it again.
 * - Held jobs are leased (WORKING) so a long job is not delivered twice.
 * - `close()` stops fetching, lets jobs in hand finish (up to `closeTimeout`), NACKs the rest.
 *   Nothing fetched is ever dropped.
 *
 * @example
 * ```ts
 * const funnel = jobs.funnel('emails', { prefetch: 64 });
 * for await (const job of funnel) {
 *   await send(job.body); // acked when the loop continues; NACKed if this throws
 * }
 * ```
 */
export class Funnel<T = string> extends EventEmitter<FunnelEvents<T>> implements AsyncIterable<FunnelJob<T>> {
  readonly #jobs: Jobs<T>;
  readonly #queues: readonly string[];
  readonly #prefetch: number;
  readonly #autoAck: boolean;
  readonly #closeTimeout: number;
  readonly #batcher: AckBatcher<JobHandle<T>>;
  readonly #leases: Leases | undefined;
  readonly #buffer: JobHandle<T>[] = [];
  readonly #waiters: ((job: JobHandle<T> | undefined) => void)[] = [];
  readonly #inHand = new Set<JobHandle<T>>();
  readonly #held = new Map<string, JobHandle<T>>();
  readonly #settling = new Set<Promise<unknown>>();
  /** Jobs to NACK once the GETJOB in flight has ended (see #giveBack). */
  readonly #returns: JobHandle<T>[] = [];
  /** Attempts carried over by `retryLater`, by the new job's id (this process only). */
  readonly #carried = new Map<string, number>();
  #loops = 0;
  #fetching: Promise<void> | undefined;
  #roomWaiter: (() => void) | undefined;
  #handWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;
  #closed = false;
  #stats = { received: 0, acked: 0, nacked: 0, deadLettered: 0 };

  /** @internal Use {@link Jobs.funnel}. */
  constructor(jobs: Jobs<T>, queues: readonly string[], options: FunnelOptions = {}) {
    super();
    const o = v.options<FunnelOptions>('options', options, [
      'prefetch',
      'ackMode',
      'autoAck',
      'lease',
      'leaseAfter',
      'signal',
      'closeTimeout',
    ]);
    this.#jobs = jobs;
    this.#queues = v.queueList('queues', queues) as string[];
    this.#prefetch = o.prefetch === undefined ? 32 : v.integer('options.prefetch', o.prefetch, 1);
    this.#autoAck = o.autoAck === undefined ? true : v.flag('options.autoAck', o.autoAck);
    this.#closeTimeout =
      o.closeTimeout === undefined ? 10_000 : v.millis('options.closeTimeout', o.closeTimeout);
    const ackMode = o.ackMode === undefined ? 'ack' : v.oneOf('options.ackMode', o.ackMode, ['ack', 'fast']);
    this.#batcher = new AckBatcher<JobHandle<T>>(
      (ids) => jobs.pool.runByJob(ackMode === 'fast' ? FASTACK : ACKJOB, ids),
      (acked) => {
        this.#stats.acked += acked.length;
        for (const job of acked) this.#emitSafely('ack', job);
      },
      // The jobs stay with Disque, which delivers them again after their RETRY.
      (_jobs, error) => this.#emitSafely('error', error),
    );
    const lease = o.lease === undefined ? true : v.flag('options.lease', o.lease);
    const leaseAfter = o.leaseAfter === undefined ? 500 : v.millis('options.leaseAfter', o.leaseAfter);
    if (lease)
      this.#leases = new Leases(
        {
          working: (id) => jobs.working(id),
          lost: (id, error) => {
            const job = this.#held.get(id);
            if (job) this.emit('lease:lost', job, error);
          },
        },
        leaseAfter,
      );
    if (o.signal) {
      if (!(o.signal instanceof AbortSignal)) v.fail('options.signal', 'an AbortSignal', o.signal);
      if (o.signal.aborted) void this.close();
      else o.signal.addEventListener('abort', () => void this.close(), { once: true });
    }
  }

  /**
   * The queues, most urgent first.
   *
   * @example
   * ```ts
   * jobs.funnel('urgent', 'normal').queues; // ['urgent', 'normal']
   * ```
   */
  get queues(): readonly string[] {
    return this.#queues;
  }

  /**
   * Counters: received, acked, nacked, dead-lettered, in hand, buffered.
   *
   * @example
   * ```ts
   * setInterval(() => console.log(funnel.stats), 10_000).unref();
   * ```
   */
  get stats(): FunnelStats {
    return { ...this.#stats, inHand: this.#inHand.size, buffered: this.#buffer.length };
  }

  /**
   * Whether `close()` was called.
   *
   * @example
   * ```ts
   * if (!funnel.closed) await funnel.close();
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  // ---- consuming ------------------------------------------------------------------------

  /**
   * Iterates over the jobs: each is acked when the loop asks for the next one, and NACKed when the
   * loop ends early (`break`, `return`, a throw) unless the body settled it. Several loops may run
   * at once; they share the prefetch buffer. The loops end when the funnel is closed.
   *
   * @example
   * ```ts
   * for await (const job of funnel) {
   *   if (job.attempts > 3) { await job.ack(); continue; } // give up on it
   *   await send(job.body);
   * }
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<FunnelJob<T>, void, undefined> {
    this.#enter();
    let current: JobHandle<T> | undefined;
    try {
      for (;;) {
        if (current) {
          // The loop asked for the next job: the body finished with this one.
          // A failed ack is reported once per batch by the batcher ('error').
          if (this.#autoAck && !current.settled) void current.ack();
          if (current.settled) this.#leaveHand(current);
          current = undefined;
        }
        const job = await this.#next();
        if (!job) return;
        current = job;
        this.#inHand.add(job);
        yield job;
      }
    } finally {
      this.#exit();
      // break, return, throw or close: a job the body did not settle goes back to the queue.
      if (current && !current.settled) this.#giveBack(current);
      if (current) this.#leaveHand(current);
    }
  }

  /**
   * Runs `handler` for every job, `concurrency` at a time: resolve → ack, throw → NACK (or, with
   * `backoff`, re-added later; after `maxAttempts`, moved to `deadLetter`). Resolves when the
   * funnel is closed and the last handler has finished.
   * @example
   * ```ts
   * const done = funnel.process(async (job) => resize(job.body), { concurrency: 8, maxAttempts: 5, deadLetter: 'images-failed' });
   * process.once('SIGTERM', () => funnel.close());
   * await done;
   * ```
   */
  async process(handler: (job: FunnelJob<T>) => unknown, options: ProcessOptions = {}): Promise<void> {
    const o = v.options<ProcessOptions>('options', options, [
      'concurrency',
      'maxAttempts',
      'deadLetter',
      'backoff',
    ]);
    const concurrency = o.concurrency === undefined ? 1 : v.integer('options.concurrency', o.concurrency, 1);
    if (o.maxAttempts !== undefined) v.integer('options.maxAttempts', o.maxAttempts, 1);
    if (o.deadLetter !== undefined) v.queueName('options.deadLetter', o.deadLetter);
    if ((o.maxAttempts === undefined) !== (o.deadLetter === undefined))
      throw new ArgumentError(
        'options.deadLetter',
        '`options.maxAttempts` and `options.deadLetter` go together',
      );
    if (o.backoff !== undefined && typeof o.backoff !== 'function') v.millis('options.backoff', o.backoff);
    if (typeof handler !== 'function') v.fail('handler', 'a function', handler);
    handler = observedHandler(this.#jobs.pool, handler); // spans around each run, when tracing
    // The iterator's semantics without its per-job generator machinery (the hot path).
    const worker = async (): Promise<void> => {
      this.#enter();
      try {
        for (;;) {
          // Buffered jobs are taken without a promise; only an empty buffer waits.
          const job = this.#closed ? undefined : (this.#take() ?? (await this.#next()));
          if (!job) return;
          this.#inHand.add(job);
          try {
            const done = handler(job);
            // A synchronous handler costs no extra turn of the microtask queue.
            if (isThenable(done)) await done;
          } catch (error) {
            await this.#failed(job, error, o);
          }
          // Settling (here or in the handler) took the job out of the hand (see #release).
          if (this.#autoAck && !job.settled) void job.ack();
        }
      } finally {
        this.#exit();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await this.#closing;
  }

  async #failed(job: FunnelJob<T>, error: unknown, o: ProcessOptions): Promise<void> {
    if (job.settled) return;
    try {
      if (o.maxAttempts !== undefined && o.deadLetter !== undefined && job.attempts >= o.maxAttempts) {
        await this.#jobs.add(job.body, o.deadLetter);
        await job.ack();
        this.#stats.deadLettered++;
        this.emit('deadLetter', job, error);
      } else if (o.backoff !== undefined) {
        const delay = typeof o.backoff === 'function' ? o.backoff(job.attempts) : o.backoff;
        await job.retryLater(delay);
      } else {
        await job.nack();
        this.emit('nack', job, error);
      }
    } catch (err) {
      // Could not settle: the job stays leased until close NACKs it, or Disque's RETRY brings it back.
      this.emit('error', err);
    }
  }

  /**
   * Runs `handler` on batches of up to `size` jobs (GETJOB COUNT feeds them): resolve → ack
   * them all, throw → NACK them all (jobs the handler settled itself are left alone). Resolves
   * when the funnel is closed.
   *
   * @example
   * ```ts
   * const done = funnel.processBatch(async (batch) => {
   *   await db.insertMany(batch.map((j) => j.body)); // one write for up to 100 jobs
   * }, { size: 100 });
   * process.once('SIGTERM', () => void funnel.close());
   * await done;
   * ```
   */
  async processBatch(handler: (jobs: FunnelJob<T>[]) => unknown, options: BatchOptions = {}): Promise<void> {
    const o = v.options<BatchOptions>('options', options, ['size', 'concurrency']);
    const size = o.size === undefined ? 32 : v.integer('options.size', o.size, 1);
    const concurrency = o.concurrency === undefined ? 1 : v.integer('options.concurrency', o.concurrency, 1);
    const worker = async (): Promise<void> => {
      this.#enter();
      try {
        for (;;) {
          const first = await this.#next();
          if (!first) return;
          const batch = [first, ...this.#buffer.splice(0, size - 1)];
          this.#wakeFetcher();
          for (const job of batch) this.#inHand.add(job);
          try {
            await handler(batch);
            await Promise.all(batch.filter((j) => !j.settled).map((j) => j.ack()));
          } catch (error) {
            await Promise.all(
              batch
                .filter((j) => !j.settled)
                .map((j) =>
                  j.nack().then(
                    () => this.emit('nack', j, error),
                    (e: unknown) => this.emit('error', e),
                  ),
                ),
            );
          } finally {
            for (const job of batch) if (job.settled) this.#leaveHand(job);
          }
        }
      } finally {
        this.#exit();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await this.#closing;
  }

  // ---- producing ------------------------------------------------------------------------

  /**
   * Adds a job to the funnel's first queue (or `options.queue`), with the Jobs handle's options.
   * @example
   * ```ts
   * await funnel.add('thumbnail 42.png', { queue: 'images', retry: 60_000 });
   * ```
   */
  add(data: T, options: JobsConfig & { queue?: string | undefined } = {}): Promise<string> {
    const { queue, ...config } = options;
    return this.#jobs.add(data, queue ?? (this.#queues[0] as string), config);
  }

  // ---- shutdown -------------------------------------------------------------------------

  /**
   * Stops fetching, lets the jobs in hand finish (up to `timeout`, default `closeTimeout`), NACKs
   * what is left (buffered jobs at once, unfinished ones after the timeout), and resolves when
   * every ack and NACK has been answered. Loops end after their current job. Safe to call again.
   * The Jobs handle (and its pool) stays open.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', async () => {
   *   await funnel.close({ timeout: 5000 }); // jobs in hand get 5 s, the rest go back
   *   await jobs.close();
   * });
   * ```
   */
  close(options: { timeout?: Milliseconds | undefined } = {}): Promise<void> {
    this.#closing ??= this.#close(
      options.timeout === undefined ? this.#closeTimeout : v.millis('options.timeout', options.timeout),
    );
    return this.#closing;
  }

  async #close(timeout: number): Promise<void> {
    this.#closed = true;
    this.#roomWaiter?.();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    this.#nackBuffer();
    if (this.#inHand.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#handWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout);
        }),
      ]);
      clearTimeout(timer);
      for (const job of [...this.#inHand]) if (!job.settled) this.#giveBack(job);
    }
    await this.#fetching?.catch(() => undefined);
    for (const job of this.#returns.splice(0)) this.#track(job.nack());
    await this.#settled();
    this.#leases?.stop();
  }

  /**
   * `await using funnel = jobs.funnel('q')` closes it at the end of the block.
   *
   * @example
   * ```ts
   * {
   *   await using funnel = jobs.funnel('emails');
   *   for await (const job of funnel) {
   *     await send(job.body);
   *     if (enough()) { await job.ack(); break; } // a break NACKs a job not settled
   *   }
   * } // closed here: buffered jobs go back to the queue
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ------------------------------------------------------------------------

  #enter(): void {
    this.#loops++;
    if (!this.#fetching && !this.#closed) {
      this.#fetching = this.#fetchLoop();
    }
  }

  #exit(): void {
    this.#loops--;
    if (this.#loops > 0) return;
    // The last loop left: stop fetching (the GETJOB in flight ends within FETCH_TIMEOUT, and what
    // it brings is given back) and give back what was fetched for nobody.
    this.#roomWaiter?.();
    this.#nackBuffer();
    const fetching = this.#fetching ?? Promise.resolve();
    void fetching
      .then(() => this.#settled())
      .then(() => {
        if (this.#loops === 0 && this.#inHand.size === 0 && this.#buffer.length === 0) this.emit('drained');
      });
  }

  async #fetchLoop(): Promise<void> {
    while (this.#loops > 0 && !this.#closed) {
      const room = this.#prefetch - this.#buffer.length;
      if (room <= 0 || (this.#waiters.length === 0 && this.#buffer.length > 0 && room < this.#prefetch / 2)) {
        // Enough buffered: wait until the loops take some.
        await new Promise<void>((resolve) => (this.#roomWaiter = resolve));
        this.#roomWaiter = undefined;
        continue;
      }
      try {
        const jobs = await this.#jobs.receive(this.#queues, {
          count: room,
          withCounters: true,
          timeout: FETCH_TIMEOUT,
        });
        const now = Date.now();
        for (const job of jobs) this.#dispatch(this.#handle(job, now));
      } catch (error) {
        if (this.#jobs.pool.closed) {
          // The Jobs handle was closed under the funnel: end its loops rather than spin.
          void this.close({ timeout: 0 });
          break;
        }
        this.emit('error', error);
        if (!this.#closed) await new Promise((resolve) => setTimeout(resolve, FETCH_ERROR_PAUSE));
      }
    }
    // No GETJOB of ours is armed any more: what is given back can no longer come straight back
    // to it. Jobs that arrived after the last loop left or close() go back too.
    this.#fetching = undefined;
    this.#nackBuffer();
    for (const job of this.#returns.splice(0)) this.#track(job.nack());
  }

  #handle(job: Job<T>, now: number): JobHandle<T> {
    const carried = this.#carried.get(job.id) ?? 0;
    this.#carried.delete(job.id);
    const handle = new JobHandle(job, this.#settler, carried);
    this.#stats.received++;
    this.#held.set(handle.id, handle);
    this.#leases?.hold(handle.id, now);
    return handle;
  }

  #dispatch(job: JobHandle<T>): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(job);
    else this.#buffer.push(job);
  }

  /** A buffered job, if any (and the fetcher told there is room). */
  #take(): JobHandle<T> | undefined {
    const job = this.#buffer.shift();
    if (job) this.#wakeFetcher();
    return job;
  }

  #next(): Promise<JobHandle<T> | undefined> {
    const job = this.#take();
    if (job) return Promise.resolve(job);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#wakeFetcher();
    });
  }

  #wakeFetcher(): void {
    this.#roomWaiter?.();
  }

  #nackBuffer(): void {
    for (const job of this.#buffer.splice(0)) this.#giveBack(job);
  }

  /**
   * NACKs a job — or, when the funnel is going idle while its last GETJOB is still blocked,
   * waits for that GETJOB to end first: NACKed now, the job would go straight into the GETJOB
   * being abandoned, to be NACKed a second time (its counter inflated) when it comes back.
   */
  #giveBack(job: JobHandle<T>): void {
    if ((this.#loops === 0 || this.#closed) && this.#fetching) this.#returns.push(job);
    else this.#track(job.nack());
  }

  #leaveHand(job: JobHandle<T>): void {
    this.#inHand.delete(job);
    if (this.#inHand.size === 0) for (const resolve of this.#handWaiters.splice(0)) resolve();
  }

  #release(job: JobHandle<T>): void {
    this.#held.delete(job.id);
    this.#leases?.release(job.id);
    this.#leaveHand(job);
  }

  /** Emits without letting a throwing listener break the funnel's bookkeeping. */
  #emitSafely(event: 'ack' | 'error', arg: JobHandle<T> | unknown): void {
    try {
      if (event === 'ack') this.emit('ack', arg as JobHandle<T>);
      else this.emit('error', arg);
    } catch (error) {
      if (event === 'ack') this.emit('error', error);
    }
  }

  #track(settling: Promise<unknown>): void {
    const tracked = settling.catch((error: unknown) => this.emit('error', error));
    this.#settling.add(tracked);
    void tracked.finally(() => this.#settling.delete(tracked));
  }

  async #settled(): Promise<void> {
    await this.#batcher.flush();
    while (this.#settling.size > 0) await Promise.all([...this.#settling]);
  }

  readonly #settler: Settler<T> = {
    ack: (job) => {
      this.#release(job);
      return this.#batcher.add(job);
    },
    nack: async (job) => {
      this.#release(job);
      await this.#jobs.nack(job.id);
      this.#stats.nacked++;
    },
    retryLater: async (job, delay) => {
      this.#release(job);
      const seconds = Math.ceil(v.millis('delay', delay) / 1000) * 1000;
      const id = await this.#jobs.add(job.body, job.queue, { delay: seconds });
      this.#carried.set(id, job.attempts);
      // Retried jobs may be taken by other processes: keep the map bounded.
      if (this.#carried.size > 10_000) this.#carried.delete(this.#carried.keys().next().value as string);
      await this.#jobs.ack(job.id);
      this.#stats.acked++;
      return id;
    },
    working: (job) => this.#jobs.working(job.id),
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
