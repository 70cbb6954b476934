/**
 * The Pool's memory of queues paused for input, per node, learnt from `-PAUSED` replies to
 * ADDJOB. A node whose queue is paused refuses the job at once, and also refuses to store
 * replicas of it: an ADDJOB sent elsewhere that needs that node's copy waits its whole timeout
 * (5 s by default) for `-NOREPL`. So, for a few seconds after a `-PAUSED`, ADDJOBs to that queue
 * skip the node, and when the nodes left cannot make the copies asked for, the caller gets the
 * PausedError at once instead of a wait for each node in turn.
 * @internal
 * @module
 */
import { PausedError } from './errors.js';
import type { Arg } from './commands/types.js';

/** How long a `-PAUSED` is remembered, in ms: a resumed queue is used again after this. */
export const PAUSE_MEMORY = 2000;

/** The queue, and how many copies an ADDJOB argv needs at once (1 with ASYNC). @internal */
export function addJobNeeds(argv: readonly Arg[], clusterSize: number): { queue: string; copies: number } {
  const queue = String(argv[1]);
  // Options start after the timeout (a body may read ASYNC or REPLICATE).
  if (argv.indexOf('ASYNC', 4) !== -1) return { queue, copies: 1 };
  const at = argv.indexOf('REPLICATE', 4);
  // Disque's default: min(3, cluster size).
  const copies = at === -1 ? Math.min(3, clusterSize) : Number(argv[at + 1]);
  return { queue, copies };
}

/** Queue → node key → when the memory of its `-PAUSED` ends. @internal */
export class PausedQueues {
  readonly #until = new Map<string, Map<string, number>>();
  /** The refusals made here: final for the call (retrying elsewhere cannot help). */
  readonly #refusals = new WeakSet<object>();

  /** Whether `queue` was seen paused on some node (memory current or to be checked again). */
  knows(queue: string): boolean {
    return this.#until.has(queue);
  }

  /** Notes that `node` answered `-PAUSED` for `queue`. */
  note(queue: string, node: string, now = Date.now()): void {
    let nodes = this.#until.get(queue);
    if (!nodes) this.#until.set(queue, (nodes = new Map()));
    nodes.set(node, now + PAUSE_MEMORY);
  }

  /** Forgets that `node` was paused for `queue` (it said otherwise). */
  forget(queue: string, node: string): void {
    const nodes = this.#until.get(queue);
    nodes?.delete(node);
    if (nodes?.size === 0) this.#until.delete(queue);
  }

  /** The nodes remembered as paused for `queue`. */
  pausedNodes(queue: string, now = Date.now()): Set<string> {
    const paused = new Set<string>();
    for (const [node, until] of this.#until.get(queue) ?? []) if (until > now) paused.add(node);
    return paused;
  }

  /**
   * The nodes whose memory for `queue` ran out: to ask again (PAUSE queue state) before the
   * next ADDJOB, rather than send it where it may wait its whole timeout.
   */
  expired(queue: string, now = Date.now()): string[] {
    return [...(this.#until.get(queue) ?? [])].filter(([, until]) => until <= now).map(([node]) => node);
  }

  /** Whether `err` is a refusal made by {@link PausedQueues.refusal}: not to be retried. */
  isRefusal(err: unknown): boolean {
    return typeof err === 'object' && err !== null && this.#refusals.has(err);
  }

  /**
   * The error to give at once when the nodes not paused for `queue` cannot make `copies`: a
   * PausedError naming the paused nodes; `undefined` when another node can take the job.
   */
  refusal(
    queue: string,
    copies: number,
    nodes: readonly { key: string; usable: boolean }[],
    cause?: unknown,
  ): PausedError | undefined {
    const paused = this.pausedNodes(queue);
    if (paused.size === 0) return undefined;
    const others = nodes.filter((n) => n.usable && !paused.has(n.key)).length;
    if (others >= copies) return undefined;
    const refusal = new PausedError(
      'PAUSED',
      `PAUSED Queue paused in input on ${[...paused].join(', ')}; the ${others} other node${others === 1 ? '' : 's'} cannot make the ${copies} cop${copies === 1 ? 'y' : 'ies'} asked for (REPLICATE), try later`,
      { command: 'ADDJOB', cause },
    );
    this.#refusals.add(refusal);
    return refusal;
  }
}
