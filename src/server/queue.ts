/**
 * A named queue of one node: the jobs in `queued` state ordered by ctime, the clients blocked on
 * it, its pause flags and the statistics QSTAT reports.
 * @internal
 */
import { compareJobs, type Job } from './job.js';

/** Pause flags (PAUSE in/out/all). @internal */
export const PAUSED_IN = 1;
/** @internal */
export const PAUSED_OUT = 2;
/** @internal */
export const PAUSED_ALL = PAUSED_IN | PAUSED_OUT;

/** Something waiting for a job on this queue (a blocked GETJOB). @internal */
export interface QueueWaiter {
  /** Receives a job fetched for it; the waiter leaves every queue it waited on. */
  serve(queue: Queue, job: Job): void;
}

/** @internal */
export class Queue {
  readonly key: string;
  /** Jobs sorted by (ctime, id); entries before `#head` were popped. */
  #items: Job[] = [];
  #head = 0;
  flags = 0;
  /** Creation and last activity, Unix seconds (QSTAT age/idle, eviction). */
  readonly ctime: number;
  atime: number;
  jobsIn = 0;
  jobsOut = 0;
  /** Blocked clients in arrival order (first come, first served). */
  readonly waiters = new Set<QueueWaiter>();

  // Federation bookkeeping (see federation.ts).
  needJobsBcastTime = 0;
  needJobsBcastAttempt = 0;
  needJobsAdhocTime = 0;
  needJobsAdhocAttempt = 0;
  /** Nodes that recently supplied jobs → last time (Unix seconds). */
  readonly responders = new Map<string, number>();
  currentImportTime: number;
  currentImportCount = 0;
  prevImportTime: number;
  prevImportCount = 0;

  constructor(
    readonly name: Buffer,
    nowMs: number,
  ) {
    this.key = name.toString('latin1');
    this.ctime = Math.floor(nowMs / 1000);
    this.atime = this.ctime;
    this.currentImportTime = nowMs;
    this.prevImportTime = nowMs;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  get pausedIn(): boolean {
    return (this.flags & PAUSED_IN) !== 0;
  }

  get pausedOut(): boolean {
    return (this.flags & PAUSED_OUT) !== 0;
  }

  /** Inserts in ctime order. Usually at the tail, so that case is checked first. */
  insert(job: Job): void {
    const items = this.#items;
    const last = items[items.length - 1];
    if (this.length === 0 || (last !== undefined && compareJobs(last, job) < 0)) {
      items.push(job);
      return;
    }
    items.splice(this.#indexFor(job), 0, job);
  }

  /** Removes a job if present; returns whether it was there. */
  remove(job: Job): boolean {
    const i = this.#indexFor(job);
    if (this.#items[i] !== job) return false;
    if (i === this.#head) {
      this.popHead();
    } else {
      this.#items.splice(i, 1);
    }
    return true;
  }

  /** Removes and returns the oldest job. */
  popHead(): Job | undefined {
    if (this.length === 0) return undefined;
    const job = this.#items[this.#head];
    this.#items[this.#head] = undefined as unknown as Job;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return job;
  }

  /** Up to `count` jobs from the oldest (or from the newest when `fromTail`). */
  peek(count: number, fromTail: boolean): Job[] {
    const out: Job[] = [];
    if (fromTail) {
      for (let i = this.#items.length - 1; i >= this.#head && out.length < count; i--)
        out.push(this.#items[i]!);
    } else {
      for (let i = this.#head; i < this.#items.length && out.length < count; i++) out.push(this.#items[i]!);
    }
    return out;
  }

  /** Drops every job reference (DEBUG FLUSHALL). */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  #indexFor(job: Job): number {
    let lo = this.#head;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareJobs(this.#items[mid]!, job) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
