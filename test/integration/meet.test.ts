import net from 'node:net';
import { meet, meetFromEnv } from '../../src/meet.js';
import { Connection } from '../../src/connection.js';
import { ArgumentError, AuthError, TimeoutError } from '../../src/errors.js';
import { startServer, startCluster, type ServerHandle } from '../../src/server/index.js';
import { realClusterNodes } from '../helpers/cluster.js';
import { disqueTarget, embeddedServer } from '../helpers/target.js';

embeddedServer('meet() joins fresh nodes that it starts');
disqueTarget(3, 'meet an already formed cluster');

const servers: ServerHandle[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: { port?: number; password?: string } = {}): Promise<ServerHandle> {
  const server = await startServer({ port: 0, ...options });
  servers.push(server);
  return server;
}

/** A port nobody listens on (just released by the OS). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function helloIds(port: number, password?: string): Promise<string[]> {
  const conn = new Connection({ port, ...(password ? { password } : {}) });
  try {
    return (await conn.hello()).nodes.map((n) => n.id).sort();
  } finally {
    await conn.close();
  }
}

describe('meet', () => {
  test('joins three separate nodes given by host name; every HELLO lists all three', async () => {
    const [a, b, c] = [await start(), await start(), await start()] as const;
    expect(await helloIds(a.port)).toEqual([a.nodeId]);
    const result = await meet(`localhost:${a.port}`, [`127.0.0.1:${b.port}`, `localhost:${c.port}`], {
      timeout: 10_000,
    });
    const ids = [a.nodeId, b.nodeId, c.nodeId].sort();
    for (const s of [a, b, c]) expect(await helloIds(s.port)).toEqual(ids);
    expect(result.nodes.map((n) => n.id)).toEqual([a.nodeId, b.nodeId, c.nodeId]);
    expect(result.nodes[0]).toEqual({ id: a.nodeId, host: 'localhost', ip: '127.0.0.1', port: a.port });
    expect(result.met.map((n) => n.id)).toEqual([b.nodeId, c.nodeId]);
    // Again: nothing to do, and no MEET is sent.
    const again = await meet(`127.0.0.1:${b.port}`, [`localhost:${a.port}`, `localhost:${c.port}`]);
    expect(again.met).toEqual([]);
  });

  test('waits for a peer that starts later', async () => {
    const a = await start();
    const port = await freePort();
    const joining = meet(`127.0.0.1:${a.port}`, [`localhost:${port}`], { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await start({ port });
    const result = await joining;
    expect(result.met.map((n) => n.id)).toEqual([late.nodeId]);
    expect(await helloIds(late.port)).toEqual([a.nodeId, late.nodeId].sort());
  });

  test('a host name that never resolves is an ArgumentError naming it', async () => {
    const a = await start();
    const err = await meet(`127.0.0.1:${a.port}`, ['127.0.0.1:1', 'no-such-host.invalid:7711'], {
      timeout: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err).toMatchObject({ argument: 'peers[1]' });
    expect((err as Error).message).toContain('no-such-host.invalid');
  });

  test('a peer that never answers is a TimeoutError naming it', async () => {
    const a = await start();
    const port = await freePort();
    const started = Date.now();
    const err = await meet(`127.0.0.1:${a.port}`, [`127.0.0.1:${port}`], { timeout: 500 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a wrong password fails at once with AuthError; the right one works', async () => {
    const a = await start({ password: 'pw' });
    const b = await start({ password: 'pw' });
    const started = Date.now();
    await expect(meet(`127.0.0.1:${a.port}`, [`127.0.0.1:${b.port}`], { timeout: 5000 })).rejects.toThrow(
      AuthError,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    await meet(`127.0.0.1:${a.port}`, [`127.0.0.1:${b.port}`], { password: 'pw' });
    expect(await helloIds(b.port, 'pw')).toHaveLength(2);
  });

  test('bad arguments are ArgumentErrors', async () => {
    await expect(meet('', [])).rejects.toThrow(expect.objectContaining({ argument: 'seed' }));
    await expect(meet('127.0.0.1:7711', ['a:b'])).rejects.toThrow(
      expect.objectContaining({ argument: 'peers[0]' }),
    );
    await expect(meet('127.0.0.1:7711', [], { timeout: -1 })).rejects.toThrow(
      expect.objectContaining({ argument: 'options.timeout' }),
    );
  });

  test('an already formed cluster resolves at once with nothing to meet', async () => {
    const real = realClusterNodes();
    const cluster = real ? undefined : await startCluster({ nodes: 3 });
    try {
      const nodes = real ?? cluster?.nodes ?? [];
      const [seed, ...peers] = nodes.map((n) => `${n.host}:${n.port}`) as [string, ...string[]];
      const result = await meet(seed, peers, { timeout: 10_000 });
      expect(result.met).toEqual([]);
      expect(new Set(result.nodes.map((n) => n.id)).size).toBe(3);
    } finally {
      await cluster?.close();
    }
  });
});

describe('meetFromEnv', () => {
  test('DISQUE_MEET drives meet: the first entry is the seed', async () => {
    const [a, b] = [await start(), await start()] as const;
    const env = { DISQUE_MEET: ` localhost:${a.port}   127.0.0.1:${b.port} ` };
    const result = await meetFromEnv({ env, timeout: 10_000 });
    expect(result?.nodes.map((n) => n.id)).toEqual([a.nodeId, b.nodeId]);
    expect(await helloIds(b.port)).toEqual([a.nodeId, b.nodeId].sort());
  });

  test('unset or empty DISQUE_MEET does nothing; a bad entry is named', async () => {
    await expect(meetFromEnv({ env: {} })).resolves.toBeUndefined();
    await expect(meetFromEnv({ env: { DISQUE_MEET: '  ' } })).resolves.toBeUndefined();
    await expect(meetFromEnv({ env: { DISQUE_MEET: '127.0.0.1:7711 host:0' } })).rejects.toThrow(
      expect.objectContaining({ argument: 'DISQUE_MEET[1]' }),
    );
  });
});
