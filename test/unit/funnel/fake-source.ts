import type { GetJobOptions } from '../../../src/commands/getjob.js';
import type { JobSource } from '../../../src/funnel/job-source.js';
import type { Job } from '../../../src/job.js';
import type { JobsConfig } from '../../../src/options.js';

/** A command the fake source received, with the fake clock's time. */
export interface Call {
  readonly at: number;
  readonly ids: readonly string[];
}

/**
 * A JobSource in memory, for the engine's unit tests: no sockets. GETJOB takes from `ready`
 * (or blocks until `deliver()` or its timeout, on the fake clock); every other call is logged.
 * `working` answers `retry` ms unless `workingReply` says otherwise.
 */
export class FakeSource implements JobSource<string> {
  readonly ready: Job<string>[] = [];
  readonly receives: { at: number; count: number }[] = [];
  readonly acks: Call[] = [];
  readonly nacks: Call[] = [];
  readonly workings: Call[] = [];
  readonly added: { body: string; queue: string; options: JobsConfig | undefined }[] = [];
  retry = 2000;
  workingReply: ((id: string) => Promise<number>) | undefined;
  closed = false;
  /** How long a GETJOB that finds jobs takes to answer, ms (0: at once). */
  latency = 0;
  #blocked: { count: number; resolve: (jobs: Job<string>[]) => void } | undefined;
  #nextId = 0;

  /** Jobs with fresh ids (or the ids given), queued for the next GETJOB. */
  deliver(...ids: string[]): string[] {
    for (const id of ids)
      this.ready.push({ id, queue: 'q', body: `body of ${id}`, nacks: 0, additionalDeliveries: 0 });
    const blocked = this.#blocked;
    if (blocked && this.ready.length > 0) {
      this.#blocked = undefined;
      blocked.resolve(this.ready.splice(0, blocked.count));
    }
    return ids;
  }

  /** `n` new job ids, queued. */
  queueNew(n: number): string[] {
    return this.deliver(...Array.from({ length: n }, () => `D-fake-${++this.#nextId}`));
  }

  receive(_queues: readonly string[], options: GetJobOptions): Promise<Job<string>[]> {
    const count = options.count ?? 1;
    this.receives.push({ at: Date.now(), count });
    if (this.ready.length > 0) {
      const jobs = this.ready.splice(0, count);
      if (this.latency === 0) return Promise.resolve(jobs);
      return new Promise((resolve) => setTimeout(() => resolve(jobs), this.latency));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#blocked = undefined;
        resolve([]);
      }, options.timeout ?? 1000);
      this.#blocked = {
        count,
        resolve: (jobs) => {
          clearTimeout(timer);
          resolve(jobs);
        },
      };
    });
  }

  ack(...ids: string[]): Promise<number> {
    this.acks.push({ at: Date.now(), ids });
    return Promise.resolve(ids.length);
  }

  fastAck(...ids: string[]): Promise<number> {
    return this.ack(...ids);
  }

  nack(...ids: string[]): Promise<number> {
    this.nacks.push({ at: Date.now(), ids });
    return Promise.resolve(ids.length);
  }

  working(id: string): Promise<number> {
    this.workings.push({ at: Date.now(), ids: [id] });
    return this.workingReply ? this.workingReply(id) : Promise.resolve(this.retry);
  }

  add(body: string, queue: string, options?: JobsConfig): Promise<string> {
    this.added.push({ body, queue, options });
    return Promise.resolve(`D-added-${++this.#nextId}`);
  }

  /** Every id acked so far. */
  get ackedIds(): string[] {
    return this.acks.flatMap((c) => c.ids);
  }

  /** Every id NACKed so far. */
  get nackedIds(): string[] {
    return this.nacks.flatMap((c) => c.ids);
  }
}

/** Lets promises and due fake timers run: `ms` of fake time. */
export async function tick(ms = 0): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

/** Runs the fake clock (100 ms steps, at most 60 s) until `promise` settles, and returns it. */
export async function until<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const settled = promise.finally(() => (done = true));
  settled.catch(() => undefined); // the caller sees the rejection through the returned promise
  for (let i = 0; i < 600 && !done; i++) await jest.advanceTimersByTimeAsync(100);
  return settled;
}
