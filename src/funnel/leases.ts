import type { Milliseconds } from '../commands/types.js';
import { DisqueError, ReplyError } from '../errors.js';

/**
 * Keeps the jobs a funnel holds (buffered or in hand) from being delivered again.
 *
 * Why early: Disque re-queues an unacknowledged job RETRY after it was last *queued* (and rolls
 * that time forward while the job waits in its queue), not after it was fetched. A job that sat in
 * its queue can therefore come back anywhere between at once and RETRY after it is taken. A
 * WORKING moves that time to RETRY after the server receives it.
 *
 * The schedule, from one unref'd timer (every `tick` ms):
 * - the first WORKING goes `firstAfter` ms after the job is held (the funnel passes 0 — sent at
 *   once — when its handlers are slow, and `leaseAfter` when jobs are settled quickly, so a fast
 *   job never costs a command);
 * - then every `max(tick, min(retry / 3, retry - margin))` ms, counted from when the previous
 *   WORKING was *sent*. A renewal that goes out late because the event loop was blocked still
 *   arrives in time as long as the stall stays under `retry - interval = max(2·retry/3, margin)`:
 *   1 333 ms for RETRY 2 s, 40 s for RETRY 60 s (with the default margin of 1 000 ms).
 * @internal
 * @module
 */
export interface LeaseCallbacks {
  /** Sends WORKING; resolves to the job's RETRY in ms. */
  working(id: string): Promise<Milliseconds>;
  /** Whether a job given to `holdLater` is still held (not settled) when its lease falls due. */
  held(id: string): boolean;
  /** The server refused (TOOLATE past half the TTL, NOJOB): the job may be delivered again, or is gone. */
  lost(id: string, error: unknown): void;
}

/** How long a blocked event loop may delay a renewal without the job being re-queued, in ms. */
export const LEASE_MARGIN: Milliseconds = 1000;
/** How often the lease timer looks for renewals due, in ms. */
export const LEASE_TICK: Milliseconds = 100;

interface Held {
  /** When the next WORKING is due (ms since the epoch). */
  next: number;
  /** The WORKING in flight, if any. */
  busy: Promise<unknown> | undefined;
}

/**
 * The time between two WORKINGs of a job whose RETRY is `retry` ms: a third of RETRY, and never
 * less than `margin` before the deadline the previous WORKING set.
 * @internal
 */
export function renewalInterval(
  retry: Milliseconds,
  margin: Milliseconds = LEASE_MARGIN,
  tick = LEASE_TICK,
): number {
  return Math.max(tick, Math.min(retry / 3, retry - margin));
}

/** @internal */
export class Leases {
  readonly #held = new Map<string, Held>();
  /** Batches given to `holdLater`, by due time: no entry per job until it falls due. */
  readonly #later: { due: number; ids: readonly string[] }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly callbacks: LeaseCallbacks,
    private readonly margin: Milliseconds = LEASE_MARGIN,
    private readonly tick: Milliseconds = LEASE_TICK,
  ) {}

  /** Starts covering a job: its first WORKING goes `firstAfter` ms from `now` (0: at once). */
  hold(id: string, now: number, firstAfter: Milliseconds): void {
    const held: Held = { next: now + firstAfter, busy: undefined };
    this.#held.set(id, held);
    if (firstAfter <= 0) this.#send(id, held, now);
    this.#start();
  }

  /**
   * Starts covering a batch of jobs whose first WORKING goes `after` ms from `now` — for those
   * still held then (`callbacks.held`). The fast path: jobs settled before that cost nothing here,
   * not even a map entry.
   */
  holdLater(ids: readonly string[], now: number, after: Milliseconds): void {
    if (ids.length === 0) return;
    this.#later.push({ due: now + after, ids });
    this.#start();
  }

  #start(): void {
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#renew(), this.tick);
      this.#timer.unref();
    }
  }

  /**
   * Stops covering a job (settled, or dropped). Returns the WORKING still in flight for it, if
   * any: a NACK must wait for it, since a WORKING that reaches the server after the NACK takes
   * the job out of its queue again (until its RETRY).
   */
  release(id: string): Promise<unknown> | undefined {
    const held = this.#held.get(id);
    if (!held) return undefined;
    this.#held.delete(id);
    if (this.#held.size === 0 && this.#later.length === 0) this.stop();
    return held.busy;
  }

  /** Whether a job is covered. */
  has(id: string): boolean {
    return this.#held.has(id);
  }

  /** How many jobs are covered. */
  get size(): number {
    return this.#held.size;
  }

  /** Stops the timer (the jobs stay listed). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #renew(now = Date.now()): void {
    while (this.#later.length > 0 && (this.#later[0] as { due: number }).due <= now) {
      const { ids } = this.#later.shift() as { ids: readonly string[] };
      for (const id of ids) if (!this.#held.has(id) && this.callbacks.held(id)) this.hold(id, now, 0);
    }
    for (const [id, held] of this.#held) if (!held.busy && held.next <= now) this.#send(id, held, now);
    if (this.#held.size === 0 && this.#later.length === 0) this.stop();
  }

  #send(id: string, held: Held, sentAt: number): void {
    held.busy = this.callbacks.working(id).then(
      (retry) => {
        held.busy = undefined;
        // Released meanwhile (settled), or held again under a new entry: nothing to do.
        if (this.#held.get(id) !== held) return;
        // RETRY 0 (at-most-once) jobs are never queued again: nothing to renew.
        if (retry <= 0) this.release(id);
        else held.next = sentAt + renewalInterval(retry, this.margin, this.tick);
      },
      (error: unknown) => {
        held.busy = undefined;
        if (this.#held.get(id) !== held) return;
        // A node briefly unreachable or slow to answer: try again two ticks later. A refusal by
        // the server (NOJOB, TOOLATE) is final.
        const refused = error instanceof ReplyError ? !error.retryable : !(error instanceof DisqueError);
        if (!refused) held.next = Date.now() + 2 * this.tick;
        else {
          this.release(id);
          this.callbacks.lost(id, error);
        }
      },
    );
  }
}
