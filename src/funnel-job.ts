import type { Milliseconds } from './commands/types.js';
import type { Job } from './job.js';

/**
 * A job handed out by a {@link Funnel}: the job's data plus the means to settle it. The first
 * settlement wins; acking or nacking again is harmless and does nothing.
 *
 * @example
 * ```ts
 * for await (const job of funnel) {
 *   try { await send(job.body); } // acked when the loop moves on
 *   catch { await job.retryLater(60_000 * job.attempts); } // back off instead of NACK
 * }
 * ```
 */
export interface FunnelJob<T> extends Job<T> {
  /** Delivery attempt: 1 the first time, plus NACKs and other redeliveries (and `retryLater`s). */
  readonly attempts: number;
  /** Whether the job has been acked, nacked or retried already. */
  readonly settled: boolean;
  /** Acknowledges the job now (instead of when the loop moves on). */
  ack(): Promise<void>;
  /** Puts the job back at the front of its queue for another delivery. */
  nack(): Promise<void>;
  /**
   * Adds the body again to the same queue with a delay, and acknowledges this job: a retry with
   * back-off, which Disque's NACK cannot do. Resolves to the new job's id.
   */
  retryLater(delay: Milliseconds): Promise<string>;
  /** Extends the lease by hand (the funnel already does it while the job is held). */
  working(): Promise<Milliseconds>;
}

/** How a {@link JobHandle} settles, provided by its funnel. @internal */
export interface Settler<T> {
  ack(job: JobHandle<T>): Promise<void>;
  nack(job: JobHandle<T>): Promise<void>;
  retryLater(job: JobHandle<T>, delay: Milliseconds): Promise<string>;
  working(job: JobHandle<T>): Promise<Milliseconds>;
}

/** @internal */
export class JobHandle<T> implements FunnelJob<T> {
  readonly id: string;
  readonly queue: string;
  readonly body: T;
  readonly nacks?: number;
  readonly additionalDeliveries?: number;
  readonly attempts: number;
  /** When the funnel received it (ms since the epoch). @internal */
  readonly receivedAt: number;
  #settled: Promise<void> | undefined;

  constructor(
    job: Job<T>,
    private readonly settler: Settler<T>,
    extraAttempts = 0,
    receivedAt = Date.now(),
  ) {
    this.receivedAt = receivedAt;
    this.id = job.id;
    this.queue = job.queue;
    this.body = job.body;
    if (job.nacks !== undefined) this.nacks = job.nacks;
    if (job.additionalDeliveries !== undefined) this.additionalDeliveries = job.additionalDeliveries;
    this.attempts = 1 + (job.nacks ?? 0) + (job.additionalDeliveries ?? 0) + extraAttempts;
  }

  get settled(): boolean {
    return this.#settled !== undefined;
  }

  ack(): Promise<void> {
    this.#settled ??= this.settler.ack(this);
    return this.#settled;
  }

  nack(): Promise<void> {
    this.#settled ??= this.settler.nack(this);
    return this.#settled;
  }

  async retryLater(delay: Milliseconds): Promise<string> {
    if (this.#settled) throw new Error(`Job ${this.id} is already settled`);
    const retrying = this.settler.retryLater(this, delay);
    this.#settled = retrying.then(() => undefined);
    // The caller hears of a failure through `retrying`; a later ack()/nack() returns it again.
    this.#settled.catch(() => undefined);
    return retrying;
  }

  working(): Promise<Milliseconds> {
    return this.settler.working(this);
  }

  /** Plain data, for logs and JSON. */
  toJSON(): Job<T> & { attempts: number } {
    const { id, queue, body, attempts } = this;
    return { id, queue, body, attempts };
  }
}
