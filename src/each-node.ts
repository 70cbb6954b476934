/**
 * Running a command on each node of the cluster: for the CLI commands and the dashboard pages that look at every node.
 * @internal
 * @module
 */
import type { Command } from './commands/types.js';
import type { NodeView } from './nodes.js';
import type { Pool } from './pool.js';

/** The nodes that answer, after a fresh HELLO, sorted by address. @internal */
export async function reachableNodes(pool: Pool): Promise<NodeView[]> {
  await pool.ready();
  await pool.refresh();
  return pool
    .nodes()
    .filter((n) => n.up && n.id !== undefined)
    .sort((a, b) => a.address.localeCompare(b.address));
}

/** Runs a command on exactly this node (no failover, no retry). @internal */
export function onNode<A extends readonly unknown[], R>(
  pool: Pool,
  node: NodeView,
  command: Command<A, R>,
  args: A,
): Promise<R> {
  return pool.run(command, args, { node: node.address, strict: true, retry: 'never' });
}
