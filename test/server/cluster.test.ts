import { startCluster, startServer, type ClusterHandle, type ServerHandle } from '../../src/server/index.js';
import { eventually } from './helpers/eventually.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

const idOf = (r: unknown): string => (r as { status: string }).status;

/** HELLO as nodeId → priority. */
async function priorities(c: RespClient): Promise<Record<string, string>> {
  const hello = (await c.call('HELLO')) as unknown[];
  const out: Record<string, string> = {};
  for (const e of hello.slice(2) as string[][]) out[e[0]!] = e[3]!;
  return out;
}

describe('CLUSTER MEET between separately started servers', () => {
  const servers: ServerHandle[] = [];
  const clients: RespClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  test('joins them into a full mesh, and a MEET to an address nobody listens on never completes', async () => {
    for (let i = 0; i < 3; i++) servers.push(await startServer({ port: 0 }));
    for (const s of servers) clients.push(new RespClient(s.port));
    const [a, b, c] = clients as [RespClient, RespClient, RespClient];
    expect(await a.call('CLUSTER', 'MEET', '127.0.0.1', servers[1]!.port)).toEqual({ status: 'OK' });
    expect(await a.call('CLUSTER', 'MEET', '127.0.0.1', servers[2]!.port)).toEqual({ status: 'OK' });
    for (const x of [a, b, c]) {
      await eventually(async () =>
        String(await x.call('CLUSTER', 'INFO')).includes('cluster_reachable_nodes:2'),
      );
    }
    const hello = (await b.call('HELLO')) as unknown[];
    expect(hello.slice(2).map((e) => (e as string[])[1])).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    // Default REPLICATE is now 3.
    const id = idOf(await a.call('ADDJOB', 'mq', 'x', 1000));
    expect(((await c.call('SHOW', id)) as unknown[])[5]).toBe('active');

    const lonely = await startServer({ port: 0 });
    servers.push(lonely);
    const l = new RespClient(lonely.port);
    clients.push(l);
    expect(await l.call('CLUSTER', 'MEET', '127.0.0.1', 1)).toEqual({ status: 'OK' });
    await new Promise((r) => setTimeout(r, 250));
    expect(String(await l.call('CLUSTER', 'NODES'))).toContain('handshake');
    expect(String(await l.call('CLUSTER', 'INFO'))).toContain('cluster_size:1');
  });
});

describe('startCluster - failures, restarts, leaving', () => {
  let cluster: ClusterHandle;
  const clients: RespClient[] = [];
  const conn = (i: number): RespClient => {
    const c = new RespClient(cluster.nodes[i]!.port);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, nodeTimeout: 400 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster.close();
  });

  test('ACKJOB propagates: every copy is garbage collected', async () => {
    const [a, b, c] = [conn(0), conn(1), conn(2)];
    const id = idOf(await a.call('ADDJOB', 'aq', 'x', 0));
    expect(await b.call('ACKJOB', id)).toBe(1);
    for (const x of [a, b, c]) await eventually(async () => (await x.call('SHOW', id)) === null);
  });

  test('PAUSE bcast reaches the other nodes', async () => {
    const [a, b] = [conn(0), conn(2)];
    expect(await a.call('PAUSE', 'pq', 'out', 'bcast')).toEqual({ status: 'out' });
    await eventually(async () => JSON.stringify(await b.call('PAUSE', 'pq', 'state')) === '{"status":"out"}');
  });

  test('a stopped node gets priority 5, then PFAIL/FAIL; restarted it comes back empty', async () => {
    const a = conn(0);
    const c = conn(2);
    const dead = cluster.nodes[2]!.nodeId;
    const id = idOf(await c.call('ADDJOB', 'lost', 'x', 0, 'REPLICATE', 1));
    await cluster.stop(2);
    expect(cluster.isRunning(2)).toBe(false);
    await eventually(async () => (await priorities(a))[dead] === '5', 1000);
    await eventually(async () => (await priorities(a))[dead] === '100', 5000);
    expect(String(await a.call('CLUSTER', 'NODES'))).toMatch(new RegExp(`${dead} .* fail `));
    expect(await a.call('ADDJOB', 'q', 'x', 0)).toEqual({
      error: 'NOREPL Not enough reachable nodes for the requested replication level',
    });

    await cluster.restart(2);
    const c2 = conn(2);
    expect(await c2.call('CLUSTER', 'MYID')).toBe(dead);
    expect(await c2.call('SHOW', id)).toBeNull();
    await eventually(async () => (await priorities(a))[dead] === '1', 3000);
    await eventually(async () => Object.keys(await priorities(c2)).length === 3, 3000);
  });

  test('leave(i) makes a node advertise priority 100 and refuse to block', async () => {
    const b = conn(1);
    const a = conn(0);
    await cluster.leave(1);
    expect((await priorities(b))[cluster.nodes[1]!.nodeId]).toBe('100');
    expect(await b.call('GETJOB', 'FROM', 'x')).toEqual({
      error: 'LEAVING This node is leaving the cluster, please connect to a different one',
    });
    await eventually(async () => (await priorities(a))[cluster.nodes[1]!.nodeId] === '100', 3000);
    await cluster.leave(1, false);
    await eventually(async () => (await priorities(a))[cluster.nodes[1]!.nodeId] === '1', 3000);
  });
});

describe('startCluster - a job whose queued copy died is re-queued by a replica', () => {
  let cluster: ClusterHandle;
  const clients: RespClient[] = [];
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, timeScale: 10 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster.close();
  });

  test('after RETRY a surviving replica queues it and serves it', async () => {
    const a = new RespClient(cluster.nodes[0]!.port);
    const b = new RespClient(cluster.nodes[1]!.port);
    clients.push(a, b);
    const id = idOf(await a.call('ADDJOB', 'rq', 'payload', 0, 'RETRY', 3));
    expect(((await b.call('SHOW', id)) as unknown[])[5]).toBe('active');
    await cluster.stop(0);
    expect(await b.call('GETJOB', 'TIMEOUT', 10000, 'FROM', 'rq')).toEqual([['rq', id, 'payload']]);
  });
});

describe('startCluster - SHUTDOWN', () => {
  let cluster: ClusterHandle;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
  });
  afterAll(() => cluster.close());

  test('SHUTDOWN stops the node like stop(i); restart(i) brings it back', async () => {
    const c = new RespClient(cluster.nodes[1]!.port);
    await expect(c.call('SHUTDOWN')).rejects.toThrow('connection closed');
    await eventually(async () => !cluster.isRunning(1), 1000);
    await cluster.restart(1);
    expect(cluster.isRunning(1)).toBe(true);
    const c2 = new RespClient(cluster.nodes[1]!.port);
    expect(await c2.call('PING')).toEqual({ status: 'PONG' });
    c2.close();
  });
});
