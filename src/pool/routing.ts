import type { Arg, Command } from '../commands/types.js';
import type { GetJobOptions } from '../commands/getjob.js';
import type { Job } from '../job.js';
import type { Affinity } from '../affinity.js';
import type { ClusterView, NodeState } from '../nodes.js';

/**
 * How often, at most, a consumer with affinity that receives nothing looks for a node holding its
 * queues' jobs, in ms; a longer blocking GETJOB is cut into slices this long.
 */
const AFFINITY_RECHECK = 1000;

/**
 * A node switch decided by affinity.
 *
 * @example
 * ```ts
 * pool.on('node:switch', ({ from, to }: NodeSwitch) => console.log(`consumer moved ${from ?? '-'} → ${to}`));
 * ```
 */
export interface NodeSwitch {
  /** The node id prefix the consumer read from (undefined before the first switch). */
  readonly from: string | undefined;
  /** The node id prefix it reads from now. */
  readonly to: string;
}

/** A GETJOB command (strings or Buffers). @internal */
export type GetJobCommand<B> = Command<[readonly (string | Buffer)[], GetJobOptions?], Job<B>[]>;

/** The node an attempt should prefer, given the nodes that failed the call already. @internal */
export type Prefer = (avoid: ReadonlySet<NodeState>) => NodeState | undefined;

/** What consumer routing needs from the pool. @internal */
export interface RoutingHooks {
  /**
   * One GETJOB with these options, on the node `prefer` names for each attempt when it is usable
   * and not to be avoided (else the pool's choice).
   */
  fetch<B>(
    command: GetJobCommand<B>,
    queues: readonly (string | Buffer)[],
    options: GetJobOptions,
    argv: Arg[],
    prefer: Prefer,
    signal: AbortSignal | undefined,
  ): Promise<Job<B>[]>;
  /** How many jobs `queue` holds on `node` (0 when it cannot tell). */
  queueLength(node: NodeState, queue: string | Buffer): Promise<number>;
  /** Affinity moved a consumer. */
  switched(change: NodeSwitch): void;
  /** Whether the pool is closing (no new detours). */
  closing(): boolean;
}

/**
 * Consumer routing: a blocking GETJOB with affinity reads from the node producing most of the
 * consumer's jobs (see affinity.ts), in slices of AFFINITY_RECHECK so that between two it can
 * take a detour to a node that holds jobs while its preferred node has none.
 * @internal
 */
export class ConsumerRouting {
  readonly #view: ClusterView;
  readonly #hooks: RoutingHooks;
  /** When each consumer last looked for a node holding its jobs (see #rehome). */
  readonly #rehomedAt = new WeakMap<Affinity, number>();
  /** Where a consumer reads while its preferred node has no jobs and this one has (see #rehome). */
  readonly #detours = new WeakMap<Affinity, NodeState>();

  constructor(view: ClusterView, hooks: RoutingHooks) {
    this.#view = view;
    this.#hooks = hooks;
  }

  /** GETJOB for a consumer, following its affinity (sliced, with detours) on a cluster. */
  async getJob<B>(
    command: GetJobCommand<B>,
    queues: readonly (string | Buffer)[],
    options: GetJobOptions,
    argv: Arg[],
    signal: AbortSignal | undefined,
    affinity: Affinity | undefined,
  ): Promise<Job<B>[]> {
    // Affinity and its detours are about choosing among nodes: nothing to do with one.
    const follow = affinity?.enabled === true && this.#view.size > 1;
    const prefer: Prefer = (avoid) => this.#preferred(affinity, avoid);
    if (!follow) return this.#hooks.fetch(command, queues, options, argv, prefer, signal);
    // With affinity, a long wait is cut into slices: between two, the consumer may move to a node
    // holding jobs (see #rehome) rather than stay blocked on an empty one.
    const sliced = !options.nohang;
    const until = options.timeout ? Date.now() + options.timeout : Number.POSITIVE_INFINITY;
    for (;;) {
      const slice = sliced ? Math.max(1, Math.min(until - Date.now(), AFFINITY_RECHECK)) : undefined;
      const sliceOptions = slice === undefined ? options : { ...options, timeout: Math.ceil(slice) };
      const sliceArgv = slice === undefined ? argv : command.args(queues, sliceOptions);
      const jobs = await this.#hooks.fetch(command, queues, sliceOptions, sliceArgv, prefer, signal);
      if (jobs.length > 0) {
        const change = affinity.record(
          jobs.map((j) => j.id),
          (prefix) => this.#view.byPrefix(prefix)?.priority ?? 1,
        );
        if (change) {
          this.#detours.delete(affinity);
          this.#hooks.switched(change);
        }
        return jobs;
      }
      // A detour ends when its node has nothing left either.
      this.#detours.delete(affinity);
      await this.#rehome(queues, affinity);
      if (!sliced || Date.now() >= until) return jobs;
    }
  }

  /** The consumer's detour, else its preferred node (which may be down: the caller checks). */
  #preferred(affinity: Affinity | undefined, avoid: ReadonlySet<NodeState>): NodeState | undefined {
    if (affinity === undefined) return undefined;
    const detour = this.#detours.get(affinity);
    if (detour?.usable && !avoid.has(detour)) return detour;
    return affinity.preferred === undefined ? undefined : this.#view.byPrefix(affinity.preferred);
  }

  /**
   * After a GETJOB came back empty: if the consumer's preferred node has none of the queues' jobs
   * while another node has some, send the consumer on a detour to the node with the most (QLEN on
   * every usable node, at most once per `AFFINITY_RECHECK` per consumer). Federation alone can
   * leave a lone consumer blocked on an empty node for 10 s and more while jobs wait elsewhere.
   */
  async #rehome(queues: readonly (string | Buffer)[], affinity: Affinity): Promise<void> {
    const now = Date.now();
    if (now - (this.#rehomedAt.get(affinity) ?? 0) < AFFINITY_RECHECK) return;
    this.#rehomedAt.set(affinity, now);
    const nodes = this.#view.all().filter((n) => n.usable);
    if (nodes.length < 2) return;
    const lengths = await Promise.all(
      nodes.map(async (node) => {
        let total = 0;
        for (const queue of queues) total += await this.#hooks.queueLength(node, queue);
        return total;
      }),
    );
    const { preferred } = affinity;
    const home = preferred === undefined ? -1 : nodes.findIndex((n) => n.id?.startsWith(preferred));
    if (home !== -1 && (lengths[home] ?? 0) > 0) return; // jobs at home: stay
    let best = -1;
    lengths.forEach((len, i) => {
      if (len > 0 && (best === -1 || len > (lengths[best] ?? 0))) best = i;
    });
    const target = nodes[best];
    if (target && !this.#hooks.closing()) this.#detours.set(affinity, target);
  }
}
