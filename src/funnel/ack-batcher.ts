/**
 * Collects jobs to acknowledge and sends their ids several per ACKJOB/FASTACK: flushed at the
 * end of the current turn of the event loop, or as soon as `max` are waiting.
 *
 * Built for the consuming hot path: a batch shares one promise (no promise or closure per job),
 * `onAcked` gets the whole batch once its command is answered, and a failed batch is reported
 * once to `onFailed` (its jobs are left to Disque's RETRY; nothing is dropped silently).
 * @internal
 * @module
 */
export class AckBatcher<J extends { readonly id: string }> {
  #jobs: J[] = [];
  #batch: Batch | undefined;
  readonly #sending = new Set<Promise<void>>();

  constructor(
    private readonly send: (ids: string[]) => Promise<unknown>,
    private readonly onAcked: (jobs: J[]) => void,
    private readonly onFailed: (jobs: J[], error: unknown) => void,
    private readonly max = 256,
  ) {}

  /**
   * Queues a job; the promise (shared by its batch) resolves once it is acknowledged. It is
   * never reported as an unhandled rejection: failures go to `onFailed` as well.
   */
  add(job: J): Promise<void> {
    this.#jobs.push(job);
    const batch = (this.#batch ??= newBatch());
    if (this.#jobs.length >= this.max) this.#send();
    else if (!batch.scheduled) {
      batch.scheduled = true;
      setImmediate(this.#send);
    }
    return batch.promise;
  }

  /** Sends what is waiting now, and resolves when every batch sent so far has been answered. */
  async flush(): Promise<void> {
    this.#send();
    while (this.#sending.size > 0) await Promise.all(this.#sending);
  }

  readonly #send = (): void => {
    const batch = this.#batch;
    const jobs = this.#jobs;
    if (!batch || jobs.length === 0) return;
    this.#batch = undefined;
    this.#jobs = [];
    const sending = this.send(jobs.map((j) => j.id)).then(
      () => {
        batch.resolve();
        this.onAcked(jobs);
      },
      (error: unknown) => {
        batch.reject(error);
        this.onFailed(jobs, error);
      },
    );
    this.#sending.add(sending);
    // The callbacks catch their own errors (see Funnel); this only keeps the set tidy.
    void sending.finally(() => this.#sending.delete(sending)).catch(() => undefined);
  };
}

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
  scheduled: boolean;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers that do not wait for their ack (auto ack) must not cause an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject, scheduled: false };
}
