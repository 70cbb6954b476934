import { inspect } from 'node:util';
import * as C from './commands/index.js';
import type { Milliseconds } from './commands/types.js';
import type { Job, JobInfo } from './job.js';
import type { Pool } from './pool.js';
import { Affinity, type AffinityOptions } from './affinity.js';
import { decodeBody, type Codec } from './codec.js';
import { adding, validateConfig, type Adding, type JobsConfig } from './options.js';
import { TimeoutError } from './errors.js';
import { FluentOptions } from './fluent-options.js';
import { Funnel, type FunnelOptions } from './funnel.js';
import type { JobSource } from './funnel/job-source.js';
import type { FunnelJob } from './funnel-job.js';
import {
  listJobs,
  queueLength,
  status,
  type ClusterStatus,
  type ListJobsOptions,
  type ListedJob,
  type StatusOptions,
} from './status.js';
import * as v from './commands/validate.js';
import { notify, observedAdd, observedHandler, observersOf } from './telemetry/observers.js';
import { SdkMetrics } from './metrics/sdk-metrics.js';
import { idOf, type JobRef } from './job-ref.js';
import { receiveJobs } from './receive.js';
import { waitForAck, type WaitOptions } from './wait.js';
import { sendReply, sendRequest } from './request-reply.js';

// Where these lived before: modules and tests import them from here.
export { connect, type ConnectOptions } from './connect.js';
export type { JobRef } from './job-ref.js';
export type { WaitOptions } from './wait.js';

/** What every handle derived from one {@link connect} shares. */
interface Core<T> {
  readonly pool: Pool;
  readonly codec: Codec<T>;
  readonly affinity: Affinity;
}

/**
 * The high-level client: add jobs, get them (queues in priority order), acknowledge them.
 *
 * Options are immutable per handle: every fluent call (`timeout`, `replicate`, `delay`, `retry`,
 * `ttl`, `maxLen`, `async`, `count`) and `with()` return a new handle sharing the same pool;
 * `use()` changes the defaults of the handle it is called on. Durations are milliseconds.
 *
 * @typeParam T - the data in a job (`string` unless a codec says otherwise)
 * @example
 * ```ts
 * const jobs = connect();
 * const id = await jobs.timeout(1000).replicate(2).add('hello', 'greetings');
 * const job = await jobs.get('urgent', 'greetings'); // urgent first
 * await jobs.ack(job);
 * await jobs.close();
 * ```
 */
export class Jobs<T = string> extends FluentOptions<Jobs<T>> implements JobSource<T> {
  readonly #core: Core<T>;
  #config: Readonly<JobsConfig>;
  /** What `add` sends, derived from #config once (not per call: a call in flight keeps them). */
  #adding: Adding | undefined;

  private constructor(core: Core<T>, config: JobsConfig) {
    super();
    this.#core = core;
    this.#config = Object.freeze({ ...config });
  }

  /** @internal */
  static create<T>(pool: Pool, codec: Codec<T>, config: JobsConfig, affinity?: AffinityOptions): Jobs<T> {
    return new Jobs<T>({ pool, codec, affinity: new Affinity(affinity) }, config);
  }

  /**
   * The options of this handle.
   *
   * @example
   * ```ts
   * jobs.retry(60_000).config; // { retry: 60000 }
   * ```
   */
  get config(): Readonly<JobsConfig> {
    return this.#config;
  }

  /**
   * The pool under this handle (shared by every derived handle).
   *
   * @example
   * ```ts
   * jobs.pool.on('node:down', (node) => console.warn(`${node.address} is down`));
   * jobs.pool.nodes(); // what the client knows of the cluster
   * ```
   */
  get pool(): Pool {
    return this.#core.pool;
  }

  /**
   * Whether the pool under this handle has been closed (by `close()` on this handle or one
   * derived from the same {@link connect}).
   *
   * @example
   * ```ts
   * if (!jobs.closed) await jobs.close();
   * ```
   */
  get closed(): boolean {
    return this.#core.pool.closed;
  }

  /**
   * The codec of this handle.
   *
   * @example
   * ```ts
   * const body = jobs.codec.encode(data); // what `add` would send
   * ```
   */
  get codec(): Codec<T> {
    return this.#core.codec;
  }

  // ---- options --------------------------------------------------------------------------

  /**
   * A new handle with these options merged over this one's. This handle is unchanged.
   *
   * @example
   * ```ts
   * const durable = jobs.with({ replicate: 3, retry: 60_000, ttl: 7 * 86_400_000 });
   * await durable.add('invoice 42', 'billing');
   * ```
   */
  with(config: JobsConfig): Jobs<T> {
    return new Jobs(this.#core, { ...this.#config, ...validateConfig(config) });
  }

  /**
   * A fluent option (see {@link FluentOptions}): a bad value is named as the user wrote it
   * (`retry`, not `config.retry`).
   * @internal
   */
  protected fluent(config: JobsConfig): Jobs<T> {
    return new Jobs(this.#core, { ...this.#config, ...validateConfig(config, '') });
  }

  /**
   * Sets defaults on this handle (handles already derived from it keep theirs). Returns this.
   *
   * @example
   * ```ts
   * const jobs = connect().use({ retry: 60_000, timeout: 2000 });
   * ```
   */
  use(config: JobsConfig): this {
    this.#config = Object.freeze({ ...this.#config, ...validateConfig(config) });
    this.#adding = undefined;
    return this;
  }

  // ---- producing ------------------------------------------------------------------------

  /**
   * Adds a job and resolves to its id. On a cluster it is retried on another node when a node
   * fails: at-least-once jobs after any failure (a duplicate is within at-least-once), at-most-once
   * jobs (retry 0) only when certainly not applied.
   * @example
   * ```ts
   * await jobs.retry(60_000).add('resize 42.png', 'images');
   * ```
   */
  add(data: T, queue: string, options?: JobsConfig): Promise<string> {
    // Not an async function: with 100 000 adds in flight, a suspended frame each is memory. A bad
    // argument still rejects (never throws).
    try {
      const { options: addOptions, run: runOptions } =
        options === undefined
          ? (this.#adding ??= adding(this.#config))
          : adding({ ...this.#config, ...validateConfig(options, 'options') });
      const body = this.#core.codec.encode(data);
      const name = v.queueName('queue', queue);
      const observers = observersOf(this.#core.pool);
      if (!observers) return this.#core.pool.run(C.ADDJOB, [name, body, addOptions], runOptions);
      // Observers may wrap the send (a trace context in the body, a span around it).
      return observedAdd(observers, queue, body, (b) =>
        this.#core.pool.run(C.ADDJOB, [name, b, addOptions], runOptions),
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  // ---- consuming ------------------------------------------------------------------------

  /**
   * The next job from the first non-empty queue, in the order given: list queues from the most
   * to the least urgent. Blocks until a job comes, or for the handle's `timeout` (then rejects
   * with {@link TimeoutError}).
   * @throws {@link DecodeError} when the codec cannot read the body (the job is not lost)
   * @example
   * ```ts
   * const job = await jobs.get('urgent', 'normal'); // urgent first
   * await send(job.body);
   * await jobs.ack(job);
   * ```
   */
  async get(...queues: string[]): Promise<Job<T>> {
    const [job] = await this.#fetch(queues, { timeout: this.#config.timeout ?? 0 });
    if (!job) throw new TimeoutError(`No job in ${queues.join(', ')} within ${this.#config.timeout ?? 0} ms`);
    return job;
  }

  /**
   * The next job if one is queued right now, else `null` (never blocks).
   *
   * @example
   * ```ts
   * const job = await jobs.tryGet('emails');
   * if (job) await jobs.ack(job);
   * ```
   */
  async tryGet(...queues: string[]): Promise<Job<T> | null> {
    const [job] = await this.#fetch(queues, { nohang: true });
    return job ?? null;
  }

  /**
   * Up to `count` jobs, one per queue per pass over the queues. Blocks (up to the handle's
   * timeout) only when none is queued, and then returns the first one that arrives. Without a
   * `count`, the handle's (see {@link Jobs.count}, default 1).
   *
   * @example
   * ```ts
   * const batch = await jobs.timeout(1000).getMany(100, 'events');
   * await store(batch.map((j) => j.body));
   * await jobs.ack(...batch);
   * ```
   */
  getMany(count: number, ...queues: string[]): Promise<Job<T>[]>;
  getMany(...queues: string[]): Promise<Job<T>[]>;
  async getMany(...args: [number, ...string[]] | string[]): Promise<Job<T>[]> {
    const [first, ...rest] = args;
    const count = typeof first === 'string' ? (this.#config.count ?? 1) : v.integer('count', first, 1);
    const queues = typeof first === 'string' ? (args as string[]) : rest;
    return this.#fetch(queues as string[], { count, timeout: this.#config.timeout ?? 0 });
  }

  /**
   * The low-level fetch under `get`, `tryGet` and `getMany` (and Funnels): GETJOB with explicit
   * options through the pool, with this handle's node affinity, bodies decoded.
   * @param signal - abandons the call; its connection is destroyed, not returned armed
   * @example
   * ```ts
   * const batch = await jobs.receive(['emails'], { count: 32, timeout: 1000, withCounters: true }, signal);
   * ```
   */
  receive(queues: readonly string[], options: C.GetJobOptions, signal?: AbortSignal): Promise<Job<T>[]> {
    return this.#fetch(queues, options, this.#core.affinity, signal ?? this.#config.signal);
  }

  #fetch(
    queues: readonly string[],
    options: C.GetJobOptions,
    affinity = this.#core.affinity,
    signal = this.#config.signal,
  ): Promise<Job<T>[]> {
    return receiveJobs(this.#core.pool, this.#core.codec, queues, options, affinity, signal);
  }

  /**
   * Acknowledges jobs: they are deleted cluster-wide. Resolves to how many were known.
   *
   * @example
   * ```ts
   * await jobs.ack(job); // 1
   * await jobs.ack(...batch); // ids from several nodes: one ACKJOB per node
   * ```
   */
  ack(...jobs: JobRef[]): Promise<number> {
    return this.#byIds(C.ACKJOB, jobs);
  }

  /**
   * Deletes jobs at once everywhere, without the acknowledgement protocol.
   *
   * @example
   * ```ts
   * await jobs.fastAck(job); // one message per node, best effort
   * ```
   */
  fastAck(...jobs: JobRef[]): Promise<number> {
    return this.#byIds(C.FASTACK, jobs);
  }

  /**
   * Puts jobs back at the front of their queue for another delivery, counting a NACK.
   *
   * @example
   * ```ts
   * try { await send(job.body); await jobs.ack(job); }
   * catch { await jobs.nack(job); }
   * ```
   */
  nack(...jobs: JobRef[]): Promise<number> {
    return this.#byIds(C.NACK, jobs);
  }

  async #byIds(command: C.Command<string[], number>, jobs: JobRef[]): Promise<number> {
    const known = await this.#core.pool.runByJob(
      command,
      jobs.map((j, i) => idOf(j, () => `jobs[${i}]`)),
    );
    const kind = command === C.NACK ? 'nack' : command === C.FASTACK ? 'fastack' : 'ack';
    notify(observersOf(this.#core.pool), (o) => o.settled?.(kind, jobs.length));
    return known;
  }

  /**
   * Extends the lease of a job in hand: it will not be delivered again for a full RETRY period.
   * Resolves to that period in ms.
   * @throws {@link TooLateError} past half the job's TTL
   * @example
   * ```ts
   * const timer = setInterval(() => void jobs.working(job), 20_000); // a RETRY 60 s job
   * try { await encode(job.body); } finally { clearInterval(timer); }
   * ```
   */
  async working(job: JobRef): Promise<Milliseconds> {
    const retry = await this.#core.pool.runOnJob(C.WORKING, idOf(job, 'job'));
    notify(observersOf(this.#core.pool), (o) => o.settled?.('working', 1));
    return retry;
  }

  /**
   * What the node that created the job knows of it, body decoded; `null` when it does not know it.
   *
   * @example
   * ```ts
   * const info = await jobs.show(id);
   * console.log(info?.state, info?.nacks, info?.body);
   * ```
   */
  async show(job: JobRef): Promise<JobInfo<T> | null> {
    const info = await this.#core.pool.runOnJob(C.SHOW_BUFFER, idOf(job, 'job'));
    if (!info) return null;
    return { ...info, body: info.body === null ? null : decodeBody(this.#core.codec, info.body) };
  }

  /**
   * Jobs queued in `queue`, summed over every reachable node.
   *
   * @example
   * ```ts
   * if ((await jobs.len('emails')) > 10_000) console.warn('emails is backing up');
   * ```
   */
  len(queue: string): Promise<number> {
    return queueLength(this.#core.pool, queue);
  }

  /**
   * Up to `count` jobs queued in `queue` on one node, oldest first, without taking them.
   *
   * @example
   * ```ts
   * for (const job of await jobs.peek('emails', 5)) console.log(job.id, job.body);
   * ```
   */
  async peek(queue: string, count = 10): Promise<Job<T>[]> {
    const raw = await this.#core.pool.run(C.QPEEK_BUFFER, [queue, count]);
    return raw.map((job) => ({ ...job, body: decodeBody(this.#core.codec, job.body) }));
  }

  /**
   * Resolves when the job has been acknowledged: a copy is in `acked` state, or every node that
   * had a copy no longer knows it (acknowledged and collected — or expired or deleted: Disque
   * keeps no trace that tells them apart). Polls SHOW with back-off (10 ms doubling to 1 s).
   * @throws {@link TimeoutError} when `timeout` passes first
   * @example
   * ```ts
   * const id = await jobs.add('resize 42.png', 'images');
   * await jobs.wait(id, { timeout: 30_000 }); // a consumer acked it
   * ```
   */
  wait(job: JobRef, options: WaitOptions = {}): Promise<void> {
    return waitForAck(this.#core.pool, job, options, this.#config.signal);
  }

  // ---- operations -------------------------------------------------------------------------

  /**
   * The cluster at a glance: every node (priority, reachable, leaving, jobs, memory) and every
   * queue (length per node and in total, blocked consumers, import rate, jobs in/out, pause).
   * @example
   * ```ts
   * for (const q of (await jobs.status()).queues) console.log(q.name, q.len);
   * ```
   */
  status(options?: StatusOptions): Promise<ClusterStatus> {
    return status(this.#core.pool, options);
  }

  /**
   * Jobs of the cluster by state (JSCAN on every node), with everything SHOW reports. For the
   * queued jobs of one queue in order, see {@link Jobs.peek}.
   *
   * @example
   * ```ts
   * const stuck = await jobs.list({ queue: 'emails', states: ['active'], limit: 20 });
   * ```
   */
  list(options?: ListJobsOptions): Promise<ListedJob[]> {
    return listJobs(this.#core.pool, options);
  }

  /**
   * The SDK's own counters for every handle on this pool (jobs added, fetched, acked, NACKed,
   * dead-lettered, lease renewals and losses, redeliveries, per-node errors), created on first
   * call. `metrics().text()` is the Prometheus exposition; `metrics().snapshot()` the numbers.
   * Funnels opened before the first call are not counted: call it at start-up.
   *
   * @example
   * ```ts
   * const metrics = jobs.metrics();
   * http.createServer(async (_req, res) => res.end(await metrics.text())).listen(9464);
   * ```
   */
  metrics(): SdkMetrics {
    return SdkMetrics.of(this.#core.pool);
  }
  /**
   * Wraps a `process()` handler with this pool's instruments (see {@link JobSource.instrument}).
   * @internal
   */
  instrument<J extends FunnelJob<T>>(handler: (job: J) => unknown): (job: J) => unknown {
    return observedHandler(this.#core.pool, handler);
  }

  // ---- funnels ---------------------------------------------------------------------------

  /**
   * A {@link Funnel} over the queues (most urgent first): `for await (const job of funnel)` with
   * automatic ack/NACK, prefetch, leases and graceful close. The last argument may be options.
   * @example
   * ```ts
   * for await (const job of jobs.funnel('urgent', 'normal', { prefetch: 64 })) await handle(job.body);
   * ```
   */
  funnel(...args: [...queues: string[], options: FunnelOptions] | string[]): Funnel<T> {
    const last = args.at(-1);
    const options = typeof last === 'object' && last !== null ? (args.pop() as FunnelOptions) : {};
    const funnel = new Funnel<T>(this, args as string[], options);
    notify(observersOf(this.#core.pool), (o) => o.funnel?.(funnel as Funnel<unknown>, args as string[]));
    return funnel;
  }

  // ---- request / reply ------------------------------------------------------------------

  /**
   * Adds a job and waits for its reply, which a worker sends with {@link Jobs.reply} (or any client
   * by adding a job to the queue named after the request's id — the pattern Python and Go users
   * of Disque follow). Both sides use the node that created the request, so the reply needs no
   * federation hop. On timeout the request is deleted if not yet taken, and TimeoutError thrown.
   * @example
   * ```ts
   * const sum = await jobs.request('[1,2]', 'adder', { timeout: 5000 });
   * ```
   */
  request(
    data: T,
    queue: string,
    options: { timeout?: Milliseconds | undefined } & JobsConfig = {},
  ): Promise<T> {
    return sendRequest(this, data, queue, options);
  }

  /**
   * Answers a request: adds `result` to the queue named after the request's id, then acks the request.
   *
   * @example
   * ```ts
   * const request = await jobs.get('adder');
   * const [a, b] = JSON.parse(request.body) as [number, number];
   * await jobs.reply(request, JSON.stringify(a + b)); // also acks the request
   * ```
   */
  reply(request: JobRef, result: T): Promise<void> {
    return sendReply(this, request, result);
  }

  // ---- life cycle -----------------------------------------------------------------------

  /**
   * Closes the pool shared by this handle and every handle derived from it.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void jobs.close());
   * ```
   */
  close(): Promise<void> {
    return this.#core.pool.close();
  }

  /**
   * What `console.log` and `util.inspect` show: the handle's options, never a password.
   *
   * @example
   * ```ts
   * console.log(jobs.retry(60_000)); // Jobs { config: { retry: 60000 } }
   * ```
   */
  [inspect.custom](): string {
    const { signal: _signal, ...config } = this.#config;
    return `Jobs { config: ${inspect(config)} }`;
  }
}
