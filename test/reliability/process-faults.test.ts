/**
 * Process-level faults on a 3-node cluster of real processes (`startCluster({ processes: true })`,
 * the TCP cluster bus, nodes.conf in each node's dir; needs `npm run build`):
 * - a node process is SIGKILLed mid-stream while producers add (REPLICATE 2) and Funnel workers
 *   consume, then restarted with the same identity (its nodes.conf);
 * - the same, but restarted with its directory wiped (a new node id that meets the cluster again);
 * - a worker *process* holding prefetched jobs is SIGKILLed; a second worker must finish them;
 * - on a second cluster whose every link goes through a fault proxy (the client links, and the
 *   cluster bus: each node's bus listens on `cluster-port` behind a proxy at port + 10000, and
 *   dials from its own `bind-source-addr`, so a proxy can tell the nodes apart): the client links
 *   to one node, then to every node, are cut mid-stream and restored; and one node is cut off the
 *   bus (silently, both ways, while clients still reach it) until the others mark it FAIL, then
 *   the partition heals.
 * Each prints added / processed / lost / duplicated; lost must be 0 (duplicates are allowed:
 * Disque is at-least-once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { pickPort } from '../../src/server/process-cluster.js';
import { respCall, type RespValue } from '../../src/server/resp-call.js';
import { connect, type ConnectOptions, type Jobs } from '../../src/jobs.js';
import { DisqueError } from '../../src/errors.js';
import { prng, report, scale, sleep, waitFor, UnhandledCollector } from './support.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
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

beforeAll(() => unhandled.install());
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(handles.map((h) => h.close()));
  unhandled.uninstall();
  expect(unhandled.reasons).toEqual([]);
});

/** What a fault step may read of the stream it runs in. */
interface StreamProgress {
  /** Distinct jobs processed so far. */
  processed(): number;
  /** Jobs added so far. */
  added(): number;
}

/**
 * Producers and consumers on one queue; `fault` runs once a third of the jobs are processed.
 * `links` are the client options (default: straight to the nodes); `extra` adds figures to the report.
 */
async function stream(
  label: string,
  fault: (progress: StreamProgress) => Promise<void>,
  links: Pick<ConnectOptions<string>, 'nodes' | 'natMap'> = { nodes: seeds },
  extra: () => Record<string, number> = () => ({}),
): Promise<void> {
  const q = `reliability-process-${randomUUID()}`;
  const common = { refreshInterval: 500, connectTimeout: 1000, ...links };
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
    await fault({ processed: () => seen.size, added: () => added.size });
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
    ...extra(),
  });
  expect(nonTyped).toEqual([]);
  expect(added.size).toBe(TOTAL);
  expect(lost()).toEqual([]);
}

describe('node and worker processes', () => {
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, processes: true, nodeTimeout: 1000 });
    seeds = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  }, 60_000);
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await cluster.close();
  });

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
});

describe('links through the fault proxy', () => {
  /** Node i's outgoing bus links come from this address: the bus proxies tell nodes apart by it. */
  const sourceOf = (i: number): string => `127.0.0.${i + 2}`;
  let linked: ClusterHandle;
  let ids: string[];
  /** In front of each node's client port (the SDK reaches node i only through clientProxies[i]). */
  let clientProxies: FaultProxy[] = [];
  /** At node i's bus port (its port + 10000); node i's bus really listens on its `cluster-port`. */
  let busProxies: FaultProxy[] = [];
  let links: Pick<ConnectOptions<string>, 'nodes' | 'natMap'>;

  beforeAll(async () => {
    const taken = new Set<number>();
    const ports: number[] = [];
    const busPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const list of [ports, busPorts]) {
        const p = await pickPort('127.0.0.1', taken);
        taken.add(p);
        list.push(p);
      }
    }
    const random = prng(1); // no random faults here: only the cuts below
    busProxies = await Promise.all(
      ports.map((p, i) =>
        startFaultProxy({ host: '127.0.0.1', port: busPorts[i]! }, { random, port: p + 10000 }),
      ),
    );
    linked = await startCluster({
      nodes: 3,
      processes: true,
      nodeTimeout: 1000,
      ports,
      nodeArgs: (i) => ['--cluster-port', String(busPorts[i]), '--bind-source-addr', sourceOf(i)],
    });
    ids = linked.nodes.map((n) => n.nodeId);
    clientProxies = await Promise.all(linked.nodes.map((n) => startFaultProxy(n, { random })));
    const natMap: Record<string, { host: string; port: number }> = {};
    linked.nodes.forEach((n, i) => {
      natMap[`${n.host}:${n.port}`] = { host: '127.0.0.1', port: clientProxies[i]!.port };
    });
    links = { nodes: clientProxies.map((p) => `127.0.0.1:${p.port}`).join(','), natMap };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await Promise.all([...clientProxies, ...busProxies].map((p) => p.close()));
    await linked?.close();
  });

  /** Node i's view of the others (HELLO): node id → priority (1 up, 5 no link, 10 PFAIL, 100 FAIL). */
  async function view(i: number): Promise<Map<string, number>> {
    const n = linked.nodes[i]!;
    const hello = (await respCall(n.host, n.port, ['HELLO'], undefined, 2000)) as RespValue[];
    return new Map((hello.slice(2) as string[][]).map((e) => [e[0]!, Number(e[3])]));
  }
  const everyLinkUp = async (): Promise<boolean> => {
    for (let i = 0; i < 3; i++) {
      const v = await view(i);
      if (!ids.every((id) => v.get(id) === 1)) return false;
    }
    return true;
  };
  /** Waits until `more` further jobs are processed: the stream goes on through the fault. */
  const flowing = async (progress: StreamProgress, what: string, more: number): Promise<void> => {
    const from = progress.processed();
    await waitFor(
      `${more} more jobs processed ${what}`,
      () => progress.processed() >= from + more,
      30_000,
      20,
    );
  };
  const cutCounts = (proxies: FaultProxy[]) => proxies.reduce((s, p) => s + p.counts.cutConnections, 0);

  test('client links to one node, then to every node, cut mid-stream and restored: nothing lost', async () => {
    await waitFor('every bus link up', everyLinkUp, 30_000, 100);
    const before = cutCounts(clientProxies);
    let oneCut = 0;
    let allCut = 0;
    let addedWhileCut = 0;
    await stream(
      'client links cut and restored (one node, then all)',
      async (progress) => {
        const one = clientProxies[1]!;
        const refusedBefore = one.counts.cutConnections;
        const addedBefore = progress.added();
        one.cut();
        // The SDK tried node 1 again and was refused, and the other nodes kept the stream going.
        await waitFor(
          'a reconnection to node 1 refused',
          () => one.counts.cutConnections > refusedBefore,
          30_000,
          20,
        );
        await flowing(progress, 'with node 1 cut off', TOTAL / 12);
        one.restore();
        addedWhileCut = progress.added() - addedBefore;
        oneCut = one.counts.cutConnections - refusedBefore;
        await flowing(progress, 'after node 1 came back', TOTAL / 12);

        const marks = clientProxies.map((p) => p.counts.cutConnections);
        for (const p of clientProxies) p.cut();
        await waitFor(
          'a reconnection to every node refused',
          () => clientProxies.every((p, i) => p.counts.cutConnections > marks[i]!),
          30_000,
          20,
        );
        for (const p of clientProxies) p.restore();
        allCut = clientProxies.reduce((s, p, i) => s + p.counts.cutConnections - marks[i]!, 0);
      },
      links,
      () => ({
        'added while node 1 was cut': addedWhileCut,
        'refused while node 1 was cut': oneCut,
        'refused while all were cut': allCut,
      }),
    );
    expect(cutCounts(clientProxies)).toBeGreaterThan(before);
  }, 120_000);

  test('one node cut off the cluster bus (a silent partition) until the others mark it FAIL, then healed: nothing lost', async () => {
    await waitFor('every bus link up', everyLinkUp, 30_000, 100);
    const x = 2;
    const [a, b] = [0, 1];
    let failSeen = 0;
    let healMs = 0;
    let addedWhileCut = 0;
    let refusal: RespValue = null;
    const swallowed = (): number => busProxies.reduce((s, p) => s + p.counts.cutChunks, 0);
    await stream(
      `node ${x} cut off the bus and healed`,
      async (progress) => {
        // Node x hears nothing on its bus port, and nothing it dials gets through: clients still reach it.
        busProxies.forEach((p, i) =>
          p.cut(i === x ? { mode: 'silent' } : { mode: 'silent', from: sourceOf(x) }),
        );
        const started = Date.now();
        const addedBefore = progress.added();
        await waitFor(
          `nodes ${a} and ${b} to mark node ${x} FAIL, and node ${x} to see them failing`,
          async () => {
            const [va, vb, vx] = await Promise.all([view(a), view(b), view(x)]);
            return (
              va.get(ids[x]!) === 100 &&
              vb.get(ids[x]!) === 100 &&
              (vx.get(ids[a]!) ?? 0) >= 10 &&
              (vx.get(ids[b]!) ?? 0) >= 10
            );
          },
          30_000,
          50,
        );
        failSeen = Date.now() - started;
        // Cut off, node x can replicate to no one: it refuses REPLICATE 2 (the SDK takes such adds elsewhere).
        const n = linked.nodes[x]!;
        const probe = ['ADDJOB', `probe-${randomUUID()}`, 'probe', '1000', 'REPLICATE', '2'];
        refusal = await respCall(n.host, n.port, probe, undefined, 5000);
        await flowing(progress, `while node ${x} is partitioned`, TOTAL / 12);
        addedWhileCut = progress.added() - addedBefore;
        for (const p of busProxies) p.restore();
        const healing = Date.now();
        await waitFor('every node to see every other up again', everyLinkUp, 30_000, 50);
        healMs = Date.now() - healing;
      },
      links,
      () => ({
        'added during the partition': addedWhileCut,
        'ms to FAIL': failSeen,
        'ms to heal': healMs,
        'bus chunks swallowed': swallowed(),
      }),
    );
    expect(refusal).toBeInstanceOf(Error);
    expect(String(refusal)).toMatch(/NOREPL/);
    // Node x's own dials were held back too (the proxies at a and b told them apart by their
    // bind-source-addr), not only what the others sent it.
    for (const other of [a, b]) {
      const c = busProxies[other]!.counts;
      expect(c.cutChunks + c.cutConnections).toBeGreaterThan(0);
    }
  }, 120_000);
});
