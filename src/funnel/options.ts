import type { Milliseconds } from '../commands/types.js';
import type { Job } from '../job.js';
import type { FunnelJob } from '../funnel-job.js';
import { ArgumentError } from '../errors.js';
import * as v from '../commands/validate.js';

/**
 * The most loops `process()` / `processBatch()` run at once. Each is a pending promise and a
 * share of the prefetch buffer; past a few thousand they only cost memory.
 *
 * @example
 * ```ts
 * await funnel.process(handler, { concurrency: Math.min(wanted, MAX_CONCURRENCY) });
 * ```
 */
export const MAX_CONCURRENCY = 10_000;

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
  /**
   * Most jobs fetched ahead of the loops (bounded memory); GETJOB asks for up to this many at
   * once. Without it the funnel adapts its prefetch to its handlers, between 1 and 256: more
   * while they keep up, less when they are slow (see docs/funnels.md). Given, it caps that
   * window, which starts at this value. @defaultValue adaptive, up to 256
   */
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
  /**
   * While handlers settle jobs quickly, a held job is first leased once it has been held this
   * long, in ms (so a fast job never costs a WORKING). When handlers are slow every job is
   * leased as soon as it arrives. Also how long a job may wait in the buffer before the
   * adaptive prefetch shrinks. @defaultValue 500
   */
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
  /** Jobs handled at once, 1 to {@link MAX_CONCURRENCY}. @defaultValue 1 */
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
  /** Batches handled at once, 1 to {@link MAX_CONCURRENCY}. @defaultValue 1 */
  concurrency?: number | undefined;
}

/**
 * Counters of a funnel, readable at any time.
 *
 * @example
 * ```ts
 * const { received, acked, nacked, inHand, buffered, duplicates }: FunnelStats = funnel.stats;
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
  /** Copies of a job the funnel already held, dropped unrun (a redelivery while it was held). */
  readonly duplicates: number;
  /** Buffered jobs dropped unrun because their lease answered NOJOB (acked or gone elsewhere). */
  readonly dropped: number;
  /** The adaptive prefetch window now (how many jobs it fetches ahead at most). */
  readonly prefetch: number;
}

/**
 * Events of a {@link Funnel}.
 *
 * @example
 * ```ts
 * funnel.on('nack', (job, error) => console.warn(`job ${job.id} failed`, error));
 * funnel.on('deadLetter', (job) => console.error(`job ${job.id} gave up after ${job.attempts} attempts`));
 * funnel.on('lease:lost', (job) => console.warn(`job ${job.id} may be delivered twice`));
 * funnel.on('duplicate', (job) => console.info(`job ${job.id} came again while held: dropped`));
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
  /** A delivery of a job id the funnel already holds (buffered or in hand): dropped, never run. */
  duplicate: (job: Job<T>) => void;
  /** A buffered job whose lease answered NOJOB (acked or gone elsewhere): dropped, never handed out. */
  dropped: (job: FunnelJob<T>, error: unknown) => void;
  /** A background operation failed (a fetch, an ack); the funnel carries on. */
  error: (error: unknown) => void;
  /** The funnel is idle: no loop, nothing buffered, nothing in hand. */
  drained: () => void;
}

/** A `concurrency` option, checked: an integer in [1, MAX_CONCURRENCY]. @internal */
export function concurrencyOption(value: number | undefined): number {
  return value === undefined ? 1 : v.integer('options.concurrency', value, 1, MAX_CONCURRENCY);
}

/** What a failed handler's job becomes, from {@link ProcessOptions}. @internal */
export interface FailurePolicy {
  readonly maxAttempts?: number | undefined;
  readonly deadLetter?: string | undefined;
  readonly backoff?: Milliseconds | ((attempt: number) => Milliseconds) | undefined;
}

/** Checks `process()`'s options. @internal */
export function processOptions(options: unknown): { concurrency: number; policy: FailurePolicy } {
  const o = v.options<ProcessOptions>('options', options, [
    'concurrency',
    'maxAttempts',
    'deadLetter',
    'backoff',
  ]);
  const concurrency = concurrencyOption(o.concurrency);
  if (o.maxAttempts !== undefined) v.integer('options.maxAttempts', o.maxAttempts, 1);
  if (o.deadLetter !== undefined) v.queueName('options.deadLetter', o.deadLetter);
  if ((o.maxAttempts === undefined) !== (o.deadLetter === undefined))
    throw new ArgumentError(
      'options.deadLetter',
      '`options.maxAttempts` and `options.deadLetter` go together',
    );
  if (o.backoff !== undefined && typeof o.backoff !== 'function') v.millis('options.backoff', o.backoff);
  return {
    concurrency,
    policy: { maxAttempts: o.maxAttempts, deadLetter: o.deadLetter, backoff: o.backoff },
  };
}

/** Checks `processBatch()`'s options. @internal */
export function batchOptions(options: unknown): { size: number; concurrency: number } {
  const o = v.options<BatchOptions>('options', options, ['size', 'concurrency']);
  const size = o.size === undefined ? 32 : v.integer('options.size', o.size, 1);
  return { size, concurrency: concurrencyOption(o.concurrency) };
}
