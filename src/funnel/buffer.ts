/**
 * The funnel's prefetch buffer: jobs fetched and not yet handed out, in arrival order, and the
 * loops waiting for one. A job that arrives while a loop waits goes straight to that loop.
 * @internal
 * @module
 */
export class JobBuffer<J> {
  #jobs: J[] = [];
  readonly #waiters: ((job: J | undefined) => void)[] = [];

  /** Jobs buffered. */
  get size(): number {
    return this.#jobs.length;
  }

  /** Loops waiting for a job. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Hands `job` to the first waiting loop, else buffers it. */
  deliver(job: J): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(job);
    else this.#jobs.push(job);
  }

  /** The oldest buffered job, if any. */
  take(): J | undefined {
    return this.#jobs.shift();
  }

  /** Up to `n` buffered jobs, oldest first. */
  takeMany(n: number): J[] {
    return this.#jobs.splice(0, n);
  }

  /** Registers a loop waiting for the next job (`undefined`: stop). */
  wait(waiter: (job: J | undefined) => void): void {
    this.#waiters.push(waiter);
  }

  /** Takes one buffered job out (dropped); false when it was not buffered. */
  remove(job: J): boolean {
    const i = this.#jobs.indexOf(job);
    if (i === -1) return false;
    this.#jobs.splice(i, 1);
    return true;
  }

  /** Empties the buffer, returning what it held. */
  drain(): J[] {
    const jobs = this.#jobs;
    this.#jobs = [];
    return jobs;
  }

  /** Tells every waiting loop there is no job coming. */
  release(): void {
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}
