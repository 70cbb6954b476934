import type { Milliseconds } from '../commands/types.js';

/**
 * How many jobs a funnel fetches ahead: a window that adapts to its handlers.
 *
 * - It **grows** (doubles, up to `cap`) when the loops ran dry: a fetch came back full (the
 *   queue had more) while loops were already waiting for a job, and it did not shrink within
 *   the last `horizon`. Fast handlers so reach the large GETJOB COUNTs that make a consumer
 *   fast, within a few fetches.
 * - It **shrinks** (halves, down to 1, at most once per `horizon`) when a job waited in the
 *   buffer longer than `horizon` before a loop took it: the handlers are slower than the
 *   window assumes, and buffered jobs would only cost WORKINGs and delay other consumers.
 * - A fetch asks for `window - buffered` jobs, at least one per waiting loop, never more than
 *   `cap`; and it waits while the buffer is still more than half full, so that jobs arrive in
 *   batches rather than one GETJOB per job taken.
 *
 * `cap` is the user's `prefetch` when given (and the window starts there, as a fixed
 * prefetch did before), else {@link DEFAULT_PREFETCH_CAP} with a start of
 * {@link DEFAULT_PREFETCH_START}.
 * @internal
 * @module
 */

/**
 * The window's upper bound without an explicit `prefetch`. 256, not more: on real Disque 1.0-rc1
 * larger GETJOB COUNTs were slower (same run, 7 rounds interleaved, medians: a default funnel at
 * concurrency 100 did 131 k jobs/s with a cap of 256 against 92 k with 1 024).
 */
export const DEFAULT_PREFETCH_CAP = 256;
/** The window's start without an explicit `prefetch`. */
export const DEFAULT_PREFETCH_START = 16;

/** @internal */
export class AdaptivePrefetch {
  #window: number;
  #lastShrink = -Infinity;

  constructor(
    readonly cap: number,
    start: number,
    private readonly horizon: Milliseconds,
  ) {
    this.#window = Math.max(1, Math.min(cap, start));
  }

  /** The current window. */
  get window(): number {
    return this.#window;
  }

  /** How many jobs to ask for now; 0 means wait until loops take some. */
  room(buffered: number, waiting: number): number {
    const room = this.#window - buffered;
    if (waiting > 0) return Math.min(this.cap, Math.max(room, waiting));
    if (room <= 0 || (buffered > 0 && room < this.#window / 2)) return 0;
    return room;
  }

  /**
   * A fetch answered: `starved` when loops were waiting for its jobs. It grows the window
   * unless the queue ran short (fewer jobs than asked) or the window shrank within the horizon
   * (the handlers are not keeping up, whatever one empty moment says).
   */
  fetched(asked: number, got: number, starved: boolean, now: number): void {
    if (!starved || got < asked || now - this.#lastShrink < this.horizon) return;
    this.#window = Math.min(this.cap, this.#window * 2);
  }

  /** A loop took a job that had waited `waited` ms in the buffer. */
  handedOut(waited: number, now: number): void {
    if (waited <= this.horizon || now - this.#lastShrink < this.horizon) return;
    this.#lastShrink = now;
    this.#window = Math.max(1, Math.floor(this.#window / 2));
  }
}
