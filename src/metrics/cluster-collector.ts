import * as C from '../commands/index.js';
import type { NodeView } from '../nodes.js';
import type { Pool } from '../pool.js';
import type { MetricFamily, MetricsCollector } from './exposition.js';

/**
 * Options of {@link clusterCollector}.
 *
 * @example
 * ```ts
 * const collector = clusterCollector(jobs.pool, { maxQueues: 500, minInterval: 10_000 });
 * ```
 */
export interface ClusterCollectorOptions {
  /**
   * Per-queue series for at most this many queues per node (QSCAN pages of 500, then QSTAT each);
   * `disque_queues_truncated` says when a node had more. @defaultValue 1000
   */
  maxQueues?: number | undefined;
  /** Scrapes closer together than this reuse the last reading, in ms. @defaultValue 5000 */
  minInterval?: number | undefined;
}

const toNumber = (text: string | undefined): number =>
  text === undefined || text === '' || Number.isNaN(Number(text)) ? Number.NaN : Number(text);

const run = <A extends readonly unknown[], R>(
  pool: Pool,
  node: NodeView,
  command: C.Command<A, R>,
  args: A,
) => pool.run(command, args, { node: node.address, strict: true, retry: 'never' });

async function queueNames(
  pool: Pool,
  node: NodeView,
  max: number,
): Promise<{ names: string[]; truncated: boolean }> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const page = await run(pool, node, C.QSCAN, [{ cursor, count: 500 }]);
    names.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== '0' && names.length < max);
  return { names: names.slice(0, max), truncated: cursor !== '0' || names.length > max };
}

/**
 * Metrics of the cluster itself, read from every node when scraped: per node (`disque_node_up`,
 * `disque_node_leaving`, `disque_node_memory_bytes`, `disque_node_jobs`, `disque_node_queues`,
 * `disque_node_clients`) and per queue and node (`disque_queue_length`,
 * `disque_queue_blocked_consumers`, `disque_queue_import_rate`, `disque_queue_jobs_in_total`,
 * `disque_queue_jobs_out_total`, `disque_queue_paused`). The dashboard's `/metrics` serves it.
 *
 * @example
 * ```ts
 * const text = exposition(await clusterCollector(jobs.pool).collect());
 * ```
 */
export function clusterCollector(pool: Pool, options: ClusterCollectorOptions = {}): MetricsCollector {
  const maxQueues = options.maxQueues ?? 1000;
  const minInterval = options.minInterval ?? 5000;
  let last: { at: number; families: Promise<MetricFamily[]> } | undefined;

  async function read(): Promise<MetricFamily[]> {
    await pool.ready();
    await pool.refresh().catch(() => undefined);
    const nodes = pool.nodes().sort((a, b) => a.address.localeCompare(b.address));
    const gauge = (
      name: string,
      help: string,
    ): MetricFamily & { samples: { labels: Record<string, string>; value: number }[] } => ({
      name,
      help,
      type: 'gauge',
      samples: [],
    });
    const counter = (name: string, help: string) => ({ ...gauge(name, help), type: 'counter' as const });
    const up = gauge('disque_node_up', 'Whether the node answered this scrape (1) or not (0).');
    const leaving = gauge('disque_node_leaving', 'Whether the node is leaving the cluster.');
    const memory = gauge('disque_node_memory_bytes', 'Memory used by the node (INFO used_memory).');
    const jobs = gauge('disque_node_jobs', 'Jobs the node holds a copy of (INFO registered_jobs).');
    const queues = gauge('disque_node_queues', 'Queues on the node (INFO registered_queues).');
    const clients = gauge('disque_node_clients', 'Connected clients (INFO connected_clients).');
    const truncated = gauge(
      'disque_queues_truncated',
      'Whether the node had more queues than the per-queue series cover.',
    );
    const len = gauge('disque_queue_length', 'Jobs queued, per queue and node.');
    const blocked = gauge('disque_queue_blocked_consumers', 'Clients blocked in GETJOB, per queue and node.');
    const importRate = gauge(
      'disque_queue_import_rate',
      'Jobs per second imported by federation, per queue and node.',
    );
    const jobsIn = counter(
      'disque_queue_jobs_in_total',
      'Jobs queued since the queue was created on the node.',
    );
    const jobsOut = counter(
      'disque_queue_jobs_out_total',
      'Jobs taken out since the queue was created on the node.',
    );
    const paused = gauge(
      'disque_queue_paused',
      'Whether the queue is paused, per direction (in, out), queue and node.',
    );
    await Promise.all(
      nodes.map(async (node) => {
        const labels = { node: node.id ?? '', address: node.address };
        try {
          if (node.id === undefined) throw new Error('no id');
          const [info, isLeaving, found] = await Promise.all([
            run(pool, node, C.INFO, []),
            run(pool, node, C.CLUSTER_LEAVING_GET, []),
            queueNames(pool, node, maxQueues),
          ]);
          up.samples.push({ labels, value: 1 });
          leaving.samples.push({ labels, value: isLeaving ? 1 : 0 });
          memory.samples.push({ labels, value: toNumber(info['memory']?.['used_memory']) });
          jobs.samples.push({ labels, value: toNumber(info['jobs']?.['registered_jobs']) });
          queues.samples.push({ labels, value: toNumber(info['queues']?.['registered_queues']) });
          clients.samples.push({ labels, value: toNumber(info['clients']?.['connected_clients']) });
          truncated.samples.push({ labels, value: found.truncated ? 1 : 0 });
          const stats = await Promise.all(
            found.names.map((q) => run(pool, node, C.QSTAT, [q]).catch(() => null)),
          );
          for (const stat of stats) {
            if (!stat) continue;
            const q = { queue: stat.name, node: labels.node };
            len.samples.push({ labels: q, value: stat.len });
            blocked.samples.push({ labels: q, value: stat.blocked });
            importRate.samples.push({ labels: q, value: stat.importRate });
            jobsIn.samples.push({ labels: q, value: stat.jobsIn });
            jobsOut.samples.push({ labels: q, value: stat.jobsOut });
            const pausedIn = stat.pause === 'in' || stat.pause === 'all' ? 1 : 0;
            const pausedOut = stat.pause === 'out' || stat.pause === 'all' ? 1 : 0;
            paused.samples.push({ labels: { ...q, direction: 'in' }, value: pausedIn });
            paused.samples.push({ labels: { ...q, direction: 'out' }, value: pausedOut });
          }
        } catch {
          up.samples.push({ labels, value: 0 });
          leaving.samples.push({ labels, value: node.leaving ? 1 : 0 });
        }
      }),
    );
    return [
      up,
      leaving,
      memory,
      jobs,
      queues,
      clients,
      truncated,
      len,
      blocked,
      importRate,
      jobsIn,
      jobsOut,
      paused,
    ];
  }

  return {
    collect() {
      const now = Date.now();
      if (!last || now - last.at >= minInterval) {
        last = { at: now, families: read() };
        // A failed reading is not cached: the next scrape tries again.
        last.families.catch(() => (last = undefined));
      }
      return last.families;
    },
  };
}
