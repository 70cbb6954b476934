import net from 'node:net';
import { Connection } from '../../src/connection.js';
import { Pool } from '../../src/pool.js';
import { POOL_OPTION_NAMES } from '../../src/pool/options.js';
import { connect } from '../../src/jobs.js';
import { ArgumentError, ConnectionError, NoNodeAvailableError } from '../../src/errors.js';
import { run } from '../../src/cli/run.js';
import { noServer } from '../helpers/target.js';

noServer('errors that name their cause (nothing listens: no server)');

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const codeOf = (err: unknown): unknown => (err as { code?: unknown }).code;

describe('errors that name their cause', () => {
  test('a Connection to a dead port says ECONNREFUSED, not ioredis words; cause is the system error', async () => {
    const conn = new Connection({ port: await deadPort() });
    const err: unknown = await conn.ping().catch((e: unknown) => e);
    await conn.close();
    expect(err).toBeInstanceOf(ConnectionError);
    const { message, cause } = err as ConnectionError;
    expect(message).toMatch(/^PING failed on 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expect(message).not.toMatch(/max retries|Connection is closed/);
    expect(codeOf(cause)).toBe('ECONNREFUSED');
  });

  test('a Pool with no reachable node: NoNodeAvailableError naming ECONNREFUSED, cause chain to it', async () => {
    const pool = new Pool({ nodes: `127.0.0.1:${await deadPort()}`, retries: 0 });
    const err: unknown = await pool.ready().catch((e: unknown) => e);
    await pool.close();
    expect(err).toBeInstanceOf(NoNodeAvailableError);
    expect((err as Error).message).toContain('ECONNREFUSED');
    const cause = (err as Error).cause;
    expect(cause).toBeInstanceOf(ConnectionError);
    expect(codeOf((cause as Error).cause)).toBe('ECONNREFUSED');
  });

  const cli = async (argv: string[]): Promise<{ code: number; stderr: string }> => {
    let stderr = '';
    const code = await run(argv, { stdout: () => undefined, stderr: (t) => void (stderr += t), env: {} });
    return { code, stderr };
  };

  test('disque-ts status --nodes 127.0.0.1:1 says ECONNREFUSED', async () => {
    const r = await cli(['status', '--nodes', '127.0.0.1:1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('HELLO failed on 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1');
  });

  test('disque-ts status --nodes nosuchhost.invalid:7711 says ENOTFOUND', async () => {
    const r = await cli(['status', '--nodes', 'nosuchhost.invalid:7711']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ENOTFOUND nosuchhost.invalid');
    expect(r.stderr).not.toContain('Connection is closed');
  });

  test("connect()'s unknown option lists every option: the pool's and codec, defaults, affinity", () => {
    let err: unknown;
    try {
      connect({ nodez: '127.0.0.1:1' } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as ArgumentError).argument).toBe('options.nodez');
    const listed = /expected one of (.*)$/.exec((err as Error).message)?.[1]?.split(', ');
    expect(listed).toEqual([...POOL_OPTION_NAMES, 'codec', 'defaults', 'affinity']);
    expect(POOL_OPTION_NAMES).toEqual(
      expect.arrayContaining(['nodes', 'sharedConnections', 'fastPath', 'maxRetryDelay']),
    );
  });
});
