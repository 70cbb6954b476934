#!/usr/bin/env node
// bench:smoke — the benchmark's regression guard, short enough for CI. It asserts nothing about
// time. It fails (exit 1) if a job is lost or if the client's heap keeps growing from round to
// round (memory retained per job processed). Run: npm run bench:smoke [-- --rounds 6 --jobs 10000]
// (--retain leaks on purpose, to see it fail).
// Server: the embedded one, or the first node of DISQUE_NODES.
import { connect } from '../dist/esm/index.js';
import { startServer } from '../dist/esm/server/index.js';
import { freshQueue, inFlight, mib } from './measure.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(argv[i + 1]);
};
const ROUNDS = option('rounds', 6);
const JOBS = option('jobs', 10_000);
/** --retain keeps every job handled: a deliberate leak, to see the guard fail. */
const retained = argv.includes('--retain') ? [] : undefined;
/** Heap growth per round tolerated after warm-up: ~50 bytes per job processed. */
const MAX_GROWTH_PER_ROUND = 50 * JOBS;

if (typeof globalThis.gc !== 'function') {
  console.error('bench:smoke needs node --expose-gc (npm run bench:smoke does it)');
  process.exit(2);
}

function heapAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** One round: JOBS adds with 100 in flight, consumed by a Funnel; returns what was lost. */
async function round(jobs) {
  const q = freshQueue('smoke');
  const pending = new Set();
  await inFlight(JOBS, 100, async () => {
    const body = `job-${pending.size}-${Math.random()}`;
    pending.add(body);
    await jobs.add(body, q);
  });
  const funnel = jobs.funnel(q, { prefetch: 128 });
  const watchdog = setTimeout(() => void funnel.close(), 60_000);
  await funnel.process(
    (job) => {
      pending.delete(job.body);
      retained?.push(job);
      if (pending.size === 0) void funnel.close();
    },
    { concurrency: 8 },
  );
  clearTimeout(watchdog);
  const queued = await jobs.len(q);
  return { lost: pending.size, queued };
}

async function main() {
  const given = process.env.DISQUE_NODES?.split(',')[0];
  const server = given ? undefined : await startServer({ port: 0 });
  const jobs = connect({
    nodes: given ?? `127.0.0.1:${server.port}`,
    discover: false,
    defaults: { replicate: 1, retry: 60_000 },
  });
  const heaps = [];
  let failed = false;
  for (let r = 1; r <= ROUNDS; r++) {
    const { lost, queued } = await round(jobs);
    heaps.push(heapAfterGc());
    console.log(`round ${r}: ${JOBS} jobs, lost ${lost}, left queued ${queued}, heap ${mib(heaps.at(-1))}`);
    if (lost > 0 || queued > 0) failed = true;
  }
  // The first two rounds warm up (JIT, connection buffers, pools); after that the heap must stay put.
  const settled = heaps.slice(2);
  const growth = settled.length > 1 ? (settled.at(-1) - settled[0]) / (settled.length - 1) : 0;
  const leaking = growth > MAX_GROWTH_PER_ROUND;
  console.log(
    `heap growth after warm-up: ${mib(growth)} per round of ${JOBS} jobs (limit ${mib(MAX_GROWTH_PER_ROUND)})`,
  );
  await jobs.close();
  await server?.close();
  if (failed || leaking) {
    const reasons = [failed && 'jobs lost or left behind', leaking && 'heap grows per round'].filter(Boolean);
    console.error(`bench:smoke FAILED: ${reasons.join(', ')}`);
    process.exit(1);
  }
  console.log('bench:smoke ok: lost 0, heap flat');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
