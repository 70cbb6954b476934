#!/usr/bin/env node
// The benchmark suite: SDK against a raw pipelined RESP client measured in the same run, several
// rounds each, medians and ratios. Not part of `npm test`. Run: npm run bench [-- --rounds 3]
// Server: DISQUE_NODES (first node) when set, else the embedded server.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Connection, connect } from '../dist/esm/index.js';
import { startServer } from '../dist/esm/server/index.js';
import { RawClient } from './raw-client.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const ROUNDS = opt('rounds', 3);
const N = opt('jobs', 20_000);
const BODY = 'x'.repeat(100);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
let queueCounter = 0;
const queue = (label) => `bench-${label}-${process.pid}-${queueCounter++}`;

async function inFlight(n, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
}

async function rate(n, fn) {
  const t0 = performance.now();
  await fn();
  return n / ((performance.now() - t0) / 1000);
}

async function main() {
  const embedded = process.env.DISQUE_NODES ? undefined : await startServer({ port: 0 });
  const [host, portText] = (process.env.DISQUE_NODES ?? `127.0.0.1:${embedded?.port}`)
    .split(',')[0]
    .split(':');
  const port = Number(portText);
  const raw = await RawClient.connect(host, port);
  const conn = new Connection({ host, port });
  const jobs = connect({ nodes: `${host}:${port}`, discover: false, defaults: { replicate: 1 } });
  const results = [];

  const scenario = async (name, runs) => {
    const medians = {};
    for (const [variant, run] of Object.entries(runs)) {
      const xs = [];
      for (let r = 0; r < ROUNDS; r++) xs.push(await run());
      medians[variant] = median(xs);
    }
    results.push({ name, medians });
    const base = medians.raw;
    console.log(`\n${name}`);
    for (const [variant, value] of Object.entries(medians))
      console.log(
        `  ${variant.padEnd(22)} ${value.toFixed(0).padStart(9)} jobs/s   ${(value / base).toFixed(2)}x raw`,
      );
  };

  const addRaw = (q) => raw.send('ADDJOB', q, BODY, '0', 'REPLICATE', '1');
  await scenario('produce, 1 in flight', {
    raw: () => {
      const q = queue('p1');
      return rate(N / 4, () => inFlight(N / 4, 1, () => addRaw(q)));
    },
    'Connection.addJob': () => {
      const q = queue('p1');
      return rate(N / 4, () => inFlight(N / 4, 1, () => conn.addJob(q, BODY, { replicate: 1 })));
    },
    'Jobs.add': () => {
      const q = queue('p1');
      return rate(N / 4, () => inFlight(N / 4, 1, () => jobs.add(BODY, q)));
    },
  });
  await scenario('produce, 100 in flight', {
    raw: () => {
      const q = queue('p100');
      return rate(N, () => inFlight(N, 100, () => addRaw(q)));
    },
    'Connection.addJob': () => {
      const q = queue('p100');
      return rate(N, () => inFlight(N, 100, () => conn.addJob(q, BODY, { replicate: 1 })));
    },
    'Jobs.add': () => {
      const q = queue('p100');
      return rate(N, () => inFlight(N, 100, () => jobs.add(BODY, q)));
    },
  });

  const fill = async (q) => inFlight(N, 100, () => addRaw(q));
  await scenario('consume', {
    raw: async () => {
      // The raw ceiling: GETJOB COUNT 100 and one ACKJOB per batch.
      const q = queue('c');
      await fill(q);
      return rate(N, async () => {
        let left = N;
        while (left > 0) {
          const batch = await raw.send('GETJOB', 'NOHANG', 'COUNT', '100', 'FROM', q);
          if (!batch) continue;
          await raw.send('ACKJOB', ...batch.map((j) => j[1]));
          left -= batch.length;
        }
      });
    },
    'Funnel.process (c=16)': async () => {
      const q = queue('c');
      await fill(q);
      const funnel = jobs.funnel(q, { prefetch: 256 });
      let seen = 0;
      const t0 = performance.now();
      let t1 = 0;
      // Timed to the last job handled: close() afterwards waits up to a second for the last
      // GETJOB, which is shutdown, not throughput.
      await funnel.process(
        () => {
          if (++seen === N) {
            t1 = performance.now();
            void funnel.close();
          }
        },
        { concurrency: 16 },
      );
      return N / ((t1 - t0) / 1000);
    },
    'Jobs.get + ack': async () => {
      const q = queue('c');
      await fill(q);
      return rate(N / 4, () => inFlight(N / 4, 1, async () => jobs.ack(await jobs.get(q)))).finally(() =>
        // What this variant left behind.
        raw.send('DEBUG', 'FLUSHALL').catch(() => undefined),
      );
    },
  });

  // End-to-end latency at a fixed 1 000 jobs/s: producer → blocked consumer.
  const lat = {};
  for (const [variant, make] of Object.entries({
    raw: async () => {
      const consumer = await RawClient.connect(host, port);
      const q = queue('lat');
      return {
        consume: () =>
          consumer.send('GETJOB', 'TIMEOUT', '5000', 'FROM', q).then((r) => consumer.send('ACKJOB', r[0][1])),
        produce: () => addRaw(q),
        close: () => consumer.close(),
      };
    },
    SDK: async () => {
      const q = queue('lat');
      return {
        consume: () =>
          jobs
            .timeout(5000)
            .get(q)
            .then((j) => jobs.ack(j)),
        produce: () => jobs.add(BODY, q),
        close: () => undefined,
      };
    },
  })) {
    const { consume, produce, close } = await make();
    const hops = [];
    const start = performance.now();
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      const got = consume();
      await produce();
      await got;
      hops.push(performance.now() - t0);
      const wait = start + (i + 1) - performance.now(); // 1 job per ms = 1 000 jobs/s
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await close();
    lat[variant] = { p50: quantile(hops, 0.5), p99: quantile(hops, 0.99) };
  }
  console.log('\nend-to-end latency at up to 1 000 jobs/s (add → get → ack)');
  for (const [variant, { p50, p99 }] of Object.entries(lat))
    console.log(
      `  ${variant.padEnd(22)} p50 ${p50.toFixed(3)} ms   p99 ${p99.toFixed(3)} ms   p99 ${(p99 / lat.raw.p99).toFixed(2)}x raw`,
    );
  results.push({ name: 'latency', lat });

  const rss = process.memoryUsage().rss;
  console.log(`\nRSS at the end: ${(rss / 1048576).toFixed(0)} MiB`);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(
    path.join(out, 'latest.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        server: embedded ? 'embedded' : `${host}:${port}`,
        rounds: ROUNDS,
        jobs: N,
        results,
        rss,
      },
      null,
      2,
    ),
  );
  console.log(
    `\nwritten bench/results/latest.json (${embedded ? 'embedded server' : `Disque at ${host}:${port}`}, ${ROUNDS} rounds, medians)`,
  );
  raw.close();
  await conn.close();
  await jobs.close();
  await embedded?.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
