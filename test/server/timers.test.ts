import { startServer, type ServerHandle } from '../../src/server/index.js';
import { eventually } from './helpers/eventually.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

/** SHOW as a key → value map. */
async function show(c: RespClient, id: string): Promise<Record<string, unknown> | null> {
  const r = await c.call('SHOW', id);
  if (!Array.isArray(r)) return null;
  const o: Record<string, unknown> = {};
  for (let i = 0; i < r.length; i += 2) o[String(r[i])] = r[i + 1];
  return o;
}

const idOf = (r: unknown): string => (r as { status: string }).status;

describe('embedded server - timers (20x clock)', () => {
  let server: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    server = await startServer({ port: 0, timeScale: 20, queueIdleEvictMs: 1000 });
    c = new RespClient(server.port);
  });
  afterAll(async () => {
    c.close();
    await server.close();
  });

  test('an unacked job comes back after RETRY and counts an additional delivery', async () => {
    const id = idOf(await c.call('ADDJOB', 'rq', 'x', 0, 'RETRY', 2));
    expect(await c.call('GETJOB', 'NOHANG', 'FROM', 'rq')).toEqual([['rq', id, 'x']]);
    expect(await c.call('QLEN', 'rq')).toBe(0);
    await eventually(async () => (await c.call('QLEN', 'rq')) === 1, 2000);
    expect((await show(c, id))?.['additional-deliveries']).toBe(1);
  });

  test('a DELAYed job is active until the delay elapses, then queued', async () => {
    const id = idOf(await c.call('ADDJOB', 'dq', 'x', 0, 'DELAY', 3));
    expect((await show(c, id))?.['state']).toBe('active');
    expect(await c.call('QSTAT', 'dq')).toEqual({ nullArray: true });
    await eventually(async () => (await c.call('QLEN', 'dq')) === 1, 2000);
    expect((await show(c, id))?.['state']).toBe('queued');
  });

  test('a job is deleted when its TTL expires', async () => {
    const id = idOf(await c.call('ADDJOB', 'tq', 'x', 0, 'TTL', 3));
    expect(await show(c, id)).not.toBeNull();
    await eventually(async () => (await show(c, id)) === null, 2000);
    expect(await c.call('QLEN', 'tq')).toBe(0);
  });

  test('WORKING postpones the re-queue by a full RETRY; TOOLATE after half the TTL', async () => {
    const id = idOf(await c.call('ADDJOB', 'wq', 'x', 0, 'RETRY', 4, 'TTL', 10));
    expect(await c.call('WORKING', id)).toBe(4);
    const s = await show(c, id);
    expect(s?.['state']).toBe('active');
    expect(Number(s?.['next-requeue-within'])).toBeGreaterThan(3000);
    await eventually(
      async () => ((await c.call('WORKING', id)) as { error?: string }).error?.startsWith('TOOLATE') === true,
      2000,
    );
  });

  test('idle empty queues are evicted after queueIdleEvictMs; paused ones are kept', async () => {
    expect(await c.call('GETJOB', 'NOHANG', 'FROM', 'idle')).toEqual({ nullArray: true });
    expect(await c.call('PAUSE', 'kept', 'in')).toEqual({ status: 'in' });
    expect(await c.call('QSTAT', 'idle')).not.toEqual({ nullArray: true });
    await eventually(async () => Array.isArray(await c.call('QSTAT', 'idle')) === false, 2000);
    expect(Array.isArray(await c.call('QSTAT', 'kept'))).toBe(true);
  });

  test('GETJOB TIMEOUT is in server (virtual) milliseconds', async () => {
    const t0 = Date.now();
    expect(await c.call('GETJOB', 'TIMEOUT', 2000, 'FROM', 'never')).toEqual({ nullArray: true });
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
