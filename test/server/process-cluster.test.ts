/**
 * startCluster({ processes: true }): one disque-ts-server process per node (the built
 * dist/cjs/server/bin.js, so `npm run build` must have run), joined over the TCP cluster bus.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { ownServerBin } from '../../src/server/own-bin.js';
import { pickPort } from '../../src/server/process-cluster.js';
import { RespClient } from './helpers/resp-client.js';
import { eventually } from './helpers/eventually.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

jest.setTimeout(60000);

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

let cluster: ClusterHandle;
const clients: RespClient[] = [];
const client = (i: number): RespClient => {
  clients[i] ??= new RespClient(cluster.nodes[i]!.port);
  return clients[i]!;
};
const priorityOf = async (from: number, id: string): Promise<string | undefined> => {
  const hello = (await client(from).call('HELLO')) as unknown[];
  return (hello.slice(2) as string[][]).find((e) => e[0] === id)?.[3];
};

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3, processes: true, nodeTimeout: 1000 });
});
afterAll(async () => {
  for (const c of clients) c?.close();
  await cluster.close();
});

test('three processes form one cluster and replicate jobs between them', async () => {
  const pids = [0, 1, 2].map((i) => cluster.pid(i));
  expect(new Set([...pids, process.pid]).size).toBe(4);
  const hello = (await client(0).call('HELLO')) as unknown[];
  expect((hello.slice(2) as string[][]).map((e) => e[0]).sort()).toEqual(
    cluster.nodes.map((n) => n.nodeId).sort(),
  );
  const id = ((await client(0).call('ADDJOB', 'pq', 'x', 0, 'REPLICATE', 3)) as { status: string }).status;
  const show = (await client(2).call('SHOW', id)) as unknown[];
  expect(show[5]).toBe('active');
  expect((show[21] as string[]).length).toBe(3);
  expect(await client(1).call('GETJOB', 'TIMEOUT', 2000, 'FROM', 'pq')).toEqual([['pq', id, 'x']]);
  expect(await client(1).call('ACKJOB', id)).toBe(1);
  await eventually(async () => (await client(0).call('SHOW', id)) === null, 8000);
});

test('SIGKILL: peers see the link drop and FAIL; restart keeps the id (nodes.conf)', async () => {
  const victim = cluster.nodes[1]!.nodeId;
  clients[1]?.close();
  delete clients[1];
  await cluster.kill(1);
  expect(cluster.isRunning(1)).toBe(false);
  await eventually(async () => (await priorityOf(0, victim)) === '100', 10000, 50);
  await cluster.restart(1);
  expect(cluster.nodes[1]!.nodeId).toBe(victim);
  expect(await client(1).call('CLUSTER', 'MYID')).toBe(victim);
  await eventually(async () => (await priorityOf(0, victim)) === '1', 10000, 50);
});

test('restart with a wiped dir: a new id that meets the cluster again', async () => {
  const old = cluster.nodes[2]!.nodeId;
  clients[2]?.close();
  delete clients[2];
  await cluster.kill(2);
  await cluster.restart(2, { wipe: true });
  const fresh = cluster.nodes[2]!.nodeId;
  expect(fresh).not.toBe(old);
  await eventually(async () => (await priorityOf(0, fresh)) === '1', 10000, 50);
  expect(await priorityOf(2, cluster.nodes[0]!.nodeId)).toBe('1');
});

test('SIGTERM stops a node cleanly; CLUSTER LEAVING goes through the handle', async () => {
  await cluster.leave(0);
  expect(await client(0).call('CLUSTER', 'LEAVING')).toEqual({ status: 'yes' });
  await cluster.leave(0, false);
  await cluster.stop(0);
  expect(cluster.pid(0)).toBe(0);
});

test('disque-ts-server takes a config file and --directives; CONFIG REWRITE writes it back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disque-ts-bin-'));
  const port = await pickPort('127.0.0.1', new Set());
  const conf = path.join(dir, 'disque.conf');
  fs.writeFileSync(conf, `port ${port}\ndir ${dir}\nlogfile log.txt\nsome-future-directive 1\n`);
  const child = execFile(process.execPath, [ownServerBin(), conf, '--cluster-node-timeout', '2500'], {
    env: { ...process.env, DISQUE_APPENDONLY: 'yes' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  let c: RespClient | undefined;
  try {
    await eventually(() => canConnect(port), 10000, 100).catch((e: Error) => {
      throw new Error(`${e.message}; server output: ${output}`);
    });
    const conn = new RespClient(port);
    c = conn;
    expect(await conn.call('CONFIG', 'GET', 'cluster-node-timeout')).toEqual([
      'cluster-node-timeout',
      '2500',
    ]);
    expect(String(await conn.call('INFO', 'persistence'))).toContain('aof_state:on');
    expect(String(await conn.call('INFO', 'server'))).toContain(`config_file:${conf}`);
    expect(await conn.call('CONFIG', 'REWRITE')).toEqual({ status: 'OK' });
    const text = fs.readFileSync(conf, 'utf8');
    expect(text).toContain('some-future-directive 1\n');
    expect(text).toContain('cluster-node-timeout 2500\n');
    expect(text).toContain('appendonly yes\n');
    expect(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8')).toContain(
      'unknown directive `some-future-directive`',
    );
  } finally {
    c?.close();
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DISQUE_MEET: a new node process resolves the peer name, meets it and joins', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disque-ts-meet-'));
  const port = await pickPort('127.0.0.1', new Set());
  const peer = cluster.nodes[1]!;
  const child = execFile(process.execPath, [ownServerBin(), '--port', String(port), '--dir', dir], {
    env: { ...process.env, DISQUE_MEET: `localhost:${peer.port}` },
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await eventually(() => canConnect(port), 10000, 100);
    const c = new RespClient(port);
    try {
      const myId = (await c.call('CLUSTER', 'MYID')) as string;
      await eventually(async () => (await priorityOf(1, myId)) === '1', 15000, 100);
      const hello = (await c.call('HELLO')) as unknown[];
      expect((hello.slice(2) as string[][]).map((e) => e[0])).toContain(peer.nodeId);
    } finally {
      c.close();
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nodeArgs is for node processes only: an in-process cluster refuses it, naming it', async () => {
  await expect(startCluster({ nodes: 1, nodeArgs: () => ['--loglevel', 'debug'] })).rejects.toThrow(
    /`nodeArgs` only with `processes: true`/,
  );
});
