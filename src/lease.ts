import type { Milliseconds } from './commands/types.js';
import { DisqueError } from './errors.js';

/**
 * Keeps the jobs a consumer holds from being delivered again while it works on them.
 *
 * Disque re-queues an unacknowledged job RETRY after it was *queued*, not after it was fetched,
 * so a job that waited in its queue can come back almost as soon as it is taken. One timer (every
 * `tick` ms, unref'd) sends WORKING for each held job that has been held for `after` ms, then again
 * every half of the RETRY period WORKING reports. Jobs finished quickly never cost a command.
 * @internal
 * @module
 */
export interface LeaseCallbacks {
  /** Sends WORKING; resolves to the job's RETRY in ms. */
  working(id: string): Promise<Milliseconds>;
  /** The server refused (TOOLATE past half the TTL, NOJOB): the job may be delivered again. */
  lost(id: string, error: unknown): void;
}

interface Held {
  next: number;
  busy: boolean;
}

/** @internal */
export class Leases {
  readonly #held = new Map<string, Held>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly callbacks: LeaseCallbacks,
    private readonly after: Milliseconds = 500,
    private readonly tick: Milliseconds = 100,
  ) {}

  /** Starts covering a job. */
  hold(id: string, now = Date.now()): void {
    this.#held.set(id, { next: now + this.after, busy: false });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#renew(), this.tick);
      this.#timer.unref();
    }
  }

  /** Stops covering a job (settled). */
  release(id: string): void {
    this.#held.delete(id);
    if (this.#held.size === 0) this.stop();
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
    for (const [id, held] of this.#held) {
      if (held.busy || held.next > now) continue;
      held.busy = true;
      this.callbacks.working(id).then(
        (retry) => {
          held.busy = false;
          // RETRY 0 (at-most-once) jobs are never queued again: nothing to renew.
          if (retry <= 0) this.#held.delete(id);
          else held.next = Date.now() + Math.max(this.tick, retry / 2);
        },
        (error: unknown) => {
          held.busy = false;
          // A node that is briefly unreachable: try again soon. A refusal is final.
          if (error instanceof DisqueError && error.retryable) held.next = Date.now() + this.after;
          else {
            this.#held.delete(id);
            this.callbacks.lost(id, error);
          }
        },
      );
    }
  }
}
