import { main } from '../../examples/funnel-worker.js';
import { disqueTarget } from '../helpers/target.js';
import { createdQueues, drainCreatedQueues } from '../helpers/cleanup.js';
import { parseNodeList } from '../../src/address.js';

// The examples use DISQUE_NODES when set, else an embedded server.
const realNodes = disqueTarget(1);
// The SIGTERM test leaves the jobs it gave back queued: empty its queues on a real node.
afterAll(async () => {
  if (realNodes) await drainCreatedQueues(parseNodeList(realNodes.join(',')));
});

describe('examples/funnel-worker', () => {
  test('processes the whole stream and exits', async () => {
    const result = await main({ jobs: 500 });
    createdQueues.add(result.queue);
    expect(result.processed).toBeGreaterThanOrEqual(500);
    expect(result.left).toBe(0);
  });

  test('SIGTERM mid-stream: jobs in hand finish, the rest goes back, nothing is lost', async () => {
    const before = process.listenerCount('SIGTERM');
    const run = main({ jobs: 3000, workMs: 10, exitWhenDone: false });
    // Once the worker listens for SIGTERM (the stream is produced), let it work a little.
    while (process.listenerCount('SIGTERM') === before) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    process.emit('SIGTERM');
    const { processed, left, queue } = await run;
    createdQueues.add(queue);
    expect(processed).toBeGreaterThan(0);
    expect(processed).toBeLessThan(3000);
    // Every job was either processed (acked) or is back in the queue.
    expect(processed + left).toBe(3000);
  });
});
