import * as C from './commands/index.js';
import type { Command } from './commands/types.js';
import type { JobInfo, JobState } from './job.js';
import * as v from './commands/validate.js';
import { Pool } from './pool.js';
import type { NodeView } from './nodes.js';

/**
 * What a whole cluster holds, node by node and queue by queue, for operators and dashboards.
 * @module
 */

/**
 * Anything status can read a cluster through: a {@link Pool}, or a handle holding one (`Jobs`).
 *
 * @example
 * ```ts
 * const source: StatusSource = jobs; // or jobs.pool, or any Pool
 * const report = await status(source);
 * ```
 */
export type StatusSource = Pool | { readonly pool: Pool };

/**
 * One node in a {@link ClusterStatus}.
 *
 * @example
 * ```ts
 * for (const n of (await status(jobs)).nodes)
 *   console.log(n.address, n.reachable ? `${n.jobs} jobs, ${n.usedMemory} bytes` : `down: ${n.error}`);
 * ```
 */
export interface NodeStatus {
  /** The node id, or `undefined` for a seed that could not be reached. */
  readonly id: string | undefined;
  /** The address dialled, `host:port`. */
  readonly address: string;
  /** HELLO priority: 1 healthy, 5 no link, 10 possibly failing, 100 failed or leaving. */
  readonly priority: number;
  /** Whether the node answered this time. */
  readonly reachable: boolean;
  /** Whether the node is leaving the cluster (CLUSTER LEAVING). */
  readonly leaving: boolean;
  /** Jobs this node holds a copy of (INFO `registered_jobs`); `undefined` when unreachable. */
  readonly jobs: number | undefined;
  /** Queues that exist on this node (INFO `registered_queues`). */
  readonly queues: number | undefined;
  /** Memory used, in bytes (INFO `used_memory`). */
  readonly usedMemory: number | undefined;
  /** Connected clients (INFO `connected_clients`). */
  readonly clients: number | undefined;
  /** The server version (INFO `disque_version`). */
  readonly version: string | undefined;
  /** Why the node could not be read, when it could not. */
  readonly error: string | undefined;
}

/**
 * One queue on one node, from QSTAT.
 *
 * @example
 * ```ts
 * const [emails] = (await status(jobs, { queues: ['emails'] })).queues;
 * for (const n of emails?.nodes ?? []) console.log(n.address, n.len, n.blocked, n.pause);
 * ```
 */
export interface QueueNodeStatus {
  /** The node id. */
  readonly node: string;
  /** The node's address. */
  readonly address: string;
  /** Jobs queued on this node. */
  readonly len: number;
  /** Clients blocked in GETJOB on this queue here. */
  readonly blocked: number;
  /** Jobs per second this node imports for the queue (federation). */
  readonly importRate: number;
  /** Jobs queued here since the queue was created on this node. */
  readonly jobsIn: number;
  /** Jobs taken out here (delivered or moved to another node) since then. */
  readonly jobsOut: number;
  /** Pause state on this node. */
  readonly pause: C.PauseState;
  /** Time since a job was last queued or taken here, in ms. */
  readonly idle: number;
}

/**
 * One queue across the cluster. The totals are sums over the nodes that have the queue.
 *
 * @example
 * ```ts
 * for (const q of (await status(jobs)).queues)
 *   console.log(q.name, q.len, q.blocked, q.pause === 'mixed' ? 'paused on some nodes' : q.pause);
 * ```
 */
export interface QueueStatus {
  /** The queue name. */
  readonly name: string;
  /** Jobs queued, all nodes together. */
  readonly len: number;
  /** Consumers blocked in GETJOB, all nodes together. */
  readonly blocked: number;
  /** Jobs imported per second, all nodes together. */
  readonly importRate: number;
  /**
   * Jobs queued, all nodes together. A job moved by federation counts on each node it is queued
   * on, so on a cluster this can exceed the jobs produced.
   */
  readonly jobsIn: number;
  /** Jobs taken out, all nodes together (deliveries plus federation moves). */
  readonly jobsOut: number;
  /**
   * The pause state, when every reachable node agrees (a node without the queue counts as
   * `none`); `'mixed'` otherwise: see `nodes` for each node's state.
   */
  readonly pause: C.PauseState | 'mixed';
  /** The queue on each node that has it. */
  readonly nodes: readonly QueueNodeStatus[];
}

/**
 * What {@link status} resolves to.
 *
 * @example
 * ```ts
 * const { at, nodes }: ClusterStatus = await status(jobs);
 * console.log(`${nodes.filter((n) => n.reachable).length}/${nodes.length} nodes up at ${at.toISOString()}`);
 * ```
 */
export interface ClusterStatus {
  /** When the status was read. */
  readonly at: Date;
  /** Every node the client knows, sorted by address. */
  readonly nodes: readonly NodeStatus[];
  /** Every queue found on a reachable node, sorted by name. */
  readonly queues: readonly QueueStatus[];
}

/**
 * Options of {@link status}.
 *
 * @example
 * ```ts
 * const report = await status(jobs, { queues: ['emails', 'images'] }); // no QSCAN: just these
 * ```
 */
export interface StatusOptions {
  /** Only these queues (QSTAT on each node), instead of every queue QSCAN finds. */
  queues?: readonly string[] | undefined;
}

/**
 * Options of {@link listJobs}.
 *
 * @example
 * ```ts
 * const stuck = await listJobs(jobs, { queue: 'emails', states: ['active'], limit: 20 });
 * ```
 */
export interface ListJobsOptions {
  /** Only jobs of this queue. */
  queue?: string | undefined;
  /** Only jobs in one of these states (as decided over every copy: see {@link ListedJob}). */
  states?: readonly JobState[] | undefined;
  /** At most this many jobs, oldest first. @defaultValue 100 */
  limit?: number | undefined;
}

/**
 * A job found by {@link listJobs}. Disque keeps one copy per replica, each with its own state; the
 * fields are those of the most telling copy: `acked` over `queued` over `active` over `wait-repl`.
 *
 * @example
 * ```ts
 * for (const job of await listJobs(jobs, { states: ['queued'] }))
 *   console.log(job.id, job.queue, `${job.seenOn.length} copies`, job.createdAt.toISOString());
 * ```
 */
export interface ListedJob extends JobInfo {
  /** Ids of the nodes where a copy was found. */
  readonly seenOn: readonly string[];
}

const poolOf = (source: StatusSource): Pool => {
  if (source instanceof Pool) return source;
  if (source !== null && typeof source === 'object' && source.pool instanceof Pool) return source.pool;
  return v.fail('source', 'a Pool or a Jobs handle', source);
};

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const toNumber = (text: string | undefined): number | undefined =>
  text === undefined || text === '' || Number.isNaN(Number(text)) ? undefined : Number(text);

/** Runs a command on exactly this node: no other node, no retry. */
function on<A extends readonly unknown[], R>(pool: Pool, node: NodeView, command: Command<A, R>, args: A) {
  return pool.run(command, args, { node: node.address, strict: true, retry: 'never' });
}

/** Every page of a scan on one node. */
async function scanAll<T, O extends { cursor?: string | undefined }>(
  fetch: (options: O) => Promise<C.ScanPage<T>>,
  options: O,
): Promise<T[]> {
  const items: T[] = [];
  let cursor = '0';
  do {
    const page = await fetch({ ...options, cursor });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== '0');
  return items;
}

/** The nodes known after a fresh HELLO, sorted by address. */
async function currentNodes(pool: Pool): Promise<NodeView[]> {
  await pool.ready();
  await pool.refresh();
  return pool.nodes().sort((a, b) => a.address.localeCompare(b.address));
}

interface NodeRead {
  readonly status: NodeStatus;
  readonly stats: Map<string, C.QueueStat>;
}

async function readNode(
  pool: Pool,
  node: NodeView,
  queues: readonly string[] | undefined,
): Promise<NodeRead> {
  const id = node.id;
  const down = (error: string): NodeRead => ({
    status: {
      id,
      address: node.address,
      priority: node.priority,
      reachable: false,
      leaving: node.leaving,
      jobs: undefined,
      queues: undefined,
      usedMemory: undefined,
      clients: undefined,
      version: undefined,
      error,
    },
    stats: new Map(),
  });
  // The pool's refresh asked every seed without an id for HELLO (so that a seed given by host
  // name and the address HELLO reports for it are one node): one still without an id did not answer.
  if (id === undefined) return down(node.up ? 'did not answer HELLO' : 'not reachable');
  let info: C.Info;
  let leaving: boolean;
  let names: readonly string[];
  try {
    [info, leaving, names] = await Promise.all([
      on(pool, node, C.INFO, []),
      on(pool, node, C.CLUSTER_LEAVING_GET, []),
      queues ?? scanAll((o: C.QScanOptions) => on(pool, node, C.QSCAN, [o]), { count: 1000 }),
    ]);
  } catch (err) {
    return down(reason(err));
  }
  const stats = new Map<string, C.QueueStat>();
  const found = await Promise.all(
    [...new Set(names)].map((q) => on(pool, node, C.QSTAT, [q]).catch(() => null)),
  );
  for (const stat of found) if (stat) stats.set(stat.name, stat);
  return {
    status: {
      id,
      address: node.address,
      priority: node.priority,
      reachable: true,
      leaving,
      jobs: toNumber(info['jobs']?.['registered_jobs']),
      queues: toNumber(info['queues']?.['registered_queues']),
      usedMemory: toNumber(info['memory']?.['used_memory']),
      clients: toNumber(info['clients']?.['connected_clients']),
      version: info['server']?.['disque_version'],
      error: undefined,
    },
    stats,
  };
}

function queueStatus(name: string, reads: readonly NodeRead[]): QueueStatus {
  const nodes: QueueNodeStatus[] = [];
  const states = new Set<C.PauseState>();
  for (const { status: node, stats } of reads) {
    if (!node.reachable || node.id === undefined) continue;
    const stat = stats.get(name);
    states.add(stat?.pause ?? 'none');
    if (!stat) continue;
    const { len, blocked, importRate, jobsIn, jobsOut, pause, idle } = stat;
    nodes.push({
      node: node.id,
      address: node.address,
      len,
      blocked,
      importRate,
      jobsIn,
      jobsOut,
      pause,
      idle,
    });
  }
  const sum = (key: 'len' | 'blocked' | 'importRate' | 'jobsIn' | 'jobsOut'): number =>
    nodes.reduce((total, n) => total + n[key], 0);
  const [only] = states;
  return {
    name,
    len: sum('len'),
    blocked: sum('blocked'),
    importRate: sum('importRate'),
    jobsIn: sum('jobsIn'),
    jobsOut: sum('jobsOut'),
    pause: states.size === 1 && only !== undefined ? only : 'mixed',
    nodes,
  };
}

/**
 * Jobs queued in `queue`, summed over every reachable node (a node that fails to answer counts 0).
 * @internal
 */
export async function queueLength(pool: Pool, queue: string): Promise<number> {
  v.queueName('queue', queue);
  await pool.ready();
  const nodes = pool.nodes().filter((n) => n.up && n.id !== undefined);
  const lengths = await Promise.all(
    nodes.map((n) => pool.run(C.QLEN, [queue], { node: n.id, strict: true, retry: 'never' }).catch(() => 0)),
  );
  return lengths.reduce((a, b) => a + b, 0);
}

/**
 * Reads the state of the whole cluster: every node (HELLO priority, reachability, CLUSTER LEAVING,
 * INFO jobs and memory) and every queue on every reachable node (QSCAN, then QSTAT per node),
 * with per-node figures and cluster totals.
 *
 * Each node is asked directly, never through another node: an unreachable node is reported as
 * such (`reachable: false`, `error`) rather than failing the call.
 *
 * @param source - a {@link Pool}, or a `Jobs` handle (its pool is used)
 * @param options - restrict to some queues
 * @throws {@link NoNodeAvailableError} when no node at all answers
 * @example
 * ```ts
 * const jobs = connect();
 * const { nodes, queues } = await status(jobs);
 * for (const q of queues) console.log(q.name, q.len, q.pause);
 * ```
 */
export async function status(source: StatusSource, options: StatusOptions = {}): Promise<ClusterStatus> {
  const pool = poolOf(source);
  const o = v.options<StatusOptions>('options', options, ['queues']);
  if (o.queues !== undefined && !Array.isArray(o.queues)) v.fail('options.queues', 'an array', o.queues);
  const queues = o.queues?.map((q, i) => v.queueName(`options.queues[${i}]`, q) as string);
  const nodes = await currentNodes(pool);
  // One entry per node: the pool lists a seed given by host name once, under its id.
  const reads = await Promise.all(nodes.map((node) => readNode(pool, node, queues)));
  const names = new Set<string>();
  for (const { stats } of reads) for (const name of stats.keys()) names.add(name);
  return {
    at: new Date(),
    nodes: reads.map((r) => r.status),
    queues: [...names].sort().map((name) => queueStatus(name, reads)),
  };
}

const STATE_RANK: Readonly<Record<JobState, number>> = { 'wait-repl': 0, active: 1, queued: 2, acked: 3 };

/**
 * Lists jobs across the cluster with JSCAN on every reachable node, one entry per job however many
 * copies exist (see {@link ListedJob}), oldest first.
 *
 * Disque has no index: this walks every job each node holds (of `queue`, when given), so keep it
 * for inspection, not for hot paths. Unreachable nodes are skipped.
 *
 * @param source - a {@link Pool}, or a `Jobs` handle
 * @example
 * ```ts
 * const stuck = await listJobs(jobs, { queue: 'emails', states: ['active'], limit: 20 });
 * for (const job of stuck) console.log(job.id, job.nacks, job.seenOn.length);
 * ```
 */
export async function listJobs(source: StatusSource, options: ListJobsOptions = {}): Promise<ListedJob[]> {
  const pool = poolOf(source);
  const o = v.options<ListJobsOptions>('options', options, ['queue', 'states', 'limit']);
  const limit = o.limit === undefined ? 100 : v.integer('options.limit', o.limit, 1);
  const scan: C.JScanOptions = { count: 1000 };
  if (o.queue !== undefined) scan.queue = v.queueName('options.queue', o.queue);
  // Validates the states (the filter itself is applied over every copy, below).
  if (o.states !== undefined) C.JSCAN.args({ states: o.states });
  const states = o.states === undefined ? undefined : new Set<JobState>(o.states);
  const nodes = (await currentNodes(pool)).filter((n) => n.up && n.id !== undefined);
  const copies = await Promise.all(
    nodes.map(async (node) => ({
      node: node.id as string,
      jobs: await scanAll((s: C.JScanOptions) => on(pool, node, C.JSCAN_ALL, [s]), scan).catch(
        () => [] as JobInfo[],
      ),
    })),
  );
  const byId = new Map<string, { job: JobInfo; seenOn: string[] }>();
  for (const { node, jobs } of copies)
    for (const job of jobs) {
      const known = byId.get(job.id);
      if (!known) byId.set(job.id, { job, seenOn: [node] });
      else {
        known.seenOn.push(node);
        if (STATE_RANK[job.state] > STATE_RANK[known.job.state]) known.job = job;
      }
    }
  return [...byId.values()]
    .filter(({ job }) => states === undefined || states.has(job.state))
    .sort((a, b) => (a.job.ctime < b.job.ctime ? -1 : a.job.ctime > b.job.ctime ? 1 : 0))
    .slice(0, limit)
    .map(({ job, seenOn }) => ({ ...job, seenOn }));
}
