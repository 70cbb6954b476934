/**
 * The "awake" schedule of a node: each job has one time at which the node must look at it again
 * (first queueing after DELAY, re-queue after RETRY, expiry, next GC attempt). A binary min-heap
 * with lazy deletion holds them, and one timer is armed for the earliest.
 * @internal
 */
import type { TimerGroup, TimerHandle } from './clock.js';
import type { Job } from './job.js';

interface Entry {
  at: number;
  job: Job;
  seq: number;
}

/** @internal */
export class JobScheduler {
  #heap: Entry[] = [];
  #seq = 0;
  /** Current schedule entry per job; an entry in the heap is stale when it is not this one. */
  readonly #current = new WeakMap<Job, Entry>();
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  /** While `runDue` runs: its `now`, so a job rescheduled "now" waits for the next run. */
  #running = -Infinity;

  constructor(
    private readonly timers: TimerGroup,
    private readonly process: (job: Job) => void,
  ) {}

  /** (Re)schedules a job at absolute virtual time `at` (ms). */
  schedule(job: Job, at: number): void {
    if (at <= this.#running) at = this.#running + 1;
    job.awakeAt = at;
    const e: Entry = { at, job, seq: ++this.#seq };
    this.#current.set(job, e);
    this.#push(e);
    if (at < this.#timerAt) this.#arm();
  }

  /** Forgets a job (deleted). */
  unschedule(job: Job): void {
    this.#current.delete(job);
    job.awakeAt = 0;
  }

  /** Drops everything (DEBUG FLUSHALL, node stop). */
  clear(): void {
    this.#heap = [];
    this.timers.cancel(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Processes every job due at `now`; returns how many were processed. */
  runDue(now: number): number {
    let n = 0;
    this.#running = now;
    try {
      for (;;) {
        const top = this.#heap[0];
        if (top === undefined || top.at > now) break;
        this.#pop();
        if (this.#current.get(top.job) !== top) continue;
        n++;
        this.process(top.job);
      }
    } finally {
      this.#running = -Infinity;
    }
    return n;
  }

  #arm(): void {
    this.timers.cancel(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    // Skip stale entries so the timer is not armed for a job that moved.
    while (this.#heap.length > 0 && this.#current.get(this.#heap[0]!.job) !== this.#heap[0]) this.#pop();
    const top = this.#heap[0];
    if (top === undefined) return;
    this.#timerAt = top.at;
    const delay = Math.max(0, top.at - this.timers.clock.now());
    this.#timer = this.timers.after(delay, () => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.runDue(this.timers.clock.now());
      this.#arm();
    });
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= e.at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  #pop(): Entry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mAt = last.at;
        if (l < h.length && h[l]!.at < mAt) {
          m = l;
          mAt = h[l]!.at;
        }
        if (r < h.length && h[r]!.at < mAt) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
