import net from 'node:net';
import { LeanWire, type LeanWireOptions } from '../../src/transport/lean.js';
import type { Recovery } from '../../src/transport/wire.js';
import * as C from '../../src/commands/index.js';
import { AuthError, ConnectionError, NoJobError, TimeoutError } from '../../src/errors.js';
import { ProtocolError } from '../../src/replies.js';
import { startServer } from '../../src/server/index.js';
import { startTestDisque, uniqueQueue, type TestDisque } from '../helpers/disque.js';
import { bulk, startFakeServer, type FakeServer } from '../helpers/fake-resp-server.js';
import { embeddedServer, fakeServer } from '../helpers/target.js';

embeddedServer('needs a node with requirepass', 'LeanConnection AUTH');
fakeServer('scripted faults', 'LeanConnection faults');

// The Pool's connection for the hot commands (see src/transport/lean.ts). Against the embedded
// server, or real Disque with DISQUE_NODES; the hostile cases use a fake server.
let disque: TestDisque;
const opened: LeanWire[] = [];

function lean(options: Partial<LeanWireOptions> = {}): LeanWire {
  const node = disque.nodes[0] as { host: string; port: number };
  const conn = new LeanWire({ host: node.host, port: node.port, connectTimeout: 2000, ...options });
  opened.push(conn);
  return conn;
}

beforeAll(async () => {
  disque = await startTestDisque();
});
afterEach(() => {
  for (const conn of opened.splice(0)) conn.destroy();
});
afterAll(async () => {
  await disque.close();
});

describe('LeanWire against Disque', () => {
  test('adds, gets and acks a job; typed error replies', async () => {
    const conn = lean();
    const q = uniqueQueue('lean');
    const id = await conn.exec(C.ADDJOB, q, 'hello', { replicate: 1 });
    const [job] = await conn.exec(C.GETJOB, [q], { nohang: true, withCounters: true });
    expect(job).toMatchObject({ id, queue: q, body: 'hello', nacks: 0 });
    expect(await conn.exec(C.ACKJOB, id)).toBe(1);
    await expect(conn.exec(C.WORKING, id)).rejects.toBeInstanceOf(NoJobError);
    expect(conn.inFlight).toBe(0);
  });

  test('1 000 commands pipelined come back in order', async () => {
    const conn = lean();
    const q = uniqueQueue('lean');
    const ids = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => conn.exec(C.ADDJOB, q, `body-${i}`, { replicate: 1 })),
    );
    expect(new Set(ids).size).toBe(1000);
    const jobs = await conn.exec(C.GETJOB, [q], { nohang: true, count: 1000 });
    expect(jobs.map((j) => j.body)).toEqual(Array.from({ length: 1000 }, (_, i) => `body-${i}`));
    expect(await conn.exec(C.FASTACK, ...ids)).toBe(1000);
  });

  test('binary bodies go and come back byte exact', async () => {
    const conn = lean();
    const q = uniqueQueue('lean');
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const id = await conn.exec(C.ADDJOB, q, body, { replicate: 1 });
    const [job] = await conn.exec(C.GETJOB_BUFFER, [q], { nohang: true });
    expect(job?.body).toEqual(body);
    await conn.exec(C.ACKJOB, id);
  });

  test('a blocked GETJOB is answered when a job comes on another connection', async () => {
    const consumer = lean();
    const producer = lean();
    const q = uniqueQueue('lean');
    const waiting = consumer.exec(C.GETJOB, [q], { timeout: 5000 });
    const id = await producer.exec(C.ADDJOB, q, 'late', { replicate: 1 });
    const [job] = await waiting;
    expect(job?.id).toBe(id);
    await producer.exec(C.ACKJOB, id);
  });

  test('destroy() fails what is in flight with a ConnectionError, and later calls too', async () => {
    const conn = lean();
    const waiting = conn.exec(C.GETJOB, [uniqueQueue('lean')], { timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    conn.destroy();
    await expect(waiting).rejects.toMatchObject({ name: 'ConnectionError', sent: true });
    await expect(conn.exec(C.QLEN, 'x')).rejects.toBeInstanceOf(ConnectionError);
    expect(conn.closed).toBe(true);
  });

  test('a Recovery takes a failed command over: once, after the wire is done, never for a reply', async () => {
    const conn = lean();
    const q = uniqueQueue('lean');
    const seen: unknown[] = [];
    let wireClosedWhenRecovering: boolean | undefined;
    // Stands in for any command's reply type: the calls below compare what comes back.
    const recovery = <R>(): Recovery<R> => ({
      recover(error: unknown): Promise<R> {
        seen.push(error);
        wireClosedWhenRecovering = conn.closed;
        return Promise.resolve('recovered' as R);
      },
    });
    // A reply: the recovery is not called.
    const id = await conn.run(C.ADDJOB, C.ADDJOB.args(q, 'x', { replicate: 1 }), 0, recovery());
    expect(id).toMatch(/^D-/);
    // An error reply: the call resolves to what the recovery makes of it.
    const refused = conn.run<unknown>(
      C.WORKING,
      C.WORKING.args('D-00000000-000000000000000000000000-0001'),
      0,
      {
        recover: (error) => Promise.resolve(`recovered from ${(error as Error).name}`),
      },
    );
    await expect(refused).resolves.toBe('recovered from NoJobError');
    // A dropped socket: called once per command in flight, after the wire failed them all.
    const blocked = conn.run(C.GETJOB, C.GETJOB.args([q + '-empty'], { timeout: 5000 }), 5000, recovery());
    await new Promise((resolve) => setTimeout(resolve, 50));
    conn.destroy();
    expect(seen).toEqual([]); // not synchronously inside destroy()
    await expect(blocked).resolves.toBe('recovered');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(ConnectionError);
    expect(wireClosedWhenRecovering).toBe(true);
    // A closed wire: the recovery still answers.
    await expect(conn.run(C.QLEN, C.QLEN.args(q), 0, recovery())).resolves.toBe('recovered');
    expect(seen).toHaveLength(2);
    await lean().exec(C.FASTACK, id);
  });
});

describe('LeanWire AUTH', () => {
  test('the right password works; a wrong one fails every command with AuthError, not echoing it', async () => {
    const server = await startServer({ port: 0, password: 's3cret-pw' });
    try {
      const good = new LeanWire({
        host: server.host,
        port: server.port,
        connectTimeout: 2000,
        password: 's3cret-pw',
      });
      opened.push(good);
      expect(await good.exec(C.QLEN, 'x')).toBe(0);
      const bad = new LeanWire({
        host: server.host,
        port: server.port,
        connectTimeout: 2000,
        password: 'wrong-pw',
      });
      opened.push(bad);
      const results = await Promise.allSettled([bad.exec(C.QLEN, 'x'), bad.exec(C.QLEN, 'y')]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        const reason = (result as PromiseRejectedResult).reason as Error;
        expect(reason).toBeInstanceOf(AuthError);
        expect(reason.message).not.toContain('wrong-pw');
      }
      expect(bad.closed).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('LeanWire faults', () => {
  let fake: FakeServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const to = (server: FakeServer, options: Partial<LeanWireOptions> = {}): LeanWire => {
    const conn = new LeanWire({
      host: '127.0.0.1',
      port: server.port,
      connectTimeout: 2000,
      ...options,
    });
    opened.push(conn);
    return conn;
  };

  test('a refused connection: ConnectionError, sent false (safe to send elsewhere)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const conn = new LeanWire({ host: '127.0.0.1', port, connectTimeout: 2000 });
    opened.push(conn);
    await expect(conn.exec(C.ADDJOB, 'q', 'x', {})).rejects.toMatchObject({
      name: 'ConnectionError',
      sent: false,
      node: `127.0.0.1:${port}`,
    });
  });

  test('a socket closed before the reply: ConnectionError, sent true', async () => {
    fake = await startFakeServer(() => ({ after: 'destroy' }));
    await expect(to(fake).exec(C.ADDJOB, 'q', 'x', {})).rejects.toMatchObject({
      name: 'ConnectionError',
      sent: true,
    });
  });

  test('half a reply then a close: ConnectionError, nothing resolved with half a value', async () => {
    fake = await startFakeServer(() => ({ bytes: '*3\r\n$1\r\nq\r\n$4\r\nD-12', after: 'end' }));
    await expect(to(fake).exec(C.GETJOB, ['q'], { nohang: true })).rejects.toBeInstanceOf(ConnectionError);
  });

  test('malformed bytes drop the connection: ConnectionError caused by a ProtocolError', async () => {
    fake = await startFakeServer(() => ({ bytes: '!garbage\r\n' }));
    const conn = to(fake);
    const error = await conn.exec(C.QLEN, 'q').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toBeInstanceOf(ProtocolError);
    expect(conn.closed).toBe(true);
  });

  test('a reply no command asked for drops the connection', async () => {
    fake = await startFakeServer(() => ({ bytes: ':1\r\n:2\r\n' }));
    const conn = to(fake);
    await expect(conn.exec(C.QLEN, 'q')).resolves.toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conn.closed).toBe(true);
    await expect(conn.exec(C.QLEN, 'q')).rejects.toBeInstanceOf(ConnectionError);
  });

  test('a wrong reply type is a ProtocolError for that command alone', async () => {
    fake = await startFakeServer((c) => ({ bytes: c.index === 1 ? bulk('not a number') : ':3\r\n' }));
    const conn = to(fake);
    await expect(conn.exec(C.QLEN, 'a')).rejects.toBeInstanceOf(ProtocolError);
    await expect(conn.exec(C.QLEN, 'b')).resolves.toBe(3);
  });

  test('no reply within commandTimeout: TimeoutError, the others fail and the socket is dropped', async () => {
    fake = await startFakeServer(() => ({}));
    const conn = to(fake, { commandTimeout: 200 });
    const started = Date.now();
    const [first, second] = await Promise.allSettled([conn.exec(C.QLEN, 'a'), conn.exec(C.QLEN, 'b')]);
    expect((first as PromiseRejectedResult).reason).toBeInstanceOf(TimeoutError);
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(conn.closed).toBe(true);
  });

  test('a blocking GETJOB gets its TIMEOUT on top of commandTimeout', async () => {
    fake = await startFakeServer(() => ({ bytes: '*-1\r\n', delay: 400 }));
    const conn = to(fake, { commandTimeout: 200 });
    await expect(conn.exec(C.GETJOB, ['q'], { timeout: 1000 })).resolves.toEqual([]);
  });
});
