import { Pool } from '../../src/pool.js';
import * as C from '../../src/commands/index.js';
import { jobIdNodePrefix } from '../../src/job-id.js';
import { ArgumentError, NoNodeAvailableError } from '../../src/errors.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { uniqueQueue } from '../helpers/disque.js';

let cluster: TestCluster;
const pools: Pool[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(() => cluster.close());
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (let i = 0; i < 3; i++) await cluster.restore(i);
});

function pool(options: ConstructorParameters<typeof Pool>[0] = {}): Pool {
  const p = new Pool({
    nodes: cluster.seeds,
    natMap: cluster.natMap,
    refreshInterval: 200,
    minRetryDelay: 20,
    ...options,
  });
  pools.push(p);
  return p;
}

const prefix = (i: number) => (cluster.ids[i] as string).slice(0, 8);

describe('Pool - discovery and node choice', () => {
  test('discovers every node from one seed, through the NAT map', async () => {
    const p = pool({ nodes: `127.0.0.1:${cluster.proxies[1]?.port}` });
    await p.ready();
    const nodes = p.nodes();
    expect(nodes.map((n) => n.id).sort()).toEqual([...cluster.ids].sort());
    expect(nodes.map((n) => n.port).sort()).toEqual(cluster.proxies.map((x) => x.port).sort());
    expect(nodes.every((n) => n.up && n.priority === 1)).toBe(true);
  });

  test('seeds given by host name are listed once per node', async () => {
    // HELLO reports 127.0.0.1 (through the NAT map) for nodes the seeds call localhost.
    const byName = cluster.proxies.map((x) => `localhost:${x.port}`);
    const p = pool({ nodes: byName.join(',') });
    await p.ready();
    const nodes = p.nodes();
    expect(nodes).toHaveLength(3);
    expect(nodes.map((n) => n.id).sort()).toStrictEqual([...cluster.ids].sort());
    expect(p.stats()).toHaveLength(3);
    // A seed's own address still picks its node.
    const id = await p.run(C.CLUSTER_MYID, [], { node: byName[1], strict: true });
    expect(id).toBe(nodes.find((n) => n.port === cluster.proxies[1]?.port)?.id);
  });

  test('spreads shared commands over the nodes', async () => {
    const p = pool();
    const q = uniqueQueue();
    const ids = await Promise.all(
      Array.from({ length: 60 }, () => p.run(C.ADDJOB, [q, 'x', { replicate: 1 }], { retry: 'unsent' })),
    );
    const producers = new Set(ids.map(jobIdNodePrefix));
    expect(producers.size).toBeGreaterThanOrEqual(2);
    await p.runByJob(C.FASTACK, ids);
  });

  test('commands about a job go to the node that created it', async () => {
    const p = pool();
    const q = uniqueQueue();
    const id = await p.run(C.ADDJOB, [q, 'x', { replicate: 1 }], { node: prefix(2) });
    expect(jobIdNodePrefix(id)).toBe(prefix(2));
    // Only node 2 holds the job (REPLICATE 1): SHOW can only succeed there.
    expect((await p.runOnJob(C.SHOW, id))?.state).toBe('queued');
    expect(await p.runByJob(C.FASTACK, [id])).toBe(1);
  });

  test('no reachable seed gives NoNodeAvailableError, not a hang', async () => {
    const p = new Pool({ nodes: '127.0.0.1:1', connectTimeout: 200 });
    pools.push(p);
    await expect(p.ready()).rejects.toBeInstanceOf(NoNodeAvailableError);
  });

  test('bad options are ArgumentErrors naming the option', () => {
    expect(() => new Pool({ nodes: 'a:1,b:x' })).toThrow(
      expect.objectContaining({ argument: 'options.nodes[1]' }),
    );
    expect(() => new Pool({ max: 0 })).toThrow(ArgumentError);
    expect(() => new Pool({ colour: 1 } as never)).toThrow(
      expect.objectContaining({ argument: 'options.colour' }),
    );
  });
});

describe('Pool - failures', () => {
  test('a node cut mid-stream: every add still succeeds, and the node comes back', async () => {
    const p = pool();
    await p.ready();
    const downs: string[] = [];
    const ups: string[] = [];
    p.on('node:down', (n) => downs.push(n.id ?? ''));
    p.on('node:up', (n) => ups.push(n.id ?? ''));
    const q = uniqueQueue();
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      if (i === 50) await cluster.cut(0);
      if (i === 100) await cluster.restore(0);
      ids.push(await p.run(C.ADDJOB, [q, `job ${i}`, { replicate: 2 }], { retry: 'at-least-once' }));
    }
    expect(ids).toHaveLength(150);
    expect(downs).toContain(cluster.ids[0]);
    await waitFor(() => p.nodes().every((n) => n.up));
    expect(ups).toContain(cluster.ids[0]);
    await p.runByJob(C.FASTACK, ids);
  });

  test('a blocked GETJOB whose node is cut is re-issued elsewhere', async () => {
    const p = pool();
    await p.ready();
    const affinity = p.affinity();
    affinity.preferred = prefix(0);
    const q = uniqueQueue();
    const pending = p.getJob([q], { timeout: 10_000 }, { affinity });
    await waitFor(() => p.stats().some((s) => s.inUse === 1));
    await cluster.cut(0);
    await waitFor(() => p.stats().some((s) => s.inUse === 1 && s.node.id !== cluster.ids[0]));
    const id = await p.run(C.ADDJOB, [q, 'after', { replicate: 2 }], { node: prefix(1) });
    // Wherever the consumer re-blocked, the job reaches it (directly or by federation).
    const jobs = await pending;
    expect(jobs.map((j) => j.id)).toEqual([id]);
    await p.runByJob(C.ACKJOB, [id]);
  });

  test('a leaving node is skipped: GETJOB -LEAVING is retried on another node', async () => {
    const p = pool();
    await p.ready();
    await cluster.leave(0);
    try {
      const affinity = p.affinity();
      affinity.preferred = prefix(0);
      const q = uniqueQueue();
      const id = await p.run(C.ADDJOB, [q, 'x', { replicate: 2 }], { node: prefix(1) });
      const jobs = await p.getJob([q], { timeout: 8000 }, { affinity });
      expect(jobs.map((j) => j.id)).toEqual([id]);
      await p.runByJob(C.ACKJOB, [id]);
    } finally {
      await cluster.leave(0, false);
    }
  });

  test('aborting a blocked GETJOB destroys its connection, so it cannot take a later job', async () => {
    const p = pool();
    await p.ready();
    const affinity = p.affinity();
    affinity.preferred = prefix(1);
    const q = uniqueQueue();
    const controller = new AbortController();
    const pending = p.getJob([q], {}, { signal: controller.signal, affinity });
    await waitFor(() => p.stats().some((s) => s.inUse === 1));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(p.stats().every((s) => s.inUse === 0)).toBe(true);
    // The server notices the closed socket and forgets the blocked client.
    await waitForAsync(async () => (await p.run(C.QSTAT, [q], { node: prefix(1) }))?.blocked === 0);
    const id = await p.run(C.ADDJOB, [q, 'x', { replicate: 1 }], { node: prefix(1) });
    await new Promise((r) => setTimeout(r, 100));
    expect((await p.runOnJob(C.SHOW, id))?.state).toBe('queued');
    await p.runByJob(C.FASTACK, [id]);
  });

  test('a blocking call that cannot get an exclusive connection in acquireTimeoutMillis: TimeoutError', async () => {
    // One node (no discovery), so that both calls need the same node's only connection.
    const p = pool({
      nodes: `127.0.0.1:${cluster.proxies[0]?.port}`,
      discover: false,
      max: 1,
      acquireTimeoutMillis: 200,
    });
    await p.ready();
    const q = uniqueQueue();
    const holding = p.getJob([q], { timeout: 1500 }); // takes the only exclusive connection
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await expect(p.getJob([q], { timeout: 1000 })).rejects.toThrow(
      /No exclusive connection became free within acquireTimeoutMillis/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await holding).toEqual([]);
    // Once the first call is over, its connection serves the next one.
    expect(await p.getJob([q], { timeout: 100 })).toEqual([]);
  });

  test('no connection leaks after 10 000 failing blocking calls', async () => {
    const p = pool({ max: 8, acquireTimeoutMillis: 5000 });
    await p.ready();
    const q = uniqueQueue();
    let failures = 0;
    // Each call is abandoned at a different point: before it starts, while it waits for one of the
    // 8 connections, or while its GETJOB is blocked on the server.
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) => {
          const controller = new AbortController();
          if (i % 5 === 0) controller.abort(new Error('early'));
          else if (i % 5 === 1) queueMicrotask(() => controller.abort(new Error('waiting')));
          else setTimeout(() => controller.abort(new Error('blocked')), i % 3);
          return p.getJob([q], {}, { signal: controller.signal }).then(
            () => undefined,
            () => failures++,
          );
        }),
      );
    }
    expect(failures).toBe(10_000);
    await waitFor(() => p.stats().every((s) => s.inUse === 0 && s.pending === 0));
    const total = p.stats().reduce((n, s) => n + s.inUse + s.idle, 0);
    expect(total).toBeLessThanOrEqual(8 * 3);
    // The pool still works afterwards.
    const id = await p.run(C.ADDJOB, [q, 'after the storm', { replicate: 1 }]);
    const jobs = await p.getJob([q], { timeout: 5000 });
    expect(jobs.map((j) => j.id)).toEqual([id]);
    await p.runByJob(C.ACKJOB, [id]);
  });
});

describe('Pool - node affinity', () => {
  test('a consumer moves to the node producing its jobs', async () => {
    const p = pool();
    await p.ready();
    const switches: { from: string | undefined; to: string }[] = [];
    p.on('node:switch', (s) => switches.push(s));
    const affinity = p.affinity({ minSamples: 5 });
    const q = uniqueQueue();
    const producer = prefix(1);
    for (let i = 0; i < 20; i++) await p.run(C.ADDJOB, [q, `j${i}`, { replicate: 1 }], { node: producer });
    const seen: string[] = [];
    while (seen.length < 20) {
      const jobs = await p.getJob([q], { timeout: 5000, count: 5 }, { affinity });
      seen.push(...jobs.map((j) => j.id));
    }
    await p.runByJob(C.FASTACK, seen);
    expect(affinity.preferred).toBe(producer);
    expect(switches.at(-1)).toEqual({ from: undefined, to: producer });
  });

  test('a consumer leaves its node when the queue is empty there and has jobs elsewhere', async () => {
    const p = pool();
    await p.ready();
    const switches: { from: string | undefined; to: string }[] = [];
    p.on('node:switch', (s) => switches.push(s));
    const affinity = p.affinity();
    affinity.preferred = prefix(0);
    const q = uniqueQueue();
    // Node 0 asks the cluster for jobs of the queue now, while there are none, and then backs off
    // (its next cluster-wide request is 4 s away, as in Disque): federation alone is slow.
    expect(await p.getJob([q], { timeout: 200 }, { affinity })).toEqual([]);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(await p.run(C.ADDJOB, [q, `j${i}`, { replicate: 1 }], { node: prefix(1) }));
    const started = Date.now();
    const jobs = await p.getJob([q], { timeout: 3000, count: 20 }, { affinity });
    const elapsed = Date.now() - started;
    expect(jobs.length).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(2500);
    // The jobs it got there were made there: node 1 is its node now.
    expect(affinity.preferred).toBe(prefix(1));
    expect(switches).toEqual([{ from: prefix(0), to: prefix(1) }]);
    await p.runByJob(C.FASTACK, ids);
  });
});

async function waitForAsync(check: () => Promise<boolean>, timeout = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeout) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitFor(check: () => boolean, timeout = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeout) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
