/**
 * Node loss: producers add jobs with REPLICATE 2 to a 3-node cluster while a Funnel worker pool
 * consumes them; one node is stopped mid-run and restarted later. Every job whose `add` resolved
 * must be processed at least once (tracked by body: a job re-added after a failure has a new id).
 *
 * Runs on an embedded cluster. `RELIABILITY_NODES=h:p,h:p,h:p` runs it on real nodes instead: the
 * test then stops nothing itself; it writes `RELIABILITY_MIDPOINT` (a file path) when a third of
 * the jobs are processed, for whoever runs it to kill and restart a node by hand.
 */
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { connect, type Jobs } from '../../src/jobs.js';
import { DisqueError } from '../../src/errors.js';
import { Connection } from '../../src/connection.js';
import { report, scale, sleep, waitFor, UnhandledCollector } from './support.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('SIGKILLs and restarts node processes: needs nodes it owns');

const TOTAL = Number(process.env['RELIABILITY_JOBS'] ?? scale(3000, 20_000));
const PRODUCERS = 8;
const WORKERS = Number(process.env['RELIABILITY_WORKERS'] ?? 2);
const CONCURRENCY = 8;
const PREFETCH = 64;
/** Producers stay at most this many jobs ahead of the consumers, so the fault hits both. */
const BACKLOG = 500;
/** RETRY of the jobs: how long a copy on a surviving node waits before it queues the job again. */
const RETRY = 3000;
/** How long the node stays down (longer than nodeTimeout, so the others flag it as failed). */
const DOWN_MS = scale(3000, 8000);
const realNodes = process.env['RELIABILITY_NODES'];

const unhandled = new UnhandledCollector();
let cluster: ClusterHandle | undefined;
const handles: Jobs<string>[] = [];

beforeAll(() => unhandled.install());
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await cluster?.close();
  unhandled.uninstall();
  expect(unhandled.reasons).toEqual([]);
});

test(
  'Node loss - every job whose add resolved is processed at least once',
  async () => {
    let seeds: string;
    if (realNodes) seeds = realNodes;
    else {
      cluster = await startCluster({ nodes: 3, nodeTimeout: 2000 });
      seeds = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
    }
    const q = `reliability-node-loss-${randomUUID()}`;
    const common = { nodes: seeds, refreshInterval: 500, connectTimeout: 1000 };
    const producer = connect({
      ...common,
      sharedConnections: 8,
      defaults: { replicate: 2, retry: RETRY, timeout: 2000 },
    });
    // Worker processes, each with its own pool and Funnel (as separate processes would have).
    const consumers = Array.from({ length: WORKERS }, () =>
      connect({
        ...common,
        ...(process.env['RELIABILITY_NO_AFFINITY'] ? { affinity: { enabled: false } } : {}),
      }),
    );
    handles.push(producer, ...consumers);

    // ---- bookkeeping ----
    const added = new Map<string, string>(); // body -> id of the add that resolved
    const seen = new Map<string, number>(); // body -> times processed
    const seenIds = new Set<string>();
    let addFailures = 0;
    let funnelErrors = 0;
    let lastProgress = Date.now();
    let longestStall = 0;
    let stallAtDown = 0;
    let downAt = 0;
    let stopped = -1;
    let queuedOnStopped = 0;
    let nodeDown = 0;
    let nodeUp = 0;
    for (const h of [producer, ...consumers]) {
      h.pool.on('node:down', () => nodeDown++);
      h.pool.on('node:up', () => nodeUp++);
    }
    let upAt = 0;
    const nonTyped: unknown[] = [];

    const t0 = Date.now();
    const timeline = process.env['RELIABILITY_TIMELINE']
      ? setInterval(() => {
          const use = consumers.flatMap((c) =>
            c.pool.stats().map((st) => `${st.node.port}:${st.inUse}/${st.node.priority}`),
          );
          void Promise.all(
            (cluster?.nodes ?? []).map(async (n, i) => {
              if (!cluster?.isRunning(i)) return 'x';
              const c = new Connection({ port: n.port });
              const len = await c.qlen(q).catch(() => -1);
              await c.close();
              return `${n.port}=${len}`;
            }),
          ).then((lens) =>
            process.stdout.write(
              `t=${Date.now() - t0} added=${added.size} seen=${seen.size} qlen=${lens.join(' ')} getjob=${use.join(' ')}\n`,
            ),
          );
        }, 500)
      : undefined;
    const stallTimer = setInterval(() => {
      const waiting = added.size > 0 && [...added.keys()].some((b) => !seen.has(b));
      const gap = Date.now() - lastProgress;
      if (waiting && gap > longestStall) longestStall = gap;
    }, 50);

    // ---- consumers ----
    const funnels = consumers.map((c) => c.funnel(q, { prefetch: PREFETCH }));
    const processing = Promise.all(
      funnels.map((funnel) => {
        funnel.on('error', (err) => {
          funnelErrors++;
          if (!(err instanceof DisqueError)) nonTyped.push(err);
        });
        return funnel.process(
          (job) => {
            seen.set(job.body, (seen.get(job.body) ?? 0) + 1);
            seenIds.add(job.id);
            lastProgress = Date.now();
          },
          { concurrency: CONCURRENCY },
        );
      }),
    );

    // ---- producers ----
    let next = 0;
    const produce = async (): Promise<void> => {
      for (let i = next++; i < TOTAL; i = next++) {
        while (added.size - seen.size > BACKLOG) await sleep(5);
        const body = `job-${i}`;
        for (let attempt = 1; ; attempt++) {
          try {
            added.set(body, await producer.add(body, q));
            break;
          } catch (err) {
            addFailures++;
            if (!(err instanceof DisqueError)) nonTyped.push(err);
            if (attempt >= 50) throw err;
            await sleep(100);
          }
        }
      }
    };
    const producing = Promise.all(Array.from({ length: PRODUCERS }, produce));

    // ---- the fault: stop a node once a third of the jobs are processed, restart it later ----
    const fault = (async () => {
      await waitFor('a third of the jobs processed', () => seen.size >= TOTAL / 3, 120_000, 10);
      downAt = Date.now();
      stallAtDown = longestStall;
      if (cluster) {
        // The node the consumers are blocked on, so that the fault cuts their GETJOB too.
        const stats = consumers.flatMap((c) => c.pool.stats());
        const busiest = stats.reduce((a, b) => (b.inUse > a.inUse ? b : a));
        stopped = Math.max(
          0,
          cluster.nodes.findIndex((n) => n.port === busiest.node.port),
        );
        const direct = new Connection({ port: cluster.nodes[stopped]?.port ?? 0 });
        queuedOnStopped = await direct.qlen(q);
        await direct.close();
        await cluster.stop(stopped);
        await sleep(DOWN_MS);
        await cluster.restart(stopped);
      } else {
        const marker = process.env['RELIABILITY_MIDPOINT'];
        if (marker) writeFileSync(marker, `${downAt}\n`);
        process.stdout.write(`\n[reliability] midpoint reached: kill and restart a node now\n`);
      }
      upAt = Date.now();
    })();

    await Promise.all([producing, fault]);
    const lost = (): string[] => [...added.keys()].filter((b) => !seen.has(b));
    await waitFor('every added job processed', () => lost().length === 0, scale(60_000, 180_000), 100).catch(
      () => undefined,
    );
    clearInterval(stallTimer);
    clearInterval(timeline);
    await Promise.all(funnels.map((f) => f.close()));
    await processing;

    const duplicates = [...seen.values()].reduce((sum, n) => sum + (n > 1 ? n - 1 : 0), 0);
    const idsNotSeen = [...added.values()].filter((id) => !seenIds.has(id)).length;
    report('node loss', {
      target: realNodes ? `real (${seeds})` : 'embedded 3-node cluster',
      jobs: TOTAL,
      added: added.size,
      processed: seen.size,
      lost: lost().length,
      duplicates,
      'longest stall': `${longestStall} ms`,
      'longest stall before the fault': `${stallAtDown} ms`,
      'node down for': `${upAt - downAt} ms`,
      ...(cluster ? { 'stopped node': stopped, 'jobs queued on it when stopped': queuedOnStopped } : {}),
      'node:down events': nodeDown,
      'node:up events': nodeUp,
      'add retries': addFailures,
      'funnel errors': funnelErrors,
      're-added (new id)': idsNotSeen,
    });
    expect(nonTyped).toEqual([]);
    expect(added.size).toBe(TOTAL);
    expect(lost()).toEqual([]);
  },
  scale(110_000, 600_000),
);
