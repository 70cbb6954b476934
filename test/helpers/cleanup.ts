import { Connection } from '../../src/connection.js';
import type { NodeAddress } from '../../src/address.js';

/** Queues the tests of this file made (uniqueQueue): emptied on real nodes when the file ends. */
export const createdQueues = new Set<string>();

/**
 * Deletes every job of the queues the tests created, on each node (DELJOB removes a node's own
 * copy only, so every node is visited). Real Disque nodes outlive the test run; the embedded
 * server does not, so this is for real nodes. Returns how many copies were deleted.
 */
export async function drainCreatedQueues(nodes: readonly NodeAddress[]): Promise<number> {
  if (createdQueues.size === 0) return 0;
  let deleted = 0;
  for (const node of nodes) {
    const conn = new Connection({ host: node.host, port: node.port });
    try {
      for (const queue of createdQueues) {
        const ids: string[] = [];
        for await (const id of conn.scanJobIds({ queue })) ids.push(id);
        for (let i = 0; i < ids.length; i += 500) deleted += await conn.delJob(...ids.slice(i, i + 500));
      }
    } finally {
      await conn.close();
    }
  }
  createdQueues.clear();
  return deleted;
}
