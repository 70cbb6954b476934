/**
 * Security: a wrong password gives a typed error that does not echo it, and passwords appear in no
 * error (message, cause chain, stack), no event and no `util.inspect` output of Connection, Pool,
 * Jobs, their options and views.
 */
import { inspect } from 'node:util';
import { startServer, type ServerHandle } from '../../src/server/index.js';
import { Connection } from '../../src/connection.js';
import { Pool } from '../../src/pool.js';
import { connect } from '../../src/jobs.js';
import { DisqueError } from '../../src/errors.js';
import { report, UnhandledCollector } from './support.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('needs a node with requirepass');

const SECRET = 'right-Pa55word-0f-the-server';
const WRONG = 'wrong-Pa55word-typed-by-someone';
const PASSWORDS = [SECRET, WRONG, encodeURIComponent(WRONG)];

let server: ServerHandle;
const unhandled = new UnhandledCollector();
let checked = 0;

beforeAll(async () => {
  unhandled.install();
  server = await startServer({ port: 0, password: SECRET });
});
afterAll(async () => {
  await server.close();
  unhandled.uninstall();
  report('security', { 'outputs checked for passwords': checked, leaks: 0 });
  expect(unhandled.reasons).toEqual([]);
});

/** Everything a log line could show of a value: inspect (deep, with causes), String, JSON, stack. */
function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 10, showHidden: true }), inspect(value, { depth: 10 })];
  try {
    out.push(String(value));
  } catch {
    /* not printable */
  }
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    /* cycles */
  }
  for (let e: unknown = value; e instanceof Error; e = e.cause) out.push(e.message, e.stack ?? '');
  return out;
}

function expectNoPassword(what: string, value: unknown): void {
  checked++;
  for (const text of renderings(value))
    for (const password of PASSWORDS)
      expect({ what, leaks: text.includes(password) }).toEqual({ what, leaks: false });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

test('Security - a wrong password gives a typed error that does not echo it', async () => {
  const conn = new Connection({
    port: server.port,
    password: WRONG,
    maxRetriesPerRequest: 0,
    reconnect: false,
  });
  const error = await rejection(conn.ping());
  expect(error).toBeInstanceOf(DisqueError);
  expectNoPassword('Connection error', error);
  expectNoPassword('Connection', conn);
  await conn.close();

  // AUTH by hand.
  const plain = new Connection({ port: server.port });
  const authError = await rejection(plain.auth(WRONG));
  expect(authError).toBeInstanceOf(DisqueError);
  expectNoPassword('AUTH error', authError);
  // No password at all: NOAUTH.
  const noauth = await rejection(plain.qlen('q'));
  expect(noauth).toBeInstanceOf(DisqueError);
  expect((noauth as DisqueError).name).toBe('AuthError');
  expectNoPassword('NOAUTH error', noauth);
  await plain.close();

  // The right one works.
  const good = new Connection({ port: server.port, password: SECRET });
  expect(await good.ping()).toBe('PONG');
  expectNoPassword('Connection (authenticated)', good);
  await good.close();
});

test('Security - URLs with passwords', async () => {
  const conn = Connection.fromUrl(`disque://:${encodeURIComponent(WRONG)}@127.0.0.1:${server.port}`, {
    reconnect: false,
    maxRetriesPerRequest: 0,
  });
  const error = await rejection(conn.ping());
  expect(error).toBeInstanceOf(DisqueError);
  expectNoPassword('fromUrl error', error);
  expectNoPassword('fromUrl Connection', conn);
  await conn.close();
  for (const bad of [`disque://:${WRONG}%@h:1`, `disque://:${WRONG}@h:99999`, `redis://:${WRONG}@h:1`]) {
    let thrown: unknown;
    try {
      Connection.fromUrl(bad, { lazyConnect: true });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DisqueError);
    expectNoPassword(`bad URL ${bad.slice(0, 10)}`, thrown);
  }
});

test('Security - Pool and Jobs: errors, events and inspect output', async () => {
  const events: unknown[] = [];
  const pool = new Pool({
    nodes: `127.0.0.1:${server.port}`,
    password: WRONG,
    retries: 1,
    refreshInterval: 100,
  });
  for (const name of ['error', 'node:down', 'node:up', 'node:switch'] as const)
    pool.on(name, (...args: unknown[]) => events.push(args));
  const error = await rejection(pool.ready());
  expect(error).toBeInstanceOf(DisqueError);
  expectNoPassword('Pool error', error);
  expectNoPassword('Pool', pool);
  expectNoPassword('Pool nodes', pool.nodes());
  expectNoPassword('Pool stats', pool.stats());
  await pool.close();

  const jobs = connect({
    nodes: `127.0.0.1:${server.port}`,
    password: WRONG,
    retries: 1,
    defaults: { replicate: 1 },
  });
  jobs.pool.on('error', (e) => events.push(e));
  jobs.pool.on('node:down', (...args) => events.push(args));
  const addError = await rejection(jobs.add('x', 'q'));
  expect(addError).toBeInstanceOf(DisqueError);
  expectNoPassword('Jobs.add error', addError);
  expectNoPassword('Jobs', jobs);
  expectNoPassword('Jobs config', jobs.config);
  expectNoPassword('Jobs pool', jobs.pool);
  // A funnel whose fetches fail reports them as 'error' events.
  const funnel = jobs.funnel('q');
  const failed = new Promise<void>((resolve) =>
    funnel.on('error', (e) => {
      events.push(e);
      resolve();
    }),
  );
  const processing = funnel.process(() => undefined);
  await failed;
  expectNoPassword('Funnel', funnel);
  await funnel.close();
  await processing;
  await jobs.close();

  // The same handles with the right password work, and show nothing either.
  const good = connect({ nodes: `127.0.0.1:${server.port}`, password: SECRET, defaults: { replicate: 1 } });
  await good.add('x', 'q');
  expectNoPassword('Jobs (authenticated)', good);
  expectNoPassword('Jobs pool (authenticated)', good.pool);
  await good.close();

  expect(events.length).toBeGreaterThan(0);
  expectNoPassword('events', events);
});
