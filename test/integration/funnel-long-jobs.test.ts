/**
 * Long jobs on a 3-node cluster (issue 13): handlers take 3× the jobs' RETRY, two workers (each a
 * Funnel on its own Jobs handle and pool, as two processes would have), concurrency 4, prefetch 8,
 * RETRY 2 s. A job a worker holds — in hand or buffered — must never run anywhere else meanwhile,
 * and never twice: every id starts exactly once, no two runs of one id overlap.
 *
 * Runs on an embedded 3-node cluster, or on the nodes of DISQUE_NODES when it lists three (then
 * with 40 jobs; LONG_JOBS=n sets the number).
 */
import { randomUUID } from 'node:crypto';
import { connect, type Jobs } from '../../src/jobs.js';
import type { Funnel } from '../../src/funnel.js';
import { formatAddress } from '../../src/nodes.js';
import { realClusterNodes } from '../helpers/cluster.js';
import { disqueTarget } from '../helpers/target.js';

disqueTarget(3);

const RETRY = 2000;
const HANDLER_MS = 3 * RETRY;
const WORKERS = 2;
const CONCURRENCY = 4;
const PREFETCH = 8;
const real = realClusterNodes();
/** 16 jobs (2-3 waves of 8 handlers, ~20 s) in CI; 40 (5-6 waves, ~35 s) against real Disque. */
const JOBS = Number(process.env['LONG_JOBS'] ?? (real ? 40 : 16));

const handles: Jobs<string>[] = [];
let stopCluster: (() => Promise<void>) | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await stopCluster?.();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

test('Funnel - long jobs (3× RETRY) on two workers: each id starts exactly once, no overlapping runs', async () => {
  let seeds: string;
  if (real) seeds = real.map((n) => formatAddress(n.host, n.port)).join(',');
  else {
    const { startCluster } = await import('../../src/server/index.js');
    const cluster = await startCluster({ nodes: 3 });
    stopCluster = () => cluster.close();
    seeds = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  }
  const q = `test-long-jobs-${randomUUID()}`;
  const producer = connect({ nodes: seeds, defaults: { retry: RETRY } });
  const workers = Array.from({ length: WORKERS }, () => connect({ nodes: seeds }));
  handles.push(producer, ...workers);

  const ids = new Set<string>();
  for (let i = 0; i < JOBS; i++) ids.add(await producer.add(`long job ${i}`, q));
  // A backlog older than RETRY: Disque rolls a queued job's re-queue time forward every RETRY,
  // so from now on a job taken can be due for re-queueing at any moment — the lease must be early.
  await new Promise((resolve) => setTimeout(resolve, RETRY + 500));

  const starts = new Map<string, number>(); // id -> runs started
  const running = new Map<string, number>(); // id -> runs in progress now
  const overlaps: string[] = [];
  let finished = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const errors: unknown[] = [];

  const funnels: Funnel<string>[] = workers.map((jobs) => jobs.funnel(q, { prefetch: PREFETCH }));
  for (const funnel of funnels) funnel.on('error', (error) => errors.push(error));
  const processing = funnels.map((funnel, w) =>
    funnel.process(
      async (job) => {
        starts.set(job.id, (starts.get(job.id) ?? 0) + 1);
        const now = (running.get(job.id) ?? 0) + 1;
        running.set(job.id, now);
        if (now > 1) overlaps.push(`${job.id} (worker ${w})`);
        await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
        running.set(job.id, (running.get(job.id) ?? 1) - 1);
        if (++finished >= JOBS) allDone();
      },
      { concurrency: CONCURRENCY },
    ),
  );
  // Every id has run once: then close. A second run of any id would have started by now (a
  // redelivery happens within RETRY of a missed lease), and counts as an extra run.
  await done;
  await Promise.all(funnels.map((f) => f.close()));
  await Promise.all(processing);

  const extra = [...starts.values()].reduce((a, n) => a + n - 1, 0);
  const stats = funnels.map((f) => f.stats);
  console.log(
    `long jobs on ${real ? 'real Disque' : 'the embedded cluster'}: ${JOBS} jobs, ` +
      `${starts.size} ids started, ${extra} extra runs, ${overlaps.length} overlapping, ` +
      `duplicates dropped ${stats.map((s) => s.duplicates).join('+')}, ` +
      `acked ${stats.map((s) => s.acked).join('+')}, nacked ${stats.map((s) => s.nacked).join('+')}`,
  );
  expect(overlaps).toEqual([]);
  expect(extra).toBe(0);
  expect([...starts.keys()].sort()).toEqual([...ids].sort());
  expect([...starts.values()].every((n) => n === 1)).toBe(true);
  expect(stats.reduce((a, s) => a + s.acked, 0)).toBe(JOBS);
  expect(await producer.len(q)).toBe(0);
  expect(errors).toEqual([]);
}, 90_000);
