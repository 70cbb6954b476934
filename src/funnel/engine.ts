import type { EventEmitter } from 'eventemitter3';
import type { Milliseconds } from '../commands/types.js';
import type { Job } from '../job.js';
import { NoJobError } from '../errors.js';
import { JobHandle, type FunnelJob, type Settler } from '../funnel-job.js';
import * as v from '../commands/validate.js';
import { AckBatcher } from './ack-batcher.js';
import { JobBuffer } from './buffer.js';
import { FETCH_TIMEOUT, FetchLoop, type FetchHost } from './fetch-loop.js';
import type { JobSource } from './job-source.js';
import { Leases } from './leases.js';
import type { FunnelEvents, FunnelStats } from './options.js';
import { AdaptivePrefetch } from './prefetch.js';
import { SettleRule, type SettleHost } from './settle.js';

/** What the engine is built from (the Funnel checks the user's options first). @internal */
export interface EngineOptions {
  readonly queues: readonly string[];
  readonly autoAck: boolean;
  readonly ackMode: 'ack' | 'fast';
  readonly lease: boolean;
  readonly leaseAfter: Milliseconds;
  /** The cap of the adaptive prefetch, and where it starts. */
  readonly prefetchCap: number;
  readonly prefetchStart: number;
  /** For tests: the lease timer's margin and tick. */
  readonly leaseMargin?: Milliseconds | undefined;
  readonly leaseTick?: Milliseconds | undefined;
}

/** Attempts carried by `retryLater` are remembered for at most this many new ids. */
const CARRIED_MAX = 10_000;

/**
 * The one core under every way of consuming a funnel. It owns the prefetch buffer, the fetch
 * loop, identity (each job id held at most once), leases, ack batching and the adaptive
 * prefetch; the drivers (iterator, `process()`, `processBatch()`) only take jobs from it and
 * report what became of them through its {@link SettleRule}.
 *
 * Identity: `#held` maps every job id the funnel holds — buffered, in hand, or being settled
 * (until its ACK/NACK is answered) — to its one handle. A delivery of an id already there is
 * a redelivery of a job this funnel is working on (its lease lapsed, or two nodes queued it):
 * it is dropped, counted and reported, and never run.
 * @internal
 */
export class FunnelEngine<T> implements FetchHost<Job<T>>, SettleHost<T> {
  readonly rule: SettleRule<T>;
  readonly autoAck: boolean;
  readonly queues: readonly string[];
  readonly #source: JobSource<T>;
  readonly #buffer = new JobBuffer<JobHandle<T>>();
  readonly #held = new Map<string, JobHandle<T>>();
  readonly #inHand = new Set<JobHandle<T>>();
  readonly #leases: Leases | undefined;
  readonly #leaseAfter: Milliseconds;
  readonly #batcher: AckBatcher<JobHandle<T>>;
  readonly #prefetch: AdaptivePrefetch;
  readonly #fetcher: FetchLoop<Job<T>>;
  readonly #settling = new Set<Promise<unknown>>();
  /** Jobs to NACK once the GETJOB in flight has ended (see giveBack). */
  readonly #returns: JobHandle<T>[] = [];
  /** Attempts carried over by `retryLater`, by the new job's id (this process only). */
  readonly #carried = new Map<string, number>();
  #handWaiters: (() => void)[] = [];
  /** Typical time from receipt to settlement, ms (moving average); -1 before the first. */
  #holdTime = -1;
  #loops = 0;
  #closing: Promise<void> | undefined;
  #closed = false;
  readonly #stats = { received: 0, acked: 0, nacked: 0, deadLettered: 0, duplicates: 0, dropped: 0 };

  constructor(
    source: JobSource<T>,
    readonly events: EventEmitter<FunnelEvents<T>>,
    options: EngineOptions,
  ) {
    this.#source = source;
    this.queues = options.queues;
    this.autoAck = options.autoAck;
    this.#leaseAfter = options.leaseAfter;
    this.rule = new SettleRule<T>(this);
    this.#prefetch = new AdaptivePrefetch(options.prefetchCap, options.prefetchStart, options.leaseAfter);
    this.#fetcher = new FetchLoop<Job<T>>(this);
    const send =
      options.ackMode === 'fast'
        ? (ids: string[]) => source.fastAck(...ids)
        : (ids: string[]) => source.ack(...ids);
    this.#batcher = new AckBatcher<JobHandle<T>>(
      send,
      (acked) => {
        this.#stats.acked += acked.length;
        for (const job of acked) {
          this.#forget(job);
          this.#emitSafely('ack', job);
        }
      },
      (jobs, error) => {
        // The jobs stay with Disque, which delivers them again after their RETRY.
        for (const job of jobs) this.#forget(job);
        this.#emitSafely('error', error);
      },
    );
    if (options.lease)
      this.#leases = new Leases(
        {
          working: (id) => source.working(id),
          held: (id) => this.#held.get(id)?.settled === false,
          lost: (id, error) => this.#leaseLost(id, error),
        },
        options.leaseMargin,
        options.leaseTick,
      );
  }

  // ---- state ----------------------------------------------------------------------------

  get closed(): boolean {
    return this.#closed;
  }

  /** The close in progress or done, if close() was called. */
  get closing(): Promise<void> | undefined {
    return this.#closing;
  }

  get stats(): FunnelStats {
    return {
      ...this.#stats,
      inHand: this.#inHand.size,
      buffered: this.#buffer.size,
      prefetch: this.#prefetch.window,
    };
  }

  // ---- what the drivers call --------------------------------------------------------------

  /** A loop starts: the fetcher runs while at least one loop does. */
  enter(): void {
    this.#loops++;
    if (!this.#closed) this.#fetcher.start();
  }

  /** A loop ends. When the last one leaves, fetching stops and the buffer goes back. */
  exit(): void {
    this.#loops--;
    if (this.#loops > 0) return;
    // The GETJOB in flight ends within FETCH_TIMEOUT; what it brings is given back too.
    this.#fetcher.wake();
    this.#nackBuffer();
    const fetching = this.#fetcher.running ?? Promise.resolve();
    void fetching
      .then(() => this.#settled())
      .then(() => {
        if (this.#loops === 0 && this.#inHand.size === 0 && this.#buffer.size === 0)
          this.events.emit('drained');
      })
      .catch((error: unknown) => this.#emitSafely('error', error));
  }

  /** A buffered job, now in hand; none when the buffer is empty (never waits). */
  take(): JobHandle<T> | undefined {
    const job = this.#buffer.take();
    if (!job) return undefined;
    this.#fetcher.wakeIfRoom();
    return this.#hand(job);
  }

  /** Up to `n` buffered jobs, now in hand. */
  takeMany(n: number): JobHandle<T>[] {
    const jobs = this.#buffer.takeMany(n);
    if (jobs.length > 0) this.#fetcher.wakeIfRoom();
    for (const job of jobs) this.#hand(job);
    return jobs;
  }

  /** The next job, in hand; `undefined` once the funnel closes. */
  next(): Promise<JobHandle<T> | undefined> {
    const job = this.take();
    if (job) return Promise.resolve(job);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#buffer.wait((got) => resolve(got && this.#hand(got)));
      this.#fetcher.wake();
    });
  }

  /**
   * NACKs a job — or, when the funnel is going idle while its last GETJOB is still blocked,
   * waits for that GETJOB to end first: NACKed now, the job would go straight into the GETJOB
   * being abandoned, to be NACKed a second time (its counter inflated) when it comes back.
   */
  giveBack(job: FunnelJob<T>): void {
    const handle = job as JobHandle<T>;
    if ((this.#loops === 0 || this.#closed) && this.#fetcher.running) this.#returns.push(handle);
    else this.#track(handle.nack());
  }

  leaveHand(job: FunnelJob<T>): void {
    this.#inHand.delete(job as JobHandle<T>);
    if (this.#inHand.size === 0) for (const resolve of this.#handWaiters.splice(0)) resolve();
  }

  async deadLetter(job: FunnelJob<T>, queue: string): Promise<void> {
    await this.#source.add(job.body, queue);
    await job.ack();
    this.#stats.deadLettered++;
  }

  add(data: T, queue: string, config: Parameters<JobSource<T>['add']>[2]): Promise<string> {
    return this.#source.add(data, queue, config);
  }

  // ---- shutdown ---------------------------------------------------------------------------

  close(timeout: Milliseconds): Promise<void> {
    this.#closing ??= this.#close(timeout);
    return this.#closing;
  }

  async #close(timeout: Milliseconds): Promise<void> {
    this.#closed = true;
    this.#fetcher.wake();
    this.#buffer.release();
    this.#nackBuffer();
    if (this.#inHand.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#handWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout);
        }),
      ]);
      clearTimeout(timer);
      for (const job of [...this.#inHand]) this.rule.abandoned(job);
    }
    await this.#fetcher.running?.catch(() => undefined);
    this.#flushReturns();
    await this.#settled();
    this.#leases?.stop();
  }

  // ---- the fetch loop's host ---------------------------------------------------------------

  active(): boolean {
    return this.#loops > 0 && !this.#closed;
  }

  room(): number {
    return this.#prefetch.room(this.#buffer.size, this.#buffer.waiting);
  }

  receive(count: number): Promise<Job<T>[]> {
    return this.#source.receive(this.queues, { count, withCounters: true, timeout: FETCH_TIMEOUT });
  }

  admit(jobs: Job<T>[], asked: number): void {
    const starved = this.#buffer.waiting > 0;
    const now = Date.now();
    const firstLease = this.#leases ? this.#firstLeaseAfter(now) : 0;
    // Leased later (fast handlers): one entry for the batch, not one per job.
    const later: string[] | undefined = firstLease > 0 ? [] : undefined;
    for (const job of jobs) {
      if (this.#held.has(job.id)) {
        this.#stats.duplicates++;
        this.#emitSafely('duplicate', job);
        continue;
      }
      const carried = this.#carried.get(job.id);
      if (carried !== undefined) this.#carried.delete(job.id);
      const handle = new JobHandle(job, this.#settler, carried ?? 0, now);
      this.#stats.received++;
      this.#held.set(handle.id, handle);
      if (later) later.push(handle.id);
      else this.#leases?.hold(handle.id, now, 0);
      this.#buffer.deliver(handle);
    }
    if (later) this.#leases?.holdLater(later, now, firstLease);
    this.#prefetch.fetched(asked, jobs.length, starved, now);
    // The GETJOB has ended: jobs given back while it was blocked can go now (a new loop may have
    // started meanwhile, and then the fetcher goes on without ending).
    this.#flushReturns();
  }

  failed(error: unknown): boolean {
    this.#flushReturns();
    if (this.#source.closed) {
      // The source was closed under the funnel: end its loops rather than spin.
      void this.close(0);
      return false;
    }
    this.#emitSafely('error', error);
    return true;
  }

  ended(): void {
    // No GETJOB of ours is armed any more: what is given back can no longer come straight back
    // to it. Jobs that arrived after the last loop left or close() go back too.
    if (!this.active()) this.#nackBuffer();
    this.#flushReturns();
  }

  // ---- internals ---------------------------------------------------------------------------

  #hand(job: JobHandle<T>): JobHandle<T> {
    this.#inHand.add(job);
    const now = Date.now();
    this.#prefetch.handedOut(now - job.receivedAt, now);
    return job;
  }

  /**
   * When a job just received gets its first WORKING. A job may have sat in its queue for up to
   * its RETRY, so it can be re-queued almost as soon as it is taken: while handlers hold jobs
   * long (or before the funnel knows how long), it is leased at once. While they settle jobs in
   * a fraction of `leaseAfter`, waiting `leaseAfter` spares the fast path every WORKING.
   */
  #firstLeaseAfter(now: number): Milliseconds {
    if (this.#holdTime < 0) return 0;
    const oldest = this.#inHand.values().next().value;
    const held = Math.max(this.#holdTime, oldest ? now - oldest.receivedAt : 0);
    return held * 4 >= this.#leaseAfter ? 0 : this.#leaseAfter;
  }

  /** The job is settled (or being settled): out of the hand, out of the lease. */
  #release(job: JobHandle<T>): Promise<unknown> | undefined {
    const now = Date.now();
    const held = now - job.receivedAt;
    this.#holdTime = this.#holdTime < 0 ? held : this.#holdTime * 0.9 + held * 0.1;
    this.leaveHand(job);
    return this.#leases?.release(job.id);
  }

  /** The job's settlement was answered: the funnel no longer holds its id. */
  #forget(job: JobHandle<T>): void {
    if (this.#held.get(job.id) === job) this.#held.delete(job.id);
  }

  #leaseLost(id: string, error: unknown): void {
    const job = this.#held.get(id);
    if (!job) return;
    if (error instanceof NoJobError && this.#buffer.remove(job)) {
      // Acked elsewhere (or gone): it must not be handed out.
      this.#held.delete(id);
      this.#stats.dropped++;
      this.#emitSafely('dropped', job, error);
      this.#fetcher.wake();
    } else this.#emitSafely('lease:lost', job, error);
  }

  #nackBuffer(): void {
    for (const job of this.#buffer.drain()) this.giveBack(job);
  }

  #flushReturns(): void {
    for (const job of this.#returns.splice(0)) this.#track(job.nack());
  }

  /** Emits without letting a throwing listener break the funnel's bookkeeping. */
  #emitSafely<E extends keyof FunnelEvents<T>>(event: E, ...args: Parameters<FunnelEvents<T>[E]>): void {
    try {
      (this.events.emit as (e: E, ...a: Parameters<FunnelEvents<T>[E]>) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.#emitSafely('error', error);
    }
  }

  #track(settling: Promise<unknown>): void {
    const tracked = settling.catch((error: unknown) => this.#emitSafely('error', error));
    this.#settling.add(tracked);
    void tracked.finally(() => this.#settling.delete(tracked));
  }

  async #settled(): Promise<void> {
    await this.#batcher.flush();
    while (this.#settling.size > 0) await Promise.all([...this.#settling]);
  }

  readonly #settler: Settler<T> = {
    ack: (job) => {
      this.#release(job);
      return this.#batcher.add(job);
    },
    nack: async (job) => {
      const working = this.#release(job);
      // Given back: from now on a delivery of this id is a new one (the GETJOB in flight may
      // bring it back before the NACK's reply does).
      this.#forget(job);
      // A WORKING reaching the server after the NACK would take the job out of its queue again.
      if (working) await working;
      await this.#source.nack(job.id);
      this.#stats.nacked++;
    },
    retryLater: async (job, delay) => {
      this.#release(job);
      try {
        const ms = v.seconds('delay', delay) * 1000;
        const id = await this.#source.add(job.body, job.queue, { delay: ms });
        this.#carried.set(id, job.attempts);
        // Retried jobs may be taken by other processes: keep the map bounded.
        if (this.#carried.size > CARRIED_MAX)
          this.#carried.delete(this.#carried.keys().next().value as string);
        await this.#source.ack(job.id);
        this.#stats.acked++;
        return id;
      } finally {
        this.#forget(job);
      }
    },
    working: (job) => this.#source.working(job.id),
  };
}
