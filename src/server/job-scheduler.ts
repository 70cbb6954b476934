/**
 * The "awake" schedule of a node: each job has one time at which the node must look at it again
 * (first queueing after DELAY, re-queue after RETRY, expiry, next GC attempt). An indexed binary
 * min-heap holds one entry per job (rescheduling moves it, deleting removes it, so a busy server
 * accumulates nothing), and one timer is armed for the earliest entry.
 * @internal
 */
import type { TimerGroup, TimerHandle } from './clock.js';
import type { Job } from './job.js';

interface Entry {
  at: number;
  readonly job: Job;
  /** Position in the heap array. */
  idx: number;
}

/** @internal */
export class JobScheduler {
  #heap: Entry[] = [];
  readonly #entries = new Map<Job, Entry>();
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  /** While `runDue` runs: its `now`, so a job rescheduled "now" waits for the next run. */
  #running = -Infinity;

  constructor(
    private readonly timers: TimerGroup,
    private readonly process: (job: Job) => void,
  ) {}

  /** Number of scheduled jobs. */
  get size(): number {
    return this.#heap.length;
  }

  /** (Re)schedules a job at absolute virtual time `at` (ms). */
  schedule(job: Job, at: number): void {
    if (at <= this.#running) at = this.#running + 1;
    job.awakeAt = at;
    let e = this.#entries.get(job);
    if (e === undefined) {
      e = { at, job, idx: this.#heap.length };
      this.#entries.set(job, e);
      this.#heap.push(e);
      this.#up(e.idx);
    } else {
      const earlier = at < e.at;
      e.at = at;
      if (earlier) this.#up(e.idx);
      else this.#down(e.idx);
    }
    if (this.#running === -Infinity && at < this.#timerAt) this.#arm();
  }

  isScheduled(job: Job): boolean {
    return this.#entries.has(job);
  }

  /** Forgets a job (deleted). */
  unschedule(job: Job): void {
    job.awakeAt = 0;
    const e = this.#entries.get(job);
    if (e === undefined) return;
    this.#entries.delete(job);
    this.#removeAt(e.idx);
  }

  /** Drops everything (DEBUG FLUSHALL, node stop). */
  clear(): void {
    this.#heap = [];
    this.#entries.clear();
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
        // Taken out of the schedule; processing puts it back (or deletes the job).
        this.#entries.delete(top.job);
        this.#removeAt(0);
        top.job.awakeAt = 0;
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

  #removeAt(i: number): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || i >= h.length) return;
    h[i] = last;
    last.idx = i;
    this.#down(i);
    this.#up(last.idx);
  }

  #swap(i: number, j: number): void {
    const h = this.#heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.idx = j;
    b.idx = i;
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.at < h[m]!.at) m = l;
      if (r < h.length && h[r]!.at < h[m]!.at) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}
