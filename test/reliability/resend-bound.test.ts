/**
 * Resend bound: with `reconnect: true`, ioredis sends a command whose reply was cut off again on
 * the next connection, and resets its retry count whenever a reconnection succeeds. Behind a proxy
 * that cuts every reply (the ready check's aside), a command must be sent at most
 * 1 + maxRetriesPerRequest times, then fail with a ConnectionError (sent: true).
 */
import { Connection } from '../../src/connection.js';
import { ConnectionError } from '../../src/errors.js';
import { afterReadyCheck, startFakeServer, type FakeServer } from '../helpers/fake-resp-server.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { HUNG, prng, settleWithin } from './support.js';
import { fakeServer } from '../helpers/target.js';

fakeServer('scripted replies a real node never sends');

let server: FakeServer;
let proxy: FaultProxy;

beforeAll(async () => {
  server = await startFakeServer(afterReadyCheck(() => ({ bytes: ':0\r\n' })));
  proxy = await startFaultProxy(
    { host: '127.0.0.1', port: server.port },
    // Every reply is cut, except the ready check's INFO: each reconnection succeeds.
    { random: prng(1), cutReply: (chunk) => !chunk.toString('latin1').includes('# Server') },
  );
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

test.each([0, 1, 2, 4])(
  'Resend bound - a command whose reply is always cut is sent 1 + maxRetriesPerRequest (%i) times',
  async (maxRetriesPerRequest) => {
    const queue = `resend-${maxRetriesPerRequest}`;
    // No command timeout: the bound must hold by itself.
    const conn = new Connection({ port: proxy.port, maxRetriesPerRequest, commandTimeout: 0 });
    try {
      const result = await settleWithin(conn.qlen(queue), 10_000);
      expect(result).not.toBe(HUNG);
      if (result === HUNG || result.ok) throw new Error('expected a rejection');
      expect(result.error).toBeInstanceOf(ConnectionError);
      expect((result.error as ConnectionError).sent).toBe(true);
      expect((result.error as ConnectionError).command).toBe('QLEN');
      const sent = server.received.filter((c) => c.argv[0] === 'QLEN' && c.argv[1] === queue).length;
      expect(sent).toBe(1 + maxRetriesPerRequest);
    } finally {
      conn.destroy();
    }
  },
);
