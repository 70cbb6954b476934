#!/usr/bin/env node
// The benchmark suite (not part of `npm test`): the SDK against a raw pipelined RESP client
// measured in the same run, rounds interleaved, medians and ratios, then issue 8's targets.
//
//   npm run bench [-- --rounds 3 --jobs 20000 --compare --rss-jobs 1000000 --cluster h:p,h:p,h:p --strict]
//
// Server: the first node of DISQUE_NODES, else the embedded server. Cluster scenario: --cluster,
// else DISQUE_NODES when it lists 3+ nodes, else an embedded 3-node cluster (skipped when
// DISQUE_NODES names a single node and no --cluster is given).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connect } from '../dist/esm/index.js';
import { startCluster, startServer } from '../dist/esm/server/index.js';
import { RawClient } from './raw-client.mjs';
import { freshQueue, inFlight, interleaved, mib, quantile, rate, settledRss } from './measure.mjs';
import { compareVariants, connectionVariant, rawVariant } from './variants.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
};
const ROUNDS = Number(option('rounds', 3));
const N = Number(option('jobs', 20_000));
const RSS_JOBS = Number(option('rss-jobs', 1_000_000));
/** Hops per round of the latency scenario: p99 needs a few thousand to settle. */
const HOPS = Number(option('hops', 2000));
const COMPARE = flag('compare');
/** --only produce,consume,latency,memory,cluster runs just those (for quick iterations). */
const ONLY = option('only', '') ? new Set(option('only', '').split(',')) : undefined;
const wanted = (scenario) => !ONLY || ONLY.has(scenario);
const BODY = 'x'.repeat(100);

/** The consume variants the targets read. */
const FUNNEL_DEFAULT = 'Funnel.process, defaults (c=100)';
const FUNNEL_TUNED = 'Funnel.process, prefetch 512 (c=16)';

const results = { scenarios: {}, latency: {}, memory: {}, cluster: undefined, targets: [] };

function printScenario(title, medians, base = medians.raw) {
  const unit = 'jobs/s';
  console.log(`\n${title}`);
  for (const [variant, value] of Object.entries(medians))
    console.log(
      `  ${variant.padEnd(38)} ${value.toFixed(0).padStart(9)} ${unit}   ${(value / base).toFixed(2)}x raw`,
    );
}

async function produce(clients) {
  for (const [label, concurrency, n] of [
    ['produce, 1 in flight', 1, N / 4],
    ['produce, 100 in flight', 100, N],
  ]) {
    const medians = await interleaved(
      ROUNDS,
      Object.fromEntries(
        Object.entries(clients).map(([name, client]) => [
          name,
          () => {
            const q = freshQueue('p');
            return rate(n, () => inFlight(n, concurrency, () => client.add(q, BODY, 1)));
          },
        ]),
      ),
    );
    results.scenarios[label] = medians;
    printScenario(label, medians);
  }
}

async function consume(clients, jobs, raw, viaIoredis) {
  const fill = (q) => inFlight(N, 100, () => raw.add(q, BODY, 1));
  const getAckLoop = (client) => async () => {
    const q = freshQueue('c');
    await fill(q);
    let done = 0;
    const perSecond = await rate(N, () =>
      Promise.all(
        Array.from({ length: 100 }, async () => {
          while (done < N && (await client.getAck(q))) done++;
        }),
      ),
    );
    // A client that stops early (an empty reply misread, a failed ack) must not look fast.
    const left = Number(await raw.raw.send('QLEN', q));
    if (done !== N || left !== 0)
      throw new Error(`consume loop handled ${done} of ${N} jobs, ${left} left queued`);
    return perSecond;
  };
  const variants = {
    // The raw ceiling: GETJOB COUNT 100 and one ACKJOB per batch.
    raw: async () => {
      const q = freshQueue('c');
      await fill(q);
      return rate(N, async () => {
        let left = N;
        while (left > 0) {
          const batch = await raw.raw.send('GETJOB', 'NOHANG', 'COUNT', '100', 'FROM', q);
          if (!batch) continue;
          await raw.raw.send('ACKJOB', ...batch.map((j) => j[1]));
          left -= batch.length;
        }
      });
    },
    // What users get: `jobs.funnel(q)` with no options (adaptive prefetch), as issue 13 measured it.
    [FUNNEL_DEFAULT]: async () => {
      const perSecond = await funnelRun(jobs, {}, 100);
      windows.push(lastWindow);
      return perSecond;
    },
    // Tuned by hand: a fixed large prefetch.
    [FUNNEL_TUNED]: () => funnelRun(jobs, { prefetch: 512 }, 16),
    'Funnel tuned (ioredis path)': () => funnelRun(viaIoredis, { prefetch: 512 }, 16),
    'Jobs.tryGet + ack (c=100)': getAckLoop({
      getAck: async (q) => {
        const job = await jobs.tryGet(q);
        if (!job) return false;
        await jobs.ack(job);
        return true;
      },
    }),
  };
  /** The adaptive prefetch window the default Funnel had reached at its last job, per round. */
  const windows = [];
  let lastWindow = 0;
  async function funnelRun(handle, options, concurrency) {
    const q = freshQueue('c');
    await fill(q);
    const funnel = handle.funnel(q, options);
    let seen = 0;
    const t0 = performance.now();
    let t1 = 0;
    // Timed to the last job handled: close() then waits up to a second for the last GETJOB,
    // which is shutdown, not throughput.
    await funnel.process(
      () => {
        if (++seen === N) {
          t1 = performance.now();
          lastWindow = funnel.stats.prefetch;
          void funnel.close();
        }
      },
      { concurrency },
    );
    return N / ((t1 - t0) / 1000);
  }
  variants['raw GETJOB+ACKJOB (c=100)'] = getAckLoop(raw);
  for (const [name, client] of Object.entries(clients))
    variants[`${name} GETJOB+ACKJOB (c=100)`] = getAckLoop(client);
  const medians = await interleaved(ROUNDS, variants);
  results.scenarios.consume = medians;
  printScenario('consume', medians);
  console.log(
    `  (${FUNNEL_DEFAULT}: adaptive prefetch window at the last job, per round: ${windows.join(', ')})`,
  );
}

async function latency(host, port, jobs) {
  const makers = {
    raw: async () => {
      const producer = await RawClient.connect(host, port);
      const consumer = await RawClient.connect(host, port);
      const q = freshQueue('lat');
      return {
        consume: () =>
          consumer.send('GETJOB', 'TIMEOUT', '5000', 'FROM', q).then((r) => consumer.send('ACKJOB', r[0][1])),
        produce: () => producer.send('ADDJOB', q, BODY, '0', 'REPLICATE', '1'),
        close: () => {
          producer.close();
          consumer.close();
        },
      };
    },
    SDK: async () => {
      const q = freshQueue('lat');
      const consumer = jobs.timeout(5000);
      return {
        consume: () => consumer.get(q).then((j) => jobs.ack(j)),
        produce: () => jobs.add(BODY, q),
        close: () => undefined,
      };
    },
  };
  const hops = { raw: [], SDK: [] };
  // A warm-up round first, not counted (the JIT compiles the code paths meanwhile: in the first
  // thousand hops it shows as a tail of milliseconds), then rounds of HOPS hops at up to 1 000
  // jobs/s, interleaved; quantiles over all counted hops.
  for (let r = -1; r < ROUNDS; r++)
    for (const [variant, make] of Object.entries(makers)) {
      const { consume, produce, close } = await make();
      const start = performance.now();
      for (let i = 0; i < HOPS; i++) {
        const t0 = performance.now();
        const got = consume();
        await produce();
        await got;
        if (r >= 0) hops[variant].push(performance.now() - t0);
        const wait = start + (i + 1) - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      await close();
    }
  console.log('\nend-to-end latency at up to 1 000 jobs/s (add → blocked get → ack)');
  for (const [variant, xs] of Object.entries(hops)) {
    const p50 = quantile(xs, 0.5);
    const p99 = quantile(xs, 0.99);
    results.latency[variant] = { p50, p99 };
    console.log(
      `  ${variant.padEnd(38)} p50 ${p50.toFixed(3)} ms   p99 ${p99.toFixed(3)} ms   p99 ${(p99 / quantile(hops.raw, 0.99)).toFixed(2)}x raw`,
    );
  }
}

/** Client memory with 100 000 adds in flight at once: the raw client against Jobs.add. */
async function memoryInFlight(raw, jobs) {
  const peakDuring = async (fn) => {
    const base = settledRss();
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    await fn();
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return peak - base;
  };
  const n = 100_000;
  const rawBytes = await peakDuring(() => {
    const q = freshQueue('mem');
    return Promise.all(Array.from({ length: n }, () => raw.add(q, BODY, 1)));
  });
  const sdkBytes = await peakDuring(() => {
    const q = freshQueue('mem');
    return Promise.all(Array.from({ length: n }, () => jobs.add(BODY, q)));
  });
  results.memory.inFlight = { jobs: n, raw: rawBytes, sdk: sdkBytes };
  console.log(`\nRSS growth with ${n} adds in flight: raw ${mib(rawBytes)}, Jobs.add ${mib(sdkBytes)}`);
}

/** RSS of a producer + Funnel consumer after 100k and after RSS_JOBS jobs processed. */
async function memoryFlat(jobs) {
  const q = freshQueue('rss');
  const funnel = jobs.funnel(q, { prefetch: 256 });
  let added = 0;
  let processed = 0;
  const samples = {};
  const marks = [100_000, RSS_JOBS];
  const producing = (async () => {
    const producer = jobs.with({});
    await inFlight(RSS_JOBS, 100, async () => {
      while (added - processed > 50_000) await new Promise((resolve) => setTimeout(resolve, 5));
      added++;
      await producer.add(BODY, q);
    });
  })();
  const t0 = performance.now();
  await funnel.process(
    () => {
      processed++;
      if (marks.includes(processed)) {
        samples[processed] = settledRss();
        if (processed === RSS_JOBS) void funnel.close();
      }
    },
    { concurrency: 16 },
  );
  await producing;
  const seconds = (performance.now() - t0) / 1000;
  const first = samples[100_000];
  const last = samples[RSS_JOBS];
  results.memory.flat = { at100k: first, atEnd: last, jobs: RSS_JOBS, ratio: last / first };
  console.log(
    `\nRSS while producing and consuming ${RSS_JOBS} jobs (${(RSS_JOBS / seconds).toFixed(0)} jobs/s): ` +
      `${mib(first)} after 100k, ${mib(last)} after ${RSS_JOBS} (${((last / first - 1) * 100).toFixed(1)} %)`,
  );
}

/** Produce on a cluster with default replication: single-connection clients against the pool. */
async function clusterProduce(nodes, compare) {
  const [host, port] = nodes[0].split(':');
  const singles = {
    raw: await rawVariant(host, Number(port)),
    Connection: connectionVariant(host, Number(port)),
  };
  if (compare) Object.assign(singles, await compareVariants(host, Number(port)));
  const jobs = connect({ nodes: nodes.join(',') });
  await jobs.pool.ready();
  const n = N / 4;
  // Every node is emptied after each run, so that later runs do not meet a fuller server.
  const flushers = await Promise.all(nodes.map((node) => RawClient.connect(...parseHostPort(node))));
  const run = (add) => async () => {
    const q = freshQueue('cl');
    const perSecond = await rate(n, () => inFlight(n, 100, () => add(q)));
    await Promise.all(flushers.map((f) => f.send('DEBUG', 'FLUSHALL')));
    return perSecond;
  };
  const variants = Object.fromEntries(
    Object.entries(singles).map(([name, c]) => [`${name} (1 connection)`, run((q) => c.add(q, BODY))]),
  );
  variants['Jobs.add (pool)'] = run((q) => jobs.add(BODY, q));
  const medians = await interleaved(ROUNDS, variants);
  results.cluster = { nodes, medians };
  printScenario(
    `cluster produce, ${nodes.length} nodes, default replication, 100 in flight`,
    medians,
    medians['raw (1 connection)'],
  );
  for (const c of Object.values(singles)) await c.close();
  for (const f of flushers) f.close();
  await jobs.close();
}

function parseHostPort(address) {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

function checkTargets() {
  const s = results.scenarios;
  const p100 = s['produce, 100 in flight'];
  const c = s.consume;
  const t = [];
  const add = (name, value, ok) => t.push({ name, value, ok });
  if (p100)
    add(
      'produce c=100, Jobs.add ≥ 0.75× raw',
      p100['Jobs.add'] / p100.raw,
      p100['Jobs.add'] / p100.raw >= 0.75,
    );
  if (p100?.['thunk-disque'])
    add(
      'produce c=100, Jobs.add ≥ 1.1× thunk-disque',
      p100['Jobs.add'] / p100['thunk-disque'],
      p100['Jobs.add'] / p100['thunk-disque'] >= 1.1,
    );
  const funnel = c?.[FUNNEL_DEFAULT];
  if (c) add('Funnel, defaults ≥ 0.8× raw batched ceiling', funnel / c.raw, funnel / c.raw >= 0.8);
  const thunkLoop = c?.['thunk-disque GETJOB+ACKJOB (c=100)'];
  if (thunkLoop)
    add('Funnel, defaults ≥ 2× thunk-disque GETJOB+ACKJOB', funnel / thunkLoop, funnel / thunkLoop >= 2);
  const tuned = c?.[FUNNEL_TUNED];
  if (c) add('Funnel, prefetch 512 ≥ 0.8× raw batched ceiling', tuned / c.raw, tuned / c.raw >= 0.8);
  if (results.latency.SDK) {
    const lat = results.latency.SDK.p99 / results.latency.raw.p99;
    add('latency p99 ≤ 1.2× raw', lat, lat <= 1.2);
  }
  if (results.memory.flat) {
    const r = results.memory.flat.ratio;
    add(`RSS flat ±10 % (100k → ${RSS_JOBS})`, r, r >= 0.9 && r <= 1.1);
  }
  if (results.cluster) {
    const m = results.cluster.medians;
    const best = Math.max(
      ...Object.entries(m)
        .filter(([k]) => k.includes('1 connection'))
        .map(([, v]) => v),
    );
    add(
      'cluster produce ≥ 2.5× any single-connection client',
      m['Jobs.add (pool)'] / best,
      m['Jobs.add (pool)'] / best >= 2.5,
    );
  }
  results.targets = t;
  console.log('\ntargets');
  for (const { name, value, ok } of t)
    console.log(`  ${ok ? 'met ' : 'MISS'}  ${name.padEnd(52)} ${value.toFixed(2)}`);
  return t.every((x) => x.ok);
}

/** The results as the README's table. */
function markdown(server) {
  const rows = ['| scenario | variant | jobs/s | × raw |', '| --- | --- | ---: | ---: |'];
  for (const [scenario, medians] of Object.entries(results.scenarios))
    for (const [variant, value] of Object.entries(medians))
      rows.push(`| ${scenario} | ${variant} | ${value.toFixed(0)} | ${(value / medians.raw).toFixed(2)} |`);
  if (results.cluster) {
    const m = results.cluster.medians;
    const base = m['raw (1 connection)'];
    for (const [variant, value] of Object.entries(m))
      rows.push(
        `| cluster produce (3 nodes) | ${variant} | ${value.toFixed(0)} | ${(value / base).toFixed(2)} |`,
      );
  }
  const { raw, SDK } = results.latency;
  const lines = [
    `${server}, ${ROUNDS} rounds of ${N} jobs, medians (${new Date().toISOString().slice(0, 10)}, Node ${process.version}).`,
    '',
    ...rows,
    '',
  ];
  if (raw && SDK)
    lines.push(
      `Latency at up to 1 000 jobs/s: raw p50 ${raw.p50.toFixed(3)} ms, p99 ${raw.p99.toFixed(3)} ms; ` +
        `SDK p50 ${SDK.p50.toFixed(3)} ms, p99 ${SDK.p99.toFixed(3)} ms.`,
    );
  if (results.memory.inFlight) {
    const m = results.memory.inFlight;
    lines.push(`RSS growth with ${m.jobs} adds in flight: raw ${mib(m.raw)}, Jobs.add ${mib(m.sdk)}.`);
  }
  if (results.memory.flat) {
    const f = results.memory.flat;
    lines.push(`RSS after 100 000 jobs ${mib(f.at100k)}, after ${f.jobs} ${mib(f.atEnd)}.`);
  }
  lines.push('', '| target | measured | |', '| --- | ---: | --- |');
  for (const t of results.targets)
    lines.push(`| ${t.name} | ${t.value.toFixed(2)} | ${t.ok ? 'met' : 'missed'} |`);
  return `${lines.join('\n')}\n`;
}

async function main() {
  const given = (process.env.DISQUE_NODES ?? '').split(',').filter(Boolean);
  const embedded = given.length === 0 ? await startServer({ port: 0 }) : undefined;
  const [host, portText] = (given[0] ?? `127.0.0.1:${embedded.port}`).split(':');
  const port = Number(portText);
  const raw = await rawVariant(host, port);
  const clients = { raw, 'Connection.addJob': connectionVariant(host, port) };
  const jobs = connect({ nodes: `${host}:${port}`, discover: false, defaults: { replicate: 1 } });
  clients['Jobs.add'] = { add: (q, body) => jobs.add(body, q), close: () => undefined };
  // The same through ioredis only (fastPath off): what the lean hot path is measured against.
  const viaIoredis = connect({
    nodes: `${host}:${port}`,
    discover: false,
    fastPath: false,
    defaults: { replicate: 1 },
  });
  clients['Jobs.add (ioredis path)'] = {
    add: (q, body) => viaIoredis.add(body, q),
    close: () => viaIoredis.close(),
  };
  const compared = COMPARE ? await compareVariants(host, port) : {};
  Object.assign(clients, compared);
  console.log(
    `disque-ts bench: ${embedded ? 'embedded server' : `Disque at ${host}:${port}`}, ${ROUNDS} rounds interleaved, ` +
      `${N} jobs, 100-byte bodies, medians${COMPARE ? ', with thunk-disque and disqueue-node' : ''}`,
  );

  if (wanted('produce')) await produce(clients);
  if (wanted('consume')) await consume(compared, jobs, raw, viaIoredis);
  await raw.raw.send('DEBUG', 'FLUSHALL');
  if (wanted('latency')) await latency(host, port, jobs);
  if (wanted('memory')) await memoryInFlight(raw, jobs);
  await raw.raw.send('DEBUG', 'FLUSHALL');
  if (wanted('memory') && RSS_JOBS > 0) await memoryFlat(jobs);
  await raw.raw.send('DEBUG', 'FLUSHALL');

  let clusterNodes = (option('cluster', '') || '').split(',').filter(Boolean);
  let cluster;
  if (clusterNodes.length === 0 && given.length >= 3) clusterNodes = given;
  if (clusterNodes.length === 0 && given.length === 0 && wanted('cluster')) {
    cluster = await startCluster({ nodes: 3 });
    clusterNodes = cluster.nodes.map((n) => `${n.host}:${n.port}`);
  }
  if (!wanted('cluster')) clusterNodes = [];
  if (clusterNodes.length > 0) await clusterProduce(clusterNodes, COMPARE);
  else if (wanted('cluster'))
    console.log('\ncluster produce: skipped (DISQUE_NODES names one node; pass --cluster h:p,h:p,h:p)');

  const allMet = checkTargets();
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, 'latest.json');
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        server: embedded ? 'embedded' : `${host}:${port}`,
        node: process.version,
        rounds: ROUNDS,
        jobs: N,
        ...results,
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(
    path.join(out, 'latest.md'),
    markdown(embedded ? 'embedded server' : `Disque at ${host}:${port}`),
  );
  console.log(`\nwritten ${path.relative(process.cwd(), file)} and latest.md (the table for the README)`);
  for (const c of Object.values(clients)) await c.close();
  await jobs.close();
  await embedded?.close();
  await cluster?.close();
  if (flag('strict') && !allMet) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
