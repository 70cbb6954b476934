/**
 * Command timeout: a fake server that accepts commands and never answers them. Every command
 * rejects with a TimeoutError naming the command and the node within `commandTimeout` (blocking
 * commands: their own TIMEOUT on top), the connection is dropped so that a late reply can never be
 * taken for another command's, and the Pool replaces it.
 */
import { Connection, type ConnectionOptions } from '../../src/connection.js';
import { Pool } from '../../src/pool.js';
import { PING, QLEN } from '../../src/commands/index.js';
import { ArgumentError, TimeoutError } from '../../src/errors.js';
import { afterReadyCheck, bulk, startFakeServer, type FakeServer } from '../helpers/fake-resp-server.js';
import { HUNG, settleWithin, waitFor } from './support.js';
import { fakeServer } from '../helpers/target.js';

fakeServer('scripted replies a real node never sends');

const NODE_ID = 'dcb833cf'.repeat(5);
let server: FakeServer;
const opened: Connection[] = [];

beforeAll(async () => {
  server = await startFakeServer(() => ({}));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await server.close();
});

function open(options: ConnectionOptions = {}): Connection {
  const conn = new Connection({ port: server.port, ...options });
  opened.push(conn);
  return conn;
}

/** Waits for the ready check (connect() would send a PING, which the silent server ignores). */
async function ready(conn: Connection): Promise<void> {
  await waitFor('the connection to be ready', () => conn.ready, 2000, 5);
}

/** Times a promise that must reject; returns the error and the ms it took. */
async function timedRejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => new Error('resolved'),
    (err: unknown) => err,
  );
  return { error, ms: Date.now() - started };
}

/** The ready check's INFO is answered; nothing after it. */
const silent = afterReadyCheck(() => ({}));

test('Command timeout - a command with no reply rejects with a TimeoutError naming it and the node', async () => {
  server.handle(silent);
  const conn = open({ commandTimeout: 200, reconnect: false });
  await ready(conn);
  const { error, ms } = await timedRejection(conn.qlen('q'));
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as TimeoutError).command).toBe('QLEN');
  expect((error as TimeoutError).message).toContain(conn.address);
  expect(ms).toBeGreaterThanOrEqual(190);
  expect(ms).toBeLessThan(1000);
  // The connection is not trusted any more: dropped.
  await waitFor('the connection to close', () => conn.closed, 2000, 10);
});

test('Command timeout - a late reply is never taken for a later command', async () => {
  // The first PING is answered only after its caller gave up, and after the next PING's reply.
  server.handle(
    afterReadyCheck((command) => {
      const message = command.argv[1] ?? 'PONG';
      return { bytes: bulk(message), delay: message === 'first' ? 2000 : undefined };
    }),
  );
  for (const options of [{ reconnect: false }, {}]) {
    // 600 ms leave room for the reconnection and its handshake on a loaded CI machine (the
    // timeout counts from the call), and are still far below the first reply's 2 s.
    const conn = open({ commandTimeout: 600, ...options });
    await ready(conn);
    await expect(conn.ping('first')).rejects.toBeInstanceOf(TimeoutError);
    const second = conn.ping('second').catch((err: unknown) => err);
    const result = await settleWithin(second, 3000);
    // A new socket answers it (reconnect), or it fails as the connection is closed: never 'first'.
    expect(result).not.toBe(HUNG);
    const value = result === HUNG ? undefined : result.ok ? result.value : undefined;
    expect(value).not.toBe('first');
    if (options.reconnect === false) expect(value).toBeInstanceOf(Error);
    else expect(value).toBe('second');
  }
});

test('Command timeout - a reconnecting Connection carries on with a new socket', async () => {
  server.handle(silent);
  const conn = open({ commandTimeout: 500 });
  await ready(conn);
  const lastConnection = (): number => server.received.at(-1)?.connection ?? 0;
  const before = lastConnection();
  await expect(conn.ping()).rejects.toBeInstanceOf(TimeoutError);
  server.handle(afterReadyCheck(() => ({ bytes: '+PONG\r\n' })));
  await expect(conn.ping()).resolves.toBe('PONG');
  // A new socket answered it.
  expect(lastConnection()).toBeGreaterThan(before);
});

test("Command timeout - a blocking GETJOB's deadline is its TIMEOUT plus commandTimeout", async () => {
  server.handle(silent);
  const conn = open({ commandTimeout: 200, reconnect: false });
  await ready(conn);
  const { error, ms } = await timedRejection(conn.getJob(['q'], { timeout: 400 }));
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as TimeoutError).command).toBe('GETJOB');
  expect(ms).toBeGreaterThanOrEqual(590);
  expect(ms).toBeLessThan(1500);
  // NOHANG: commandTimeout alone.
  const again = open({ commandTimeout: 200, reconnect: false });
  await ready(again);
  const nohang = await timedRejection(again.getJob(['q'], { nohang: true }));
  expect(nohang.error).toBeInstanceOf(TimeoutError);
  expect(nohang.ms).toBeLessThan(590);
});

test('Command timeout - GETJOB with no TIMEOUT blocks for ever by design; 0 turns the timeout off', async () => {
  server.handle(silent);
  const blocking = open({ commandTimeout: 100, reconnect: false });
  await ready(blocking);
  expect(await settleWithin(blocking.getJob(['q']), 400)).toBe(HUNG);
  const off = open({ commandTimeout: 0, reconnect: false });
  await ready(off);
  expect(await settleWithin(off.ping(), 400)).toBe(HUNG);
  blocking.destroy();
  off.destroy();
});

test('Command timeout - the Pool drops the connection and the next call uses a new one', async () => {
  let hang = true;
  server.handle(
    afterReadyCheck((command) => {
      const [name] = command.argv;
      if (name === 'HELLO')
        return {
          bytes: `*3\r\n:1\r\n${bulk(NODE_ID).toString()}*4\r\n${bulk(NODE_ID).toString()}${bulk('127.0.0.1').toString()}:${server.port}\r\n:1\r\n`,
        };
      if (name === 'QLEN') return hang ? {} : { bytes: ':0\r\n' };
      return { bytes: '+PONG\r\n' };
    }),
  );
  const pool = await Pool.connect({
    nodes: `127.0.0.1:${server.port}`,
    discover: false,
    commandTimeout: 200,
  });
  try {
    const { error } = await timedRejection(pool.run(QLEN, ['q']));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).command).toBe('QLEN');
    hang = false;
    await expect(pool.run(QLEN, ['q'])).resolves.toBe(0);
    await expect(pool.run(PING, [])).resolves.toBe('PONG');
  } finally {
    await pool.close();
  }
});

test('Command timeout - a handshake that never ends does not hold commands or connect() for ever', async () => {
  server.handle(() => ({})); // not even the ready check's INFO is answered
  const conn = open({ commandTimeout: 200, reconnect: false });
  const { error, ms } = await timedRejection(conn.qlen('q'));
  expect(error).toBeInstanceOf(TimeoutError);
  expect(ms).toBeLessThan(1000);
  const lazy = open({ commandTimeout: 200, connectTimeout: 200, lazyConnect: true, reconnect: false });
  const connecting = await timedRejection(lazy.connect());
  expect(connecting.error).toBeInstanceOf(TimeoutError);
  expect(connecting.ms).toBeLessThan(1000);
});

test('Command timeout - close() does not wait for ever for the reply to QUIT', async () => {
  server.handle(silent);
  const conn = open({ commandTimeout: 200 });
  await ready(conn);
  const { ms } = await timedRejection(conn.close().then(() => Promise.reject(new Error('closed'))));
  expect(ms).toBeLessThan(1000);
  await waitFor('the socket to close', () => conn.closed && !conn.ready, 1000, 10);
});

test('Command timeout - the option is validated', () => {
  for (const bad of [-1, 1.5, Number.NaN, '100', Number.POSITIVE_INFINITY]) {
    expect(() => new Connection({ commandTimeout: bad as number, lazyConnect: true })).toThrow(
      expect.objectContaining({ name: 'ArgumentError', argument: 'options.commandTimeout' }),
    );
    expect(() => new Pool({ commandTimeout: bad as number })).toThrow(ArgumentError);
  }
});
