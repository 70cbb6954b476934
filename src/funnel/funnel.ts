import { EventEmitter } from 'eventemitter3';
import type { Milliseconds } from '../commands/types.js';
import type { JobsConfig } from '../options.js';
import type { FunnelJob } from '../funnel-job.js';
import * as v from '../commands/validate.js';
import { FunnelEngine } from './engine.js';
import { iterate, processBatches, processJobs } from './drivers.js';
import type { JobSource } from './job-source.js';
import {
  batchOptions,
  processOptions,
  type BatchOptions,
  type FunnelEvents,
  type FunnelOptions,
  type FunnelStats,
  type ProcessOptions,
} from './options.js';
import { DEFAULT_PREFETCH_CAP, DEFAULT_PREFETCH_START } from './prefetch.js';

/**
 * A queue (or several, in priority order) as an async iterator of jobs.
 *
 * - `for await (const job of funnel)`: the job is **acked when the loop asks for the next one**
 *   (the body finished) and **NACKed when the loop ends early** — `break`, `return` or a throw
 *   (JavaScript cannot tell them apart) — unless the body settled it with `job.ack()`/`job.nack()`.
 * - Jobs are fetched ahead with GETJOB COUNT, as many as the handlers keep up with (adaptive,
 *   capped by `prefetch`); several loops over one funnel share that buffer. When the last loop
 *   leaves, the buffer is NACKed and fetching stops: an idle funnel holds no jobs, and a new
 *   loop starts it again.
 * - A funnel holds each job id at most once: a second delivery of a job it holds is dropped
 *   (`duplicate`), never run. Every held job, buffered ones included, is leased (WORKING) with a
 *   margin for a busy event loop, so a long job is not delivered twice.
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
  readonly #engine: FunnelEngine<T>;
  readonly #source: JobSource<T>;
  readonly #closeTimeout: Milliseconds;

  /** @internal Use {@link Jobs.funnel}. */
  constructor(source: JobSource<T>, queues: readonly string[], options: FunnelOptions = {}) {
    super();
    this.#source = source;
    const o = v.options<FunnelOptions>('options', options, [
      'prefetch',
      'ackMode',
      'autoAck',
      'lease',
      'leaseAfter',
      'signal',
      'closeTimeout',
    ]);
    const prefetch = o.prefetch === undefined ? undefined : v.integer('options.prefetch', o.prefetch, 1);
    this.#closeTimeout =
      o.closeTimeout === undefined ? 10_000 : v.millis('options.closeTimeout', o.closeTimeout);
    this.#engine = new FunnelEngine<T>(source, this, {
      queues: v.queueList('queues', queues) as string[],
      autoAck: o.autoAck === undefined ? true : v.flag('options.autoAck', o.autoAck),
      ackMode: o.ackMode === undefined ? 'ack' : v.oneOf('options.ackMode', o.ackMode, ['ack', 'fast']),
      lease: o.lease === undefined ? true : v.flag('options.lease', o.lease),
      leaseAfter: o.leaseAfter === undefined ? 500 : v.millis('options.leaseAfter', o.leaseAfter),
      prefetchCap: prefetch ?? DEFAULT_PREFETCH_CAP,
      prefetchStart: prefetch ?? DEFAULT_PREFETCH_START,
    });
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
    return this.#engine.queues;
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
    return this.#engine.stats;
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
    return this.#engine.closed;
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
  [Symbol.asyncIterator](): AsyncGenerator<FunnelJob<T>, void, undefined> {
    return iterate(this.#engine);
  }

  /**
   * Runs `handler` for every job, `concurrency` at a time: resolve → ack, throw → NACK (or, with
   * `backoff`, re-added later; after `maxAttempts`, moved to `deadLetter`). Resolves when the
   * funnel is closed and the last handler has finished.
   * @throws {@link ArgumentError} for bad options, e.g. `concurrency` outside 1 to {@link MAX_CONCURRENCY}
   * @example
   * ```ts
   * const done = funnel.process(async (job) => resize(job.body), { concurrency: 8, maxAttempts: 5, deadLetter: 'images-failed' });
   * process.once('SIGTERM', () => funnel.close());
   * await done;
   * ```
   */
  async process(handler: (job: FunnelJob<T>) => unknown, options: ProcessOptions = {}): Promise<void> {
    const { concurrency, policy } = processOptions(options);
    if (typeof handler !== 'function') v.fail('handler', 'a function', handler);
    const run = this.#source.instrument ? this.#source.instrument(handler) : handler;
    await processJobs(this.#engine, run, concurrency, policy);
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
    const { size, concurrency } = batchOptions(options);
    if (typeof handler !== 'function') v.fail('handler', 'a function', handler);
    await processBatches(this.#engine, handler, size, concurrency);
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
    return this.#engine.add(data, queue ?? (this.#engine.queues[0] as string), config);
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
    return this.#engine.close(
      options.timeout === undefined ? this.#closeTimeout : v.millis('options.timeout', options.timeout),
    );
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
}
