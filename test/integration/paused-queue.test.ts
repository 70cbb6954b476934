import { connect, type Jobs } from '../../src/jobs.js';
import { Connection } from '../../src/connection.js';
import { QLEN } from '../../src/commands/index.js';
import { PausedError } from '../../src/errors.js';
import { PAUSE_MEMORY } from '../../src/pool/paused-queues.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { uniqueQueue } from '../helpers/disque.js';

// A queue paused for input on one node: that node refuses ADDJOB (-PAUSED) and refuses to store
// replicas, so an ADDJOB elsewhere that needs its copy waits its whole timeout for -NOREPL.
let cluster: TestCluster;
let jobs: Jobs;
let node0: Connection;
const queues: string[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  jobs = connect({ nodes: cluster.seeds, natMap: cluster.natMap, minRetryDelay: 10 });
  await jobs.pool.ready();
  const [first] = cluster.nodes;
  node0 = new Connection({ host: first?.host, port: first?.port });
});
afterAll(async () => {
  // Paused queues are never evicted: resume them everywhere before emptying them.
  for (const q of queues) await node0.pause(q, 'none', { bcast: true });
  await node0.close();
  await jobs.close();
  await cluster.close();
});

/** A queue paused for input on node 0 only. */
async function pausedOnNode0(): Promise<string> {
  const q = uniqueQueue('paused');
  queues.push(q);
  expect(await node0.pause(q, 'in')).toBe('in');
  return q;
}

/** The outcome of one add, and how long it took. */
async function timedAdd(handle: Jobs, q: string): Promise<{ ms: number; result: unknown }> {
  const started = Date.now();
  const result = await handle.add('x', q).catch((err: unknown) => err);
  return { ms: Date.now() - started, result };
}

// An ADDJOB timeout far above what a direct answer takes: an outcome sooner than it did not wait
// for replication to time out.
const ADD_TIMEOUT = 4000;

describe('Pool - a queue paused on one node', () => {
  test('with 2 copies asked for, the other nodes take every job without waiting for a timeout', async () => {
    const q = await pausedOnNode0();
    const handle = jobs.replicate(2).timeout(ADD_TIMEOUT);
    for (let i = 0; i < 6; i++) {
      const { ms, result } = await timedAdd(handle, q);
      expect(typeof result).toBe('string');
      expect(ms).toBeLessThan(ADD_TIMEOUT);
    }
    expect(
      await jobs.pool.run(QLEN, [q], {
        node: cluster.ids[0],
        strict: true,
      }),
    ).toBe(0);
  });

  test('with the default 3 copies no node can take it: PausedError, at once after the first', async () => {
    const q = await pausedOnNode0();
    const handle = jobs.timeout(ADD_TIMEOUT);
    const first = await timedAdd(handle, q);
    expect(first.result).toBeInstanceOf(PausedError);
    // At most one replication timeout (when the first try went to a node that is not paused).
    expect(first.ms).toBeLessThan(ADD_TIMEOUT + 1500);
    for (let i = 0; i < 5; i++) {
      const { ms, result } = await timedAdd(handle, q);
      expect(result).toBeInstanceOf(PausedError);
      expect((result as PausedError).message).toMatch(/paused in input/);
      expect(ms).toBeLessThan(ADD_TIMEOUT);
    }
  });

  test('paused on every node: PausedError without waiting for a timeout', async () => {
    const q = await pausedOnNode0();
    await node0.pause(q, 'in', { bcast: true });
    for (let i = 0; i < 3; i++) {
      const { ms, result } = await timedAdd(jobs.timeout(ADD_TIMEOUT), q);
      expect(result).toBeInstanceOf(PausedError);
      expect(ms).toBeLessThan(ADD_TIMEOUT);
    }
  });

  test('once resumed, the node takes jobs again after the memory of its -PAUSED runs out', async () => {
    const q = await pausedOnNode0();
    expect((await timedAdd(jobs.timeout(ADD_TIMEOUT), q)).result).toBeInstanceOf(PausedError);
    await node0.pause(q, 'none');
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MEMORY + 100));
    const { result } = await timedAdd(jobs.timeout(ADD_TIMEOUT), q);
    expect(typeof result).toBe('string');
  });
});
