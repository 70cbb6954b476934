import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatNodesConf, readNodesConf } from '../../src/server/persistence.js';
import { startCluster, startServer } from '../../src/server/index.js';
import { RespClient } from './helpers/resp-client.js';
import { eventually } from './helpers/eventually.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disque-ts-persist-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('nodes.conf: own id, leaving flag and peers round-trip', () => {
  const conf = {
    myId: 'a'.repeat(40),
    leaving: true,
    peers: [{ id: 'b'.repeat(40), host: '10.0.0.2', port: 7712 }],
  };
  fs.writeFileSync(path.join(dir, 'nodes.conf'), formatNodesConf(conf));
  expect(readNodesConf(dir)).toEqual(conf);
  fs.writeFileSync(path.join(dir, 'nodes.conf'), 'garbage\n');
  expect(readNodesConf(dir)).toBeNull();
});

test('a node restarted on the same dir keeps its id; with appendonly its jobs survive', async () => {
  let server = await startServer({ port: 0, dir, appendonly: true, appendfsync: 'always' });
  const firstId = server.nodeId;
  let c = new RespClient(server.port);
  const once = ((await c.call('ADDJOB', 'pq', 'once', 0, 'RETRY', 0)) as { status: string }).status;
  // The at-most-once job is delivered: it must not come back after a restart.
  expect(await c.call('GETJOB', 'NOHANG', 'FROM', 'pq')).toEqual([['pq', once, 'once']]);
  const keep = ((await c.call('ADDJOB', 'pq', 'kept', 0)) as { status: string }).status;
  const acked = ((await c.call('ADDJOB', 'pq', 'acked', 0)) as { status: string }).status;
  expect(await c.call('ACKJOB', acked)).toBe(1);
  expect(String(await c.call('INFO', 'persistence'))).toContain('aof_state:on');
  c.close();
  await server.close();
  expect(readNodesConf(dir)?.myId).toBe(firstId);

  server = await startServer({ port: 0, dir, appendonly: true });
  c = new RespClient(server.port);
  try {
    expect(server.nodeId).toBe(firstId);
    expect(await c.call('QLEN', 'pq')).toBe(1);
    expect(((await c.call('SHOW', keep)) as unknown[])[5]).toBe('queued');
    // Acked on a lone node means deleted at once: the AOF's del record keeps it deleted.
    expect(await c.call('SHOW', acked)).toBeNull();
    const o = (await c.call('SHOW', once)) as unknown[] | null;
    expect(o === null || o[5] !== 'queued').toBe(true);
  } finally {
    c.close();
    await server.close();
  }

  // Without appendonly the identity survives, the jobs do not.
  server = await startServer({ port: 0, dir });
  c = new RespClient(server.port);
  try {
    expect(server.nodeId).toBe(firstId);
    await eventually(async () => (await c.call('QLEN', 'pq')) === 0);
  } finally {
    c.close();
    await server.close();
  }
});

test('in-process cluster with dir and appendonly: a restarted node gets its jobs back from its AOF', async () => {
  const cluster = await startCluster({ nodes: 2, dir, appendonly: true, appendfsync: 'always' });
  try {
    let c = new RespClient(cluster.nodes[0]!.port);
    const id = ((await c.call('ADDJOB', 'cq', 'survivor', 0, 'REPLICATE', 2)) as { status: string }).status;
    c.close();
    expect(fs.existsSync(path.join(dir, 'node-0', 'nodes.conf'))).toBe(true);
    await cluster.stop(0);
    await cluster.restart(0);
    c = new RespClient(cluster.nodes[0]!.port);
    try {
      expect(await c.call('QLEN', 'cq')).toBe(1);
      expect(((await c.call('SHOW', id)) as unknown[])[5]).toBe('queued');
    } finally {
      c.close();
    }
  } finally {
    await cluster.close();
  }
});
