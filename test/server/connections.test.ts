import net from 'node:net';
import { startServer, type ServerHandle } from '../../src/server/index.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

describe('embedded server - connections', () => {
  let server: ServerHandle;
  const clients: RespClient[] = [];
  const client = (): RespClient => {
    const c = new RespClient(server.port);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    server = await startServer({ port: 0 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  test('a blocked GETJOB does not stall other clients, and blocked clients are served FIFO', async () => {
    const w1 = client();
    const w2 = client();
    const main = client();
    const first = w1.call('GETJOB', 'FROM', 'fifo');
    await main.call('PING');
    const second = w2.call('GETJOB', 'COUNT', 5, 'FROM', 'fifo');
    expect(await main.call('PING')).toEqual({ status: 'PONG' });
    const qstat = (await main.call('QSTAT', 'fifo')) as unknown[];
    expect(qstat[9]).toBe(2);
    const a = ((await main.call('ADDJOB', 'fifo', 'one', 0)) as { status: string }).status;
    const b = ((await main.call('ADDJOB', 'fifo', 'two', 0)) as { status: string }).status;
    expect(await first).toEqual([['fifo', a, 'one']]);
    // A woken client gets exactly one job whatever its COUNT.
    expect(await second).toEqual([['fifo', b, 'two']]);
  });

  test('requests pipelined behind a blocked GETJOB wait for it', async () => {
    const c = client();
    const t0 = Date.now();
    const replies = await c.raw(
      '*5\r\n$6\r\nGETJOB\r\n$7\r\nTIMEOUT\r\n$3\r\n150\r\n$4\r\nFROM\r\n$5\r\nempty\r\nPING\r\n',
      2,
    );
    expect(replies).toEqual([{ nullArray: true }, { status: 'PONG' }]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  test('QUIT replies +OK and closes; a protocol error is answered then the connection closes', async () => {
    const q = client();
    expect(await q.call('QUIT')).toEqual({ status: 'OK' });
    await q.waitClosed();
    const bad = client();
    const [r] = await bad.raw('*1\r\nPING\r\n');
    expect(r).toEqual({ error: "ERR Protocol error: expected '$', got 'P'" });
    await bad.waitClosed();
  });

  test('unknown command and arity errors come before anything else', async () => {
    const c = client();
    expect(await c.call('NoSuch', 'x')).toEqual({ error: "ERR unknown command 'NoSuch'" });
    expect(await c.call('SHOW')).toEqual({ error: "ERR wrong number of arguments for 'show' command" });
    expect(await c.call('COMMAND', 'COUNT')).toBe(32);
  });

  test('close() destroys open connections and frees the port', async () => {
    const s = await startServer({ port: 0 });
    const c = new RespClient(s.port);
    try {
      const blocked = c.call('GETJOB', 'FROM', 'never').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 20));
      await s.close();
      expect(await blocked).toBeInstanceOf(Error);
      await expect(
        new Promise<void>((resolve, reject) => {
          const probe = net.createServer().once('error', reject);
          probe.listen(s.port, '127.0.0.1', () => probe.close(() => resolve()));
        }),
      ).resolves.toBeUndefined();
      await s.close(); // twice is fine
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('embedded server - AUTH', () => {
  let server: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    server = await startServer({ port: 0, password: 'secret' });
    c = new RespClient(server.port);
  });
  afterAll(async () => {
    c.close();
    await server.close();
  });

  test('requires AUTH; a wrong password logs the connection out', async () => {
    expect(await c.call('PING')).toEqual({ error: 'NOAUTH Authentication required.' });
    expect(await c.call('AUTH', 'secret')).toEqual({ status: 'OK' });
    expect(await c.call('PING')).toEqual({ status: 'PONG' });
    expect(await c.call('AUTH', 'nope')).toEqual({ error: 'ERR invalid password' });
    expect(await c.call('QLEN', 'q')).toEqual({ error: 'NOAUTH Authentication required.' });
  });
});
