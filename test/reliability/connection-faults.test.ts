/**
 * Connection faults: a TCP proxy between the client and the server drops, delays and half-closes
 * connections at random (seeded; `RELIABILITY_SEED` replays a run). Under it:
 * - every operation either succeeds or rejects with a typed DisqueError, within a bound (no hang);
 * - a blocked GETJOB resumes after the connection is cut and made again;
 * - a Funnel consuming through the proxy loses no job;
 * - no unhandled rejection, and every socket and timer is gone once everything is closed.
 */
import { randomUUID } from 'node:crypto';
import { startServer } from '../../src/server/index.js';
import { Connection } from '../../src/connection.js';
import { connect, type Jobs } from '../../src/jobs.js';
import { DisqueError, NoNodeAvailableError } from '../../src/errors.js';
import { Pool } from '../../src/pool.js';
import { QLEN } from '../../src/commands/index.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startSingleNode, uniqueQueue, type SingleNode } from '../helpers/disque.js';
import { embeddedServer } from '../helpers/target.js';

// The fault proxy stands in front of the first DISQUE_NODES node when set (else an embedded
// server); the test that closes its node needs a node of its own.
embeddedServer(
  'closes its node: needs one it owns',
  'Connection faults - a one-node Pool whose node is gone',
);
import {
  HUNG,
  UnhandledCollector,
  prng,
  report,
  runSeed,
  scale,
  settleWithin,
  sleep,
  waitFor,
} from './support.js';

const SEED = runSeed();
const OPERATIONS = scale(1000, 10_000);
const LANES = 8;
/** No operation may take longer than this, faults included. */
const BOUND = 20_000;
const FUNNEL_JOBS = scale(300, 5000);

const unhandled = new UnhandledCollector();
/** Active handles by kind before the suite started anything. */
let baseline: Map<string, number>;
let server: SingleNode;
let proxy: FaultProxy;
let direct: Connection;
const random = prng(SEED);

function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function leaks(): string[] {
  const now = resources();
  return [...now]
    .filter(([kind, n]) => kind !== 'FSReqCallback' && n > (baseline.get(kind) ?? 0))
    .map(([kind, n]) => `${kind}: ${n - (baseline.get(kind) ?? 0)}`);
}

const outcomes = new Map<string, number>();
const nonTyped: unknown[] = [];
let hung = 0;

function note(kind: string): void {
  outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
}

async function observe(label: string, op: () => Promise<unknown>): Promise<void> {
  let promise: Promise<unknown>;
  try {
    promise = op();
  } catch (error) {
    promise = Promise.reject(error);
  }
  const result = await settleWithin(promise, BOUND);
  if (result === HUNG) {
    hung++;
    note(`${label}: hung`);
  } else if (result.ok) note('ok');
  else if (result.error instanceof DisqueError) note(result.error.name);
  else {
    nonTyped.push(result.error);
    note(`${label}: untyped ${String(result.error)}`);
  }
}

beforeAll(async () => {
  baseline = resources();
  unhandled.install();
  server = await startSingleNode();
  proxy = await startFaultProxy(
    { host: server.host, port: server.port },
    { random, drop: 0.02, halfClose: 0.01, delay: 0.1, maxDelay: 150, refuse: 0.05 },
  );
  direct = new Connection({ host: server.host, port: server.port });
});

afterAll(async () => {
  await direct.close();
  await proxy.close();
  await server.close();
  unhandled.uninstall();
  const counts = proxy.counts;
  report('connection faults', {
    seed: SEED,
    operations: [...outcomes.values()].reduce((a, b) => a + b, 0),
    outcomes: [...outcomes].map(([k, n]) => `${k}=${n}`).join(' '),
    hung,
    'untyped errors': nonTyped.length,
    'unhandled rejections': unhandled.reasons.length,
    'proxy connections': counts.connections,
    refused: counts.refused,
    drops: counts.drops,
    'half-closes': counts.halfCloses,
    delays: counts.delays,
  });
  expect(unhandled.reasons).toEqual([]);
  // Every socket and timer the suite made is gone (jest then exits by itself).
  await waitFor('sockets and timers to be released', () => leaks().length === 0, 5000).catch(() => undefined);
  expect(leaks()).toEqual([]);
  // And nothing comes back to life later (a reconnect timer, a retry, a fetch loop).
  await sleep(1500);
  expect(leaks()).toEqual([]);
});

/** A mix of every kind of call, on a Connection or a Jobs handle. */
function operations(q: string, conn: Connection, jobs: Jobs<string>): (() => Promise<unknown>)[] {
  const someId = (): string => `D-${randomUUID().replace(/-/g, '').slice(0, 8)}-${'x'.repeat(24)}-05a1`;
  return [
    () => conn.addJob(q, `body-${random()}`, { retry: 1000 }),
    () => conn.getJob([q], { nohang: true, count: 3 }),
    () => conn.getJob([q], { timeout: 100 }),
    () => conn.qlen(q),
    () => conn.ping(),
    () => conn.ackJob(someId()),
    () => conn.nack(someId()),
    () => conn.show(someId()),
    () => conn.working(someId()),
    () => conn.qpeek(q, 5),
    () => conn.hello(),
    () => conn.info('server'),
    () => jobs.add(`body-${random()}`, q),
    () => jobs.tryGet(q),
    () => jobs.timeout(100).getMany(2, q),
    () => jobs.len(q),
    () => jobs.ack(someId()),
    () => jobs.working(someId()),
    () => jobs.show(someId()),
    () => jobs.peek(q, 3),
  ];
}

test(
  'Connection faults - every operation succeeds or rejects with a typed error, none hangs',
  async () => {
    const q = uniqueQueue('reliability-faults');
    const seeds = `127.0.0.1:${proxy.port}`;
    const conn = new Connection({ port: proxy.port, connectTimeout: 1000 });
    const jobs = connect({
      nodes: seeds,
      discover: false,
      connectTimeout: 1000,
      retries: 3,
      maxRetryDelay: 200,
      // Probes of a node marked down back off to at most this (the proxy refuses 5 % of connections).
      refreshInterval: 100,
      defaults: { replicate: 1, retry: 1000 },
    });
    const ops = operations(q, conn, jobs);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < OPERATIONS) {
        next++;
        const i = Math.floor(random() * ops.length);
        await observe(`op${i}`, ops[i] as () => Promise<unknown>);
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    await jobs.close();
    await conn.close();
    expect(nonTyped).toEqual([]);
    expect(hung).toBe(0);
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(OPERATIONS / 4);
  },
  scale(100_000, 900_000),
);

test('Connection faults - a blocked GETJOB resumes after its connection is cut', async () => {
  proxy.setFaults(false);
  try {
    const q = uniqueQueue('reliability-resume');
    // A Jobs handle: the pool gives up on the dead connection and blocks again on a new one.
    const jobs = connect({
      nodes: `127.0.0.1:${proxy.port}`,
      discover: false,
      retries: 10,
      refreshInterval: 200,
    });
    // A Connection reconnects by itself and sends the GETJOB again.
    const conn = new Connection({ port: proxy.port });
    const viaJobs = jobs.timeout(10_000).get(q);
    const viaConn = conn.getJob([q], { timeout: 10_000 });
    await waitFor('both GETJOBs to block', async () => (await direct.qstat(q))?.blocked === 2, 5000);
    proxy.dropAll();
    // Both block again on new connections, then the jobs arrive.
    await waitFor('both GETJOBs to block again', async () => (await direct.qstat(q))?.blocked === 2, 5000);
    await direct.addJob(q, 'first', { replicate: 1 });
    await direct.addJob(q, 'second', { replicate: 1 });
    const [a, b] = await Promise.all([viaJobs, viaConn]);
    expect([a.body, b[0]?.body].sort()).toEqual(['first', 'second']);
    await Promise.all([jobs.close(), conn.close()]);
  } finally {
    proxy.setFaults(true);
  }
});

test('Connection faults - a one-node Pool recovers at once from a dropped connection', async () => {
  proxy.setFaults(false);
  // The default refreshInterval (5 s): recovery must not wait for the refresh tick.
  const pool = await Pool.connect({ nodes: `127.0.0.1:${proxy.port}`, discover: false });
  try {
    const q = uniqueQueue('reliability-recover');
    const blocked = pool.getJob([q], { timeout: 10_000 });
    await waitFor('the GETJOB to block', async () => (await direct.qstat(q))?.blocked === 1, 5000);
    const down = new Promise((resolve) => pool.once('node:down', resolve));
    proxy.dropAll();
    await down;
    // The node was marked down by that one failure; the next calls still go through.
    const started = Date.now();
    for (let i = 0; i < 5; i++) await expect(pool.run(QLEN, [q])).resolves.toBe(0);
    const elapsed = Date.now() - started;
    // The blocked GETJOB was sent again on a new connection and gets the job.
    await waitFor('the GETJOB to block again', async () => (await direct.qstat(q))?.blocked === 1, 1000);
    await direct.addJob(q, 'after the cut', { replicate: 1 });
    expect((await blocked).map((j) => j.body)).toEqual(['after the cut']);
    report('connection faults (one-node recovery)', { 'ms for 5 calls after the cut': elapsed });
    expect(elapsed).toBeLessThan(500);
  } finally {
    await pool.close();
    proxy.setFaults(true);
  }
});

test('Connection faults - a one-node Pool whose node is gone fails with NoNodeAvailableError', async () => {
  const lone = await startServer({ port: 0 });
  const pool = await Pool.connect({ nodes: `127.0.0.1:${lone.port}`, discover: false });
  try {
    await pool.run(QLEN, ['q']);
    await lone.close();
    const started = Date.now();
    const outcome = await pool.run(QLEN, ['q']).catch((err: unknown) => err);
    const elapsed = Date.now() - started;
    expect(outcome).toBeInstanceOf(NoNodeAvailableError);
    // After the retries (6, 50 ms doubling to 2 s, each waiting for the next probe at most).
    report('connection faults (node gone)', { 'ms to NoNodeAvailableError': elapsed });
    expect(elapsed).toBeLessThan(10_000);
  } finally {
    await pool.close();
  }
});

test(
  'Connection faults - a Funnel consuming through the faults loses no job',
  async () => {
    const q = uniqueQueue('reliability-funnel');
    const bodies = new Set<string>();
    for (let i = 0; i < FUNNEL_JOBS; i++) bodies.add(`job-${i}`);
    await Promise.all([...bodies].map((b) => direct.addJob(q, b, { retry: 1000, replicate: 1 })));
    const jobs = connect({
      nodes: `127.0.0.1:${proxy.port}`,
      discover: false,
      connectTimeout: 1000,
      retries: 3,
      maxRetryDelay: 200,
      refreshInterval: 100,
    });
    const seen = new Map<string, number>();
    let errors = 0;
    const funnel = jobs.funnel(q, { prefetch: 16 });
    funnel.on('error', (error) => {
      errors++;
      if (!(error instanceof DisqueError)) nonTyped.push(error);
    });
    const done = funnel.process(
      async (job) => {
        seen.set(job.body, (seen.get(job.body) ?? 0) + 1);
        await sleep(1);
      },
      { concurrency: 4 },
    );
    // Processed at least once, and then acknowledged: the queue ends up empty.
    await waitFor(
      'every job processed and acknowledged',
      async () => seen.size === bodies.size && (await direct.qlen(q)) === 0,
      scale(60_000, 600_000),
      200,
    ).catch(() => undefined);
    await funnel.close();
    await done;
    await jobs.close();
    const lost = [...bodies].filter((b) => !seen.has(b)).length;
    const duplicates = [...seen.values()].reduce((s, n) => s + n - 1, 0);
    report('connection faults (funnel)', {
      seed: SEED,
      jobs: bodies.size,
      lost,
      duplicates,
      'funnel errors': errors,
      'given back at close': await direct.qlen(q),
    });
    expect(lost).toBe(0);
    expect(nonTyped).toEqual([]);
  },
  scale(90_000, 900_000),
);
