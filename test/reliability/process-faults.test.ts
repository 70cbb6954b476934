/**
 * Process-level faults on a 3-node cluster of real processes (`startCluster({ processes: true })`,
 * the TCP cluster bus, nodes.conf in each node's dir; needs `npm run build`):
 * - a node process is SIGKILLed mid-stream while producers add (REPLICATE 2) and Funnel workers
 *   consume, then restarted with the same identity (its nodes.conf);
 * - the same, but restarted with its directory wiped (a new node id that meets the cluster again);
 * - a worker *process* holding prefetched jobs is SIGKILLed; a second worker must finish them.
 * Each prints added / processed / lost / duplicated; lost must be 0 (duplicates are allowed:
 * Disque is at-least-once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { connect, type Jobs } from '../../src/jobs.js';
import { DisqueError } from '../../src/errors.js';
import { report, scale, sleep, waitFor, UnhandledCollector } from './support.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('SIGKILLs and restarts node processes: needs nodes it owns');

const TOTAL = scale(1200, 10_000);
const PRODUCERS = 4;
const RETRY = 2000;
const DOWN_MS = 2500;

const unhandled = new UnhandledCollector();
let cluster: ClusterHandle;
let seeds: string;
const handles: Jobs<string>[] = [];
const children = new Set<ChildProcess>();

beforeAll(async () => {
  unhandled.install();
  cluster = await startCluster({ nodes: 3, processes: true, nodeTimeout: 1000 });
  seeds = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
}, 60_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(handles.map((h) => h.close()));
  await cluster.close();
  unhandled.uninstall();
  expect(unhandled.reasons).toEqual([]);
});

/** Producers and consumers on one queue; `fault` runs once a third of the jobs are processed. */
async function stream(label: string, fault: () => Promise<void>): Promise<void> {
  const q = `reliability-process-${randomUUID()}`;
  const common = { nodes: seeds, refreshInterval: 500, connectTimeout: 1000 };
  const producer = connect({ ...common, defaults: { replicate: 2, retry: RETRY, timeout: 2000 } });
  const consumers = [connect(common), connect(common)];
  handles.push(producer, ...consumers);
  const added = new Set<string>();
  const seen = new Map<string, number>();
  const nonTyped: unknown[] = [];
  let addRetries = 0;

  const funnels = consumers.map((c) => c.funnel(q, { prefetch: 32 }));
  const processing = Promise.all(
    funnels.map((f) => {
      f.on('error', (err) => {
        if (!(err instanceof DisqueError)) nonTyped.push(err);
      });
      return f.process((job) => void seen.set(job.body, (seen.get(job.body) ?? 0) + 1), { concurrency: 8 });
    }),
  );
  let next = 0;
  const produce = async (): Promise<void> => {
    for (let i = next++; i < TOTAL; i = next++) {
      while (added.size - seen.size > 300) await sleep(5);
      const body = `job-${i}`;
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.add(body, q);
          added.add(body);
          break;
        } catch (err) {
          addRetries++;
          if (!(err instanceof DisqueError)) nonTyped.push(err);
          if (attempt >= 50) throw err;
          await sleep(100);
        }
      }
    }
  };
  const faulting = (async () => {
    await waitFor('a third of the jobs processed', () => seen.size >= TOTAL / 3, 60_000, 10);
    await fault();
  })();
  await Promise.all([...Array.from({ length: PRODUCERS }, produce), faulting]);
  const lost = (): string[] => [...added].filter((b) => !seen.has(b));
  await waitFor('every added job processed', () => lost().length === 0, 60_000, 100).catch(() => undefined);
  await Promise.all(funnels.map((f) => f.close()));
  await processing;
  const duplicated = [...seen.values()].reduce((s, n) => s + n - 1, 0);
  report(label, {
    added: added.size,
    processed: seen.size,
    lost: lost().length,
    duplicated,
    'add retries': addRetries,
  });
  expect(nonTyped).toEqual([]);
  expect(added.size).toBe(TOTAL);
  expect(lost()).toEqual([]);
}

test('SIGKILL a node process mid-stream, restart it with the same identity: nothing lost', async () => {
  await stream('process kill + restart (same nodes.conf)', async () => {
    const id = cluster.nodes[1]!.nodeId;
    await cluster.kill(1, 'SIGKILL');
    await sleep(DOWN_MS);
    await cluster.restart(1);
    expect(cluster.nodes[1]!.nodeId).toBe(id);
  });
}, 120_000);

test('SIGKILL a node process mid-stream, restart it with its dir wiped: nothing lost', async () => {
  await stream('process kill + restart (dir wiped)', async () => {
    const id = cluster.nodes[2]!.nodeId;
    await cluster.kill(2, 'SIGKILL');
    await sleep(DOWN_MS);
    await cluster.restart(2, { wipe: true });
    expect(cluster.nodes[2]!.nodeId).not.toBe(id);
  });
}, 120_000);

test('SIGKILL a worker process holding prefetched jobs: another worker finishes every job', async () => {
  const q = `reliability-worker-${randomUUID()}`;
  const producer = connect({ nodes: seeds, defaults: { replicate: 2, retry: 1000 } });
  handles.push(producer);
  const all = new Set<string>();
  for (let i = 0; i < 600; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, k) => {
        all.add(`job-${i + k}`);
        return producer.add(`job-${i + k}`, q);
      }),
    );
  }
  // The worker (worker-child.ts) finishes 20 jobs, then holds 16 in hand and the rest prefetched.
  const node0 = `${cluster.nodes[0]!.host}:${cluster.nodes[0]!.port}`;
  const child = spawn(
    process.execPath,
    [
      path.join(__dirname, 'register-ts.cjs'),
      path.join(__dirname, 'worker-child.ts'),
      node0,
      q,
      '200',
      '16',
      '20',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const acked = new Set<string>();
  let ready = false;
  let prefetched = 0;
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const m = JSON.parse(line) as { event: string; body?: string; stats?: { received?: number } };
    if (m.event === 'ack' && m.body !== undefined) acked.add(m.body);
    if (m.event === 'ready') {
      ready = true;
      prefetched = m.stats?.received ?? 0;
    }
  });
  const exited = new Promise((r) => child.once('exit', r));
  await waitFor('the worker to hold its jobs', () => ready, 30_000);
  child.kill('SIGKILL');
  await exited;
  children.delete(child);

  const rescuer = connect({ nodes: seeds, refreshInterval: 500 });
  handles.push(rescuer);
  const seen = new Map<string, number>();
  for (const b of acked) seen.set(b, 1);
  const funnel = rescuer.funnel(q, { prefetch: 64 });
  const processing = funnel.process((job) => void seen.set(job.body, (seen.get(job.body) ?? 0) + 1), {
    concurrency: 8,
  });
  const lost = (): string[] => [...all].filter((b) => !seen.has(b));
  await waitFor('every job processed after the worker died', () => lost().length === 0, 60_000, 100).catch(
    () => undefined,
  );
  await funnel.close();
  await processing;
  const duplicated = [...seen.values()].reduce((s, n) => s + n - 1, 0);
  report('worker process SIGKILL on a process cluster', {
    added: all.size,
    'prefetched by the killed worker': prefetched,
    'acked before the kill': acked.size,
    processed: seen.size,
    lost: lost().length,
    duplicated,
  });
  expect(prefetched).toBeGreaterThan(16);
  expect(lost()).toEqual([]);
}, 120_000);
