import { jobIdNodePrefix } from './job-id.js';

/**
 * Node affinity for consumers. Disque queues a job on the node that created it and moves it to
 * other nodes only on demand (federation, ~1 s and more per hop), so a consumer is fastest on the
 * node that produces most of its jobs. This tracker counts the node prefixes of the job ids a
 * consumer receives over a sliding window and tells when another node clearly leads.
 *
 * Affinity must not hold a consumer on a node whose queue is empty while jobs wait elsewhere:
 * Disque's federation does not re-export jobs a node imported in the last 5 s, and backs its
 * requests off up to 30 s. So when a consumer's GETJOB comes back empty (a blocking one is cut
 * into 1 s slices), the Pool looks where the queues have jobs (QLEN on every node, at most once a
 * second per consumer) and, if its node has none, sends it on a detour to the node with the most,
 * until that node comes back empty too. The preferred node itself still follows the job ids.
 * @module
 */

/**
 * Options of node affinity.
 *
 * @example
 * ```ts
 * const jobs = connect({ affinity: { window: 100, minSamples: 10, margin: 1.5 } });
 * const pinned = connect({ affinity: { enabled: false } }); // consumers stay where the pool puts them
 * ```
 */
export interface AffinityOptions {
  /** Turn affinity off: the consumer stays where the pool puts it. @defaultValue true */
  enabled?: boolean | undefined;
  /** How many recent jobs are counted. @defaultValue 100 */
  window?: number | undefined;
  /** Jobs to see before switching at all. @defaultValue 10 */
  minSamples?: number | undefined;
  /**
   * How much more another node must have produced (after dividing each count by the node's HELLO
   * priority) before the consumer moves: 1.5 means 50 % more. Keeps consumers from flapping.
   * @defaultValue 1.5
   */
  margin?: number | undefined;
}

/**
 * A decided move: from the current node's prefix to another's.
 *
 * @example
 * ```ts
 * const move: AffinitySwitch | undefined = affinity.record(ids, () => 1);
 * if (move) console.log(`read from ${move.to} (was ${move.from ?? 'any node'})`);
 * ```
 */
export interface AffinitySwitch {
  /** The node id prefix read from until now (`undefined` before the first switch). */
  readonly from: string | undefined;
  /** The node id prefix to read from now. */
  readonly to: string;
}

/**
 * The sliding-window counter behind node affinity: one per consumer (see {@link Pool.affinity}).
 * Hand it to {@link Pool.getJob}, which records the jobs received and moves the consumer.
 *
 * @example
 * ```ts
 * const affinity = pool.affinity();
 * const jobs = await pool.getJob(['emails'], { timeout: 1000 }, { affinity });
 * affinity.preferred; // the node prefix this consumer reads from, once decided
 * ```
 */
export class Affinity {
  readonly #window: number;
  readonly #minSamples: number;
  readonly #margin: number;
  readonly #enabled: boolean;
  readonly #ring: string[] = [];
  #next = 0;
  readonly #counts = new Map<string, number>();
  /** The node prefix the consumer should read from, once decided. */
  preferred: string | undefined;

  /** A tracker with these options (see {@link AffinityOptions} for the defaults). */
  constructor(options: AffinityOptions = {}) {
    this.#enabled = options.enabled ?? true;
    this.#window = options.window ?? 100;
    this.#minSamples = options.minSamples ?? 10;
    this.#margin = options.margin ?? 1.5;
  }

  /**
   * Whether affinity is on (see {@link AffinityOptions.enabled}).
   *
   * @example
   * ```ts
   * if (!affinity.enabled) console.log('consumers read from any node');
   * ```
   */
  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * How many of the counted jobs each node produced, by node id prefix.
   *
   * @example
   * ```ts
   * for (const [prefix, n] of affinity.counts()) console.log(prefix, n);
   * ```
   */
  counts(): ReadonlyMap<string, number> {
    return this.#counts;
  }

  /**
   * Counts the ids of jobs just received. Returns a switch when another node now clearly leads.
   * @param priorityOf - the HELLO priority of the node with a prefix (unknown → 1)
   * @example
   * ```ts
   * const move = affinity.record(batch.map((j) => j.id), (prefix) => priorities.get(prefix) ?? 1);
   * if (move) console.log(`${move.from} → ${move.to}`);
   * ```
   */
  record(ids: readonly string[], priorityOf: (prefix: string) => number): AffinitySwitch | undefined {
    if (!this.#enabled) return undefined;
    for (const id of ids) this.#push(jobIdNodePrefix(id));
    if (this.#ring.length < this.#minSamples) return undefined;
    const score = (prefix: string | undefined): number =>
      prefix === undefined ? 0 : (this.#counts.get(prefix) ?? 0) / Math.max(1, priorityOf(prefix));
    let leader: string | undefined;
    for (const prefix of this.#counts.keys())
      if (leader === undefined || score(prefix) > score(leader)) leader = prefix;
    if (leader === undefined || leader === this.preferred) return undefined;
    if (score(leader) < this.#margin * score(this.preferred) || score(leader) === 0) return undefined;
    const move = { from: this.preferred, to: leader };
    this.preferred = leader;
    return move;
  }

  #push(prefix: string): void {
    if (this.#ring.length < this.#window) this.#ring.push(prefix);
    else {
      const old = this.#ring[this.#next] as string;
      const left = (this.#counts.get(old) ?? 1) - 1;
      if (left === 0) this.#counts.delete(old);
      else this.#counts.set(old, left);
      this.#ring[this.#next] = prefix;
      this.#next = (this.#next + 1) % this.#window;
    }
    this.#counts.set(prefix, (this.#counts.get(prefix) ?? 0) + 1);
  }
}
