import type { Hello } from '../commands/server.js';
import { NoNodeAvailableError } from '../errors.js';
import type { ClusterView, NodeState } from '../nodes.js';

/** What discovery needs from the pool. @internal */
export interface DiscoveryHooks {
  /** HELLO on `node`. */
  hello(node: NodeState): Promise<Hello>;
  /** `node` turned out to be a second address of `kept`: its connections go there. */
  identified(node: NodeState, kept: NodeState): void;
  /** HELLO on `node` failed. */
  failed(node: NodeState, err: unknown): void;
  /** `node` answered. */
  up(node: NodeState): void;
  /** HELLO told of a node not known before. */
  added(node: NodeState): void;
  /** Whether to learn the other nodes from HELLO (`discover`), or only this node's priority. */
  merge: boolean;
}

/**
 * Cluster discovery: asks a reachable node for HELLO and merges what it says. Nodes are tried in
 * random order, usable ones first; seeds not asked yet are then asked too, so that each is known
 * by its node id (a seed given by host name and the address HELLO reports for it are one node,
 * and only ids tell). Rejects with {@link NoNodeAvailableError} when no node answers.
 * @internal
 */
export async function discover(view: ClusterView, hooks: DiscoveryHooks): Promise<void> {
  const candidates = view.all().sort(() => Math.random() - 0.5);
  candidates.sort((a, b) => Number(b.usable) - Number(a.usable));
  const errors: string[] = [];
  const causes: unknown[] = [];
  for (const node of candidates) {
    try {
      await hello(view, hooks, node);
    } catch (err) {
      hooks.failed(node, err);
      errors.push(`${node.address}: ${err instanceof Error ? err.message : String(err)}`);
      causes.push(err);
      continue;
    }
    await Promise.all(
      view
        .all()
        .filter((n) => n.id === undefined && n.up)
        .map((n) => hello(view, hooks, n).catch((err: unknown) => hooks.failed(n, err))),
    );
    return;
  }
  // The cause: the one node's error (whose cause is the system error), or all of them.
  throw new NoNodeAvailableError(`No Disque node answered (${errors.join('; ')})`, {
    cause: causes.length === 1 ? causes[0] : new AggregateError(causes, 'Every node failed'),
  });
}

/** Asks `node` for HELLO and merges the reply into the view. */
async function hello(view: ClusterView, hooks: DiscoveryHooks, node: NodeState): Promise<void> {
  const reply = await hooks.hello(node);
  // When another entry already has this id, `node` was a second address of that node: its
  // connections go to the entry that stays.
  const self = view.identify(node, reply.nodeId);
  if (self !== node) hooks.identified(node, self);
  hooks.up(self);
  if (hooks.merge) for (const added of view.merge(reply, self)) hooks.added(added);
  else self.priority = reply.nodes.find((n) => n.id === reply.nodeId)?.priority ?? self.priority;
}
