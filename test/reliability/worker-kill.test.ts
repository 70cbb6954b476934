/**
 * Worker kill: a worker process holding 500 prefetched jobs and 16 in hand is stopped.
 * - SIGTERM: its handler calls `funnel.close()`; once it has exited every job is acknowledged or
 *   back in the queue (QLEN + acked = total) at once, with no help from RETRY.
 * - SIGKILL: nothing runs in the worker; Disque's RETRY brings every job it held back.
 * The worker is TypeScript run by `node register-ts.cjs` (no build needed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startSingleNode, uniqueQueue, type SingleNode } from '../helpers/disque.js';
import { Connection } from '../../src/connection.js';
import { report, scale, waitFor } from './support.js';

const PREFETCH = 500;
const CONCURRENCY = 16;
/** Jobs in the queue: more than the worker prefetches, so some stay queued all along. */
const TOTAL = scale(1000, 5000);
const ROUNDS = scale(1, 5);

let server: SingleNode;
let conn: Connection;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  server = await startSingleNode();
  conn = new Connection({ host: server.host, port: server.port });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await conn.close();
  await server.close();
});

interface Worker {
  readonly child: ChildProcess;
  readonly acked: Map<string, string>; // id -> body
  readonly ready: Promise<Record<string, number>>;
  readonly closed: Promise<Record<string, number> | undefined>;
  readonly exited: Promise<number | null>;
}

function startWorker(queue: string, finishAtOnce: number): Worker {
  const child = spawn(
    process.execPath,
    [
      path.join(__dirname, 'register-ts.cjs'),
      path.join(__dirname, 'worker-child.ts'),
      `${server.host}:${server.port}`,
      queue,
      String(PREFETCH),
      String(CONCURRENCY),
      String(finishAtOnce),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const acked = new Map<string, string>();
  let onReady: (stats: Record<string, number>) => void = () => undefined;
  let notReady: (error: Error) => void = () => undefined;
  let onClosed: (stats: Record<string, number> | undefined) => void = () => undefined;
  const ready = new Promise<Record<string, number>>((resolve, reject) => {
    onReady = resolve;
    notReady = reject;
  });
  const closed = new Promise<Record<string, number> | undefined>((resolve) => (onClosed = resolve));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const message = JSON.parse(line) as { event: string; id?: string; body?: string; stats?: never };
    if (message.event === 'ack') acked.set(message.id as string, message.body as string);
    else if (message.event === 'ready') onReady(message.stats as never);
    else if (message.event === 'closed') onClosed(message.stats as never);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      onClosed(undefined);
      notReady(new Error(`The worker exited (${code}) before it was ready: ${stderr}`));
      resolve(code);
    }),
  );
  return { child, acked, ready, closed, exited };
}

async function fill(queue: string, retry: number): Promise<Set<string>> {
  const bodies = new Set<string>();
  for (let i = 0; i < TOTAL; i += 250)
    await Promise.all(
      Array.from({ length: Math.min(250, TOTAL - i) }, (_, k) => {
        const body = `job-${i + k}`;
        bodies.add(body);
        return conn.addJob(queue, body, { retry, replicate: 1 });
      }),
    );
  return bodies;
}

/** The bodies queued in `queue`, each once (QPEEK takes nothing). */
async function queuedBodies(queue: string): Promise<string[]> {
  return (await conn.qpeek(queue, TOTAL + 1)).map((j) => j.body);
}

function checkAccounting(all: Set<string>, acked: Iterable<string>, queued: string[]): number {
  const ackedBodies = [...acked];
  const union = new Set([...ackedBodies, ...queued]);
  const missing = [...all].filter((b) => !union.has(b));
  expect(missing).toEqual([]);
  // Nothing is both acknowledged and queued, and nothing is queued twice.
  expect(ackedBodies.length + queued.length).toBe(all.size);
  return missing.length;
}

test(
  'Worker kill - SIGTERM: close() acks or gives back every job at once (QLEN + acked = total)',
  async () => {
    const figures: Record<string, number>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const q = uniqueQueue('reliability-term');
      // A RETRY far beyond the test: only the worker's own NACKs can put jobs back in time.
      const all = await fill(q, 300_000);
      const worker = startWorker(q, 0);
      const ready = await worker.ready;
      expect(ready['inHand']).toBe(CONCURRENCY);
      expect((ready['buffered'] ?? 0) + (ready['inHand'] ?? 0)).toBeGreaterThanOrEqual(PREFETCH);
      worker.child.kill('SIGTERM');
      const closed = await worker.closed;
      expect(await worker.exited).toBe(0);
      expect(closed).toBeDefined();
      const qlen = await conn.qlen(q);
      const queued = await queuedBodies(q);
      const lost = checkAccounting(all, worker.acked.values(), queued);
      expect(qlen + worker.acked.size).toBe(TOTAL);
      figures.push({
        prefetched: ready['received'] ?? 0,
        inHand: ready['inHand'] ?? 0,
        acked: worker.acked.size,
        nacked: closed?.['nacked'] ?? 0,
        qlen,
        lost,
      });
    }
    report('worker kill (SIGTERM)', {
      rounds: ROUNDS,
      total: TOTAL,
      'prefetched at signal': figures.map((f) => f['prefetched']).join('/'),
      'in hand at signal': figures.map((f) => f['inHand']).join('/'),
      acked: figures.map((f) => f['acked']).join('/'),
      'NACKed by close()': figures.map((f) => f['nacked']).join('/'),
      QLEN: figures.map((f) => f['qlen']).join('/'),
      lost: figures.reduce((s, f) => s + (f['lost'] ?? 0), 0),
    });
  },
  scale(60_000, 300_000),
);

test(
  'Worker kill - SIGKILL: Disque RETRY brings back every job the dead worker held',
  async () => {
    const figures: Record<string, number>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const q = uniqueQueue('reliability-kill');
      const all = await fill(q, 1000);
      const worker = startWorker(q, 20);
      const ready = await worker.ready;
      expect(ready['inHand']).toBe(CONCURRENCY);
      const before = await conn.qlen(q);
      const killedAt = Date.now();
      worker.child.kill('SIGKILL');
      await worker.exited;
      await waitFor(
        'the jobs of the killed worker to be queued again',
        async () => (await conn.qlen(q)) + worker.acked.size >= TOTAL,
        scale(15_000, 30_000),
      );
      const back = Date.now() - killedAt;
      const queued = await queuedBodies(q);
      const lost = checkAccounting(all, worker.acked.values(), queued);
      figures.push({
        prefetched: ready['received'] ?? 0,
        held: TOTAL - before - worker.acked.size,
        acked: worker.acked.size,
        back,
        lost,
      });
    }
    report('worker kill (SIGKILL)', {
      rounds: ROUNDS,
      total: TOTAL,
      'prefetched at signal': figures.map((f) => f['prefetched']).join('/'),
      'held by the worker': figures.map((f) => f['held']).join('/'),
      'acked before the kill': figures.map((f) => f['acked']).join('/'),
      'back in queue after': figures.map((f) => `${f['back']} ms`).join('/'),
      lost: figures.reduce((s, f) => s + (f['lost'] ?? 0), 0),
    });
  },
  scale(60_000, 300_000),
);
