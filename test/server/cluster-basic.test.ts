import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

describe('embedded cluster - basics', () => {
  let cluster: ClusterHandle;
  const clients: RespClient[] = [];
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    for (const n of cluster.nodes) clients.push(new RespClient(n.port));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster.close();
  });

  test('HELLO lists every node with 127.0.0.1 and priority 1', async () => {
    const hello = (await clients[0]!.call('HELLO')) as unknown[];
    expect(hello[1]).toBe(cluster.nodes[0]!.nodeId);
    const entries = (hello.slice(2) as string[][]).map((e) => e.join(' ')).sort();
    const expected = cluster.nodes.map((n) => `${n.nodeId} 127.0.0.1 ${n.port} 1`).sort();
    expect(entries).toEqual(expected);
  });

  test('ADDJOB replicates to every node (default REPLICATE 3); replicas hold it active', async () => {
    const id = ((await clients[0]!.call('ADDJOB', 'cq', 'body', 1000)) as { status: string }).status;
    const origin = (await clients[0]!.call('SHOW', id)) as unknown[];
    expect(origin[5]).toBe('queued');
    expect((origin[21] as string[]).length).toBe(3);
    const replica = (await clients[1]!.call('SHOW', id)) as unknown[];
    expect(replica[5]).toBe('active');
    expect(await clients[1]!.call('QLEN', 'cq')).toBe(0);
  });

  test('federation: GETJOB on another node imports the job', async () => {
    const id = ((await clients[0]!.call('ADDJOB', 'fq', 'x', 0, 'REPLICATE', 1)) as { status: string })
      .status;
    const got = await clients[2]!.call('GETJOB', 'TIMEOUT', 3000, 'FROM', 'fq');
    expect(got).toEqual([['fq', id, 'x']]);
  });
});
