import { Pool } from '../../src/pool.js';
import { connect } from '../../src/jobs.js';
import { Connection } from '../../src/connection.js';
import * as C from '../../src/commands/index.js';
import { listJobs, status, type ClusterStatus } from '../../src/status.js';
import { ArgumentError, NoNodeAvailableError } from '../../src/errors.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { uniqueQueue } from '../helpers/disque.js';

let cluster: TestCluster;
let pool: Pool;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  pool = await Pool.connect({ nodes: cluster.seeds, natMap: cluster.natMap, refreshInterval: 100 });
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await pool.close();
  await cluster.close();
});

/** The address (through its proxy) of node i. */
const address = (i: number): string => `127.0.0.1:${cluster.proxies[i]?.port}`;

const add = (i: number, queue: string, replicate = 1): Promise<string> =>
  pool.run(C.ADDJOB, [queue, `job on ${i}`, { replicate, retry: 60_000 }], {
    node: address(i),
    strict: true,
    retry: 'never',
  });

const queueOf = (s: ClusterStatus, name: string) => s.queues.find((q) => q.name === name);

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (ok(value) || i === 100) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('status', () => {
  test('every node, and each queue per node with cluster totals', async () => {
    const q = uniqueQueue('status');
    await add(0, q);
    await add(0, q);
    await add(1, q);
    const s = await status(pool);
    expect(s.nodes.map((n) => n.id).sort()).toEqual([...cluster.ids].sort());
    for (const node of s.nodes) {
      expect(node).toMatchObject({ reachable: true, leaving: false, error: undefined });
      expect(node.priority).toBeLessThan(100);
      expect(node.jobs).toBeGreaterThanOrEqual(0);
      expect(node.usedMemory).toBeGreaterThan(0);
      expect(node.version).toMatch(/\d/);
    }
    expect(s.nodes.find((n) => n.address === address(0))?.jobs).toBeGreaterThanOrEqual(2);
    const queue = queueOf(s, q);
    expect(queue).toMatchObject({ len: 3, jobsIn: 3, jobsOut: 0, blocked: 0, pause: 'none' });
    const lens = Object.fromEntries(queue?.nodes.map((n) => [n.address, n.len]) ?? []);
    expect(lens).toEqual({ [address(0)]: 2, [address(1)]: 1 });
    expect(queue?.nodes.find((n) => n.address === address(0))?.node).toBe(cluster.ids[0]);
  });

  test('a seed given by host name is one node, not two', async () => {
    const byName = await Pool.connect({
      nodes: cluster.proxies.map((p) => `localhost:${p.port}`).join(','),
      natMap: cluster.natMap,
    });
    opened.push(byName);
    const s = await status(byName);
    expect(s.nodes.map((n) => n.id).sort()).toEqual([...cluster.ids].sort());
    expect(s.nodes.every((n) => n.reachable)).toBe(true);
  });

  test('paused state per node; "mixed" until every node agrees', async () => {
    const q = uniqueQueue('paused');
    await add(0, q);
    await pool.run(C.PAUSE, [q, 'in'], { node: address(0), strict: true });
    try {
      const mixed = queueOf(await status(pool, { queues: [q] }), q);
      expect(mixed?.pause).toBe('mixed');
      expect(mixed?.nodes.find((n) => n.address === address(0))?.pause).toBe('in');
      await pool.run(C.PAUSE, [q, 'all', { bcast: true }], { node: address(0), strict: true });
      const all = await until(
        () => status(pool, { queues: [q] }),
        (s) => queueOf(s, q)?.pause === 'all',
      );
      expect(queueOf(all, q)?.pause).toBe('all');
    } finally {
      await pool.run(C.PAUSE, [q, 'none', { bcast: true }], { node: address(0), strict: true });
    }
  });

  test('counts consumers blocked on a queue, and jobs out', async () => {
    const q = uniqueQueue('blocked');
    const consumer = new Connection({ host: '127.0.0.1', port: cluster.proxies[1]?.port });
    opened.push(consumer);
    const got = consumer.getJob([q], { timeout: 10_000 });
    const blocked = await until(
      () => status(pool, { queues: [q] }),
      (s) => queueOf(s, q)?.blocked === 1,
    );
    expect(queueOf(blocked, q)?.nodes).toEqual([
      expect.objectContaining({ address: address(1), blocked: 1 }),
    ]);
    await add(1, q);
    const [job] = await got;
    await consumer.ackJob(job?.id ?? '');
    const after = queueOf(await status(pool, { queues: [q] }), q);
    expect(after).toMatchObject({ len: 0, blocked: 0, jobsIn: 1, jobsOut: 1 });
  });

  test('a node that cannot be reached is reported, not fatal', async () => {
    await cluster.cut(2);
    try {
      const s = await status(pool);
      const down = s.nodes.find((n) => n.address === address(2));
      expect(down).toMatchObject({ id: cluster.ids[2], reachable: false, jobs: undefined });
      expect(down?.error).toEqual(expect.any(String));
      expect(s.nodes.filter((n) => n.reachable)).toHaveLength(2);
    } finally {
      await cluster.restore(2);
    }
    const back = await until(
      () => status(pool),
      (s) => s.nodes.every((n) => n.reachable),
    );
    expect(back.nodes.every((n) => n.reachable)).toBe(true);
  });

  test('a leaving node is flagged', async () => {
    await cluster.leave(1);
    try {
      const s = await until(
        () => status(pool),
        (st) => st.nodes.find((n) => n.address === address(1))?.leaving === true,
      );
      expect(s.nodes.find((n) => n.address === address(1))).toMatchObject({ leaving: true, reachable: true });
      expect(s.nodes.filter((n) => n.leaving)).toHaveLength(1);
    } finally {
      await cluster.leave(1, false);
    }
  });

  test('accepts a Jobs handle; refuses anything else', async () => {
    const jobs = connect({ nodes: cluster.seeds, natMap: cluster.natMap, defaults: { replicate: 1 } });
    opened.push(jobs);
    const q = uniqueQueue('jobs');
    await jobs.add('x', q);
    expect(queueOf(await status(jobs, { queues: [q, uniqueQueue('none')] }), q)?.len).toBe(1);
    expect((await status(jobs, { queues: [q] })).queues.map((x) => x.name)).toEqual([q]);
    await expect(status({} as Pool)).rejects.toThrow(ArgumentError);
    await expect(status(pool, { queues: [''] })).rejects.toThrow(
      expect.objectContaining({ argument: 'options.queues[0]' }),
    );
  });

  test('no node reachable is NoNodeAvailableError', async () => {
    const lonely = new Pool({ nodes: '127.0.0.1:1', connectTimeout: 200, retries: 0 });
    opened.push(lonely);
    await expect(status(lonely)).rejects.toThrow(NoNodeAvailableError);
  });
});

describe('listJobs', () => {
  test('one entry per job however many copies, oldest first, filtered by state', async () => {
    const q = uniqueQueue('list');
    // A few ms apart: creation times are in ms, and each node counts within a ms on its own.
    const ids: string[] = [];
    for (const i of [0, 1, 2]) {
      ids.push(await add(i, q, 2));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const all = await listJobs(pool, { queue: q });
    expect(all.map((j) => j.id)).toEqual(ids);
    for (const job of all) {
      expect(job).toMatchObject({ queue: q, state: 'queued' });
      expect(job.seenOn).toHaveLength(2);
      expect(job.body).toMatch(/^job on \d$/);
    }
    expect((await listJobs(pool, { queue: q, limit: 2 })).map((j) => j.id)).toEqual(ids.slice(0, 2));
    // Take the first job without acking it: every copy is now active.
    await pool.run(C.DEQUEUE, [ids[0] as string], { node: address(0), strict: true });
    const queued = await listJobs(pool, { queue: q, states: ['queued'] });
    expect(queued.map((j) => j.id)).toEqual(ids.slice(1));
    const active = await listJobs(pool, { queue: q, states: ['active'] });
    expect(active.map((j) => j.id)).toEqual([ids[0]]);
    await pool.runByJob(C.FASTACK, ids);
    await expect(listJobs(pool, { states: ['nope' as never] })).rejects.toThrow(ArgumentError);
  });
});
