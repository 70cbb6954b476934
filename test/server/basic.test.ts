import { startServer, type ServerHandle } from '../../src/server/index.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

describe('embedded server - basics', () => {
  let server: ServerHandle;
  let c: RespClient;
  beforeAll(async () => {
    server = await startServer({ port: 0 });
    c = new RespClient(server.port);
  });
  afterAll(async () => {
    c.close();
    await server.close();
  });

  test('PING and HELLO', async () => {
    expect(await c.call('PING')).toEqual({ status: 'PONG' });
    const hello = await c.call('HELLO');
    expect(hello).toEqual([1, server.nodeId, [server.nodeId, '', String(server.port), '1']]);
  });

  test('ADDJOB / GETJOB / ACKJOB / SHOW / QLEN round trip', async () => {
    const id = (await c.call('ADDJOB', 'q1', 'hello', 0)) as { status: string };
    expect(id.status).toMatch(new RegExp(`^D-${server.nodeId.slice(0, 8)}-[A-Za-z0-9+/]{24}-05a1$`));
    expect(await c.call('QLEN', 'q1')).toBe(1);
    expect(await c.call('GETJOB', 'NOHANG', 'FROM', 'q1')).toEqual([['q1', id.status, 'hello']]);
    const show = (await c.call('SHOW', id.status)) as unknown[];
    expect(show[5]).toBe('active');
    expect(await c.call('ACKJOB', id.status)).toBe(1);
    expect(await c.call('SHOW', id.status)).toBeNull();
  });
});
