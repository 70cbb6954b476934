import type { EventEmitter } from 'eventemitter3';
import type { FunnelJob } from '../funnel-job.js';
import type { FailurePolicy, FunnelEvents } from './options.js';

/**
 * The settle rule, written once for every driver (the iterator, `process()`, `processBatch()`):
 *
 * | what happened to a job in hand                 | what the funnel does                          |
 * | ---------------------------------------------- | --------------------------------------------- |
 * | the body / handler finished (`done`)           | ack it (with `autoAck`; batched)              |
 * | the handler threw (`failed`)                   | NACK, or re-add with backoff, or dead-letter  |
 * | the loop left early (`abandoned`: break, throw | NACK it (give it back to the queue)           |
 * |   in a for-await body, return, close)          |                                               |
 *
 * A job the body settled itself (`job.ack()`, `job.nack()`, `job.retryLater()`) is left alone:
 * the first settlement wins.
 * @internal
 * @module
 */
export interface SettleHost<T> {
  readonly autoAck: boolean;
  readonly events: EventEmitter<FunnelEvents<T>>;
  /** NACKs a job (or defers the NACK until the funnel's GETJOB in flight has ended). */
  giveBack(job: FunnelJob<T>): void;
  /** The job no longer counts as in hand (close() stops waiting for it). */
  leaveHand(job: FunnelJob<T>): void;
  /** Adds the job's body to `queue`, then acks the job. */
  deadLetter(job: FunnelJob<T>, queue: string): Promise<void>;
}

/** @internal */
export class SettleRule<T> {
  constructor(private readonly host: SettleHost<T>) {}

  /** The body or handler finished with the job. */
  done(job: FunnelJob<T>): void {
    // A failed ack is reported once per batch by the ack batcher ('error').
    if (this.host.autoAck && !job.settled) void job.ack();
  }

  /** The loop holding the job ended before the job was finished. */
  abandoned(job: FunnelJob<T>): void {
    if (!job.settled) this.host.giveBack(job);
    this.host.leaveHand(job);
  }

  /** The handler threw `error`. */
  async failed(job: FunnelJob<T>, error: unknown, policy: FailurePolicy = {}): Promise<void> {
    if (job.settled) return;
    const events = this.host.events;
    try {
      const { maxAttempts, deadLetter, backoff } = policy;
      if (maxAttempts !== undefined && deadLetter !== undefined && job.attempts >= maxAttempts) {
        await this.host.deadLetter(job, deadLetter);
        events.emit('deadLetter', job, error);
      } else if (backoff !== undefined) {
        await job.retryLater(typeof backoff === 'function' ? backoff(job.attempts) : backoff);
      } else {
        await job.nack();
        events.emit('nack', job, error);
      }
    } catch (err) {
      // Could not settle: the job stays leased until close NACKs it, or Disque's RETRY brings it back.
      events.emit('error', err);
    }
  }

  /** A batch handler resolved: every job it did not settle is acked (whatever `autoAck` says). */
  async batchDone(batch: readonly FunnelJob<T>[]): Promise<void> {
    await Promise.all(batch.filter((j) => !j.settled).map((j) => j.ack()));
  }

  /** A batch handler threw: every job it did not settle is NACKed. */
  async batchFailed(batch: readonly FunnelJob<T>[], error: unknown): Promise<void> {
    const events = this.host.events;
    await Promise.all(
      batch
        .filter((j) => !j.settled)
        .map((j) =>
          j.nack().then(
            () => events.emit('nack', j, error),
            (e: unknown) => events.emit('error', e),
          ),
        ),
    );
  }
}
