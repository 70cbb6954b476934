import type { Pool } from '../pool.js';
import type { Job } from '../job.js';
import { observe, type ObservedFunnel } from '../telemetry/observers.js';
import { exposition, type MetricFamily, type MetricsCollector } from './exposition.js';

/**
 * The SDK's own counters, as numbers (see {@link SdkMetrics.snapshot}).
 *
 * @example
 * ```ts
 * const { added, acked } = jobs.metrics().snapshot();
 * console.log(`${acked}/${added} done`);
 * ```
 */
export interface SdkCounters {
  /** Jobs added (ADDJOB answered with an id). */
  readonly added: number;
  /** ADDJOBs that failed. */
  readonly addErrors: number;
  /** Jobs fetched (GETJOB). */
  readonly fetched: number;
  /** Jobs fetched that had been delivered before (NACKed or redelivered after their RETRY). */
  readonly redelivered: number;
  /** Jobs acknowledged (ACKJOB and FASTACK, funnels included). */
  readonly acked: number;
  /** Jobs NACKed. */
  readonly nacked: number;
  /** Jobs moved to a dead-letter queue by `process({ deadLetter })`. */
  readonly deadLettered: number;
  /** Leases extended (WORKING). */
  readonly leaseRenewals: number;
  /** Leases that could not be extended (the job may run twice). */
  readonly leaseLosses: number;
  /** Errors by node address (`node:down`) and `''` for errors of no particular node. */
  readonly nodeErrors: Readonly<Record<string, number>>;
}

type PerQueue = Map<string, number>;
const bump = (map: PerQueue, key: string, by = 1): void => {
  map.set(key, (map.get(key) ?? 0) + by);
};
const total = (map: PerQueue): number => [...map.values()].reduce((a, b) => a + b, 0);

const registry = new WeakMap<Pool, SdkMetrics>();

/**
 * Counts what this process does through one {@link Pool} (every `Jobs` handle and funnel on it),
 * for Prometheus (`text()`, or as a collector of the dashboard's `/metrics`) or for your own
 * reporting (`snapshot()`). Get it with `jobs.metrics()`; it starts counting when created.
 *
 * @example
 * ```ts
 * const metrics = jobs.metrics();
 * const dashboard = createDashboard({ pool: jobs.pool, collectors: [metrics] });
 * ```
 */
export class SdkMetrics implements MetricsCollector {
  readonly #added: PerQueue = new Map();
  readonly #addErrors: PerQueue = new Map();
  readonly #fetched: PerQueue = new Map();
  readonly #redelivered: PerQueue = new Map();
  readonly #deadLettered: PerQueue = new Map();
  readonly #nodeErrors: PerQueue = new Map();
  #acked = 0;
  #funnelAcked = 0;
  #nacked = 0;
  #renewals = 0;
  #losses = 0;
  readonly #stop: () => void;

  private constructor(pool: Pool) {
    const onFunnel = (funnel: ObservedFunnel): void => {
      // Funnels ack in batches straight through the pool, so their acks are counted from events.
      funnel.on('ack', () => this.#funnelAcked++);
      funnel.on('deadLetter', (job) => bump(this.#deadLettered, job.queue));
      funnel.on('lease:lost', () => this.#losses++);
      funnel.on('error', () => bump(this.#nodeErrors, ''));
    };
    this.#stop = observe(pool, {
      add: async (queue, body, send) => {
        try {
          const id = await send(body);
          bump(this.#added, queue);
          return id;
        } catch (err) {
          bump(this.#addErrors, queue);
          throw err;
        }
      },
      fetched: (jobs: Job<string | Buffer>[]) => {
        for (const job of jobs) {
          bump(this.#fetched, job.queue);
          if ((job.nacks ?? 0) + (job.additionalDeliveries ?? 0) > 0) bump(this.#redelivered, job.queue);
        }
      },
      settled: (kind, count) => {
        if (kind === 'working') this.#renewals += count;
        else if (kind === 'nack') this.#nacked += count;
        else this.#acked += count;
      },
      funnel: onFunnel,
    });
    const onDown = (node: { address: string }): void => bump(this.#nodeErrors, node.address);
    const onError = (): void => bump(this.#nodeErrors, '');
    pool.on('node:down', onDown);
    pool.on('error', onError);
    const stopObserving = this.#stop;
    this.#stop = () => {
      if (registry.get(pool) === this) registry.delete(pool);
      stopObserving();
      pool.off('node:down', onDown);
      pool.off('error', onError);
    };
  }

  /**
   * The metrics of `pool`, created on first call (one per pool). `jobs.metrics()` calls this.
   *
   * @example
   * ```ts
   * const metrics = SdkMetrics.of(jobs.pool);
   * ```
   */
  static of(pool: Pool): SdkMetrics {
    let metrics = registry.get(pool);
    if (!metrics) registry.set(pool, (metrics = new SdkMetrics(pool)));
    return metrics;
  }

  /**
   * The counters as numbers, all queues together.
   *
   * @example
   * ```ts
   * const { fetched, acked, nacked } = jobs.metrics().snapshot();
   * ```
   */
  snapshot(): SdkCounters {
    return {
      added: total(this.#added),
      addErrors: total(this.#addErrors),
      fetched: total(this.#fetched),
      redelivered: total(this.#redelivered),
      acked: this.#acked + this.#funnelAcked,
      nacked: this.#nacked,
      deadLettered: total(this.#deadLettered),
      leaseRenewals: this.#renewals,
      leaseLosses: this.#losses,
      nodeErrors: Object.fromEntries(this.#nodeErrors),
    };
  }

  /**
   * The metric families (`disque_sdk_*`), for a `/metrics` endpoint.
   *
   * @example
   * ```ts
   * const families = jobs.metrics().collect();
   * ```
   */
  collect(): MetricFamily[] {
    const perQueue = (map: PerQueue) => [...map].map(([queue, value]) => ({ labels: { queue }, value }));
    const counter = (name: string, help: string, samples: MetricFamily['samples']): MetricFamily => ({
      name: `disque_sdk_${name}_total`,
      help,
      type: 'counter',
      samples,
    });
    return [
      counter('jobs_added', 'Jobs this process added, per queue.', perQueue(this.#added)),
      counter('add_errors', 'ADDJOBs of this process that failed, per queue.', perQueue(this.#addErrors)),
      counter('jobs_fetched', 'Jobs this process fetched, per queue.', perQueue(this.#fetched)),
      counter(
        'jobs_redelivered',
        'Jobs fetched that had been delivered before (retries), per queue.',
        perQueue(this.#redelivered),
      ),
      counter('jobs_acked', 'Jobs this process acknowledged.', [{ value: this.#acked + this.#funnelAcked }]),
      counter('jobs_nacked', 'Jobs this process NACKed.', [{ value: this.#nacked }]),
      counter(
        'jobs_dead_lettered',
        'Jobs moved to a dead-letter queue, per original queue.',
        perQueue(this.#deadLettered),
      ),
      counter('lease_renewals', 'Leases extended with WORKING.', [{ value: this.#renewals }]),
      counter('lease_losses', 'Leases that could not be extended.', [{ value: this.#losses }]),
      counter(
        'node_errors',
        'Errors seen, per node address ("" for none in particular).',
        [...this.#nodeErrors].map(([node, value]) => ({ labels: { node }, value })),
      ),
    ];
  }

  /**
   * The counters in the Prometheus text format.
   *
   * @example
   * ```ts
   * res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
   * res.end(jobs.metrics().text());
   * ```
   */
  text(): string {
    return exposition(this.collect());
  }

  /**
   * Stops counting (the counts so far stay readable).
   *
   * @example
   * ```ts
   * jobs.metrics().stop();
   * ```
   */
  stop(): void {
    this.#stop();
  }
}
