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
import { NoReplError, PausedError } from '../errors.js';
import type { NodeState } from '../nodes.js';

/** How long a `-PAUSED` is remembered, in ms: a resumed queue is used again after this. */
export const PAUSE_MEMORY = 2000;

/**
 * How many copies an ADDJOB needs at once: its own count (see `Command.copiesAtOnce`), else
 * Disque's default, min(3, cluster size). @internal
 */
export function copiesNeeded(copies: number | undefined, clusterSize: number): number {
  return copies ?? Math.min(3, clusterSize);
}

/** The refusals made by {@link PausedQueues.refusal}: final for the call (retrying elsewhere cannot help). */
const refusals = new WeakSet<object>();

/** Whether `err` is a refusal made by {@link PausedQueues.refusal}: not to be retried. @internal */
export function isPausedRefusal(err: unknown): boolean {
  return typeof err === 'object' && err !== null && refusals.has(err);
}

/** Queue → node key → when the memory of its `-PAUSED` ends. @internal */
export class PausedQueues {
  readonly #until = new Map<string, Map<string, number>>();

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
    return isPausedRefusal(err);
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
    refusals.add(refusal);
    return refusal;
  }
}

/** What skipping and learning paused nodes needs of the Pool. @internal */
export interface PauseContext {
  /** Every node of the cluster view. */
  readonly nodes: () => readonly NodeState[];
  /** `PAUSE <queue> state` on a node; rejects when the node cannot tell. */
  readonly state: (node: NodeState, queue: string) => Promise<unknown>;
}

/**
 * Before an ADDJOB to a queue seen paused: skips the nodes known to have it paused for input
 * (asking again those whose memory ran out), and refuses at once when the others cannot make
 * the copies.
 * @throws {@link PausedError} (not retried) when no node can take the job
 * @internal
 */
export async function skipPaused(
  paused: PausedQueues,
  ctx: PauseContext,
  queue: string,
  copiesAtOnce: number | undefined,
  avoid: Set<NodeState>,
): Promise<void> {
  const all = ctx.nodes();
  const copies = copiesNeeded(copiesAtOnce, all.length);
  const recheck = paused.expired(queue);
  if (recheck.length > 0)
    await checkPaused(
      paused,
      ctx,
      queue,
      all.filter((n) => recheck.includes(n.address)),
    );
  const pausedNodes = paused.pausedNodes(queue);
  if (pausedNodes.size === 0) return;
  for (const n of all) if (pausedNodes.has(n.address)) avoid.add(n);
  const refusal = paused.refusal(
    queue,
    copies,
    all.map((n) => ({ key: n.address, usable: n.usable })),
  );
  if (refusal) throw refusal;
}

/**
 * After a failed ADDJOB: `-PAUSED` marks the node; a replication timeout (`-NOREPL Timeout…`)
 * may come from a node that refuses replicas of a paused queue, so the other nodes are asked.
 * @internal
 */
export async function learnPaused(
  paused: PausedQueues,
  ctx: PauseContext,
  queue: string,
  node: NodeState,
  err: unknown,
): Promise<void> {
  if (err instanceof PausedError) paused.note(queue, node.address);
  else if (err instanceof NoReplError && err.message.includes('Timeout reached'))
    await checkPaused(
      paused,
      ctx,
      queue,
      ctx.nodes().filter((n) => n !== node && n.up),
    );
}

/** Asks these nodes whether `queue` is paused for input, and remembers what they say. */
async function checkPaused(
  paused: PausedQueues,
  ctx: PauseContext,
  queue: string,
  nodes: readonly NodeState[],
): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      const state = await ctx.state(n, queue).catch(() => undefined);
      if (state === 'in' || state === 'all') paused.note(queue, n.address);
      else paused.forget(queue, n.address);
    }),
  );
}
