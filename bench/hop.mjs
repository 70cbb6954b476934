#!/usr/bin/env node
// Produce→consume hop latency on a 3-node cluster: the SDK's consumer (Jobs.get with node
// affinity) against a raw same-node baseline (a blocked GETJOB on the producer's own node).
// Uses DISQUE_NODES when it lists 3 nodes, else an embedded cluster. Run: npm run bench:hop
import { performance } from 'node:perf_hooks';
import { Connection, connect } from '../dist/esm/index.js';
import { startCluster } from '../dist/esm/server/index.js';

const N = Number(process.env.HOP_JOBS ?? 600);
const WARMUP = 100;

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const fmt = (ms) => `${ms.toFixed(3)} ms`;

async function main() {
  let cluster;
  let nodes = (process.env.DISQUE_NODES ?? '').split(',').filter(Boolean);
  if (nodes.length < 3) {
    cluster = await startCluster({ nodes: 3 });
    nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`);
  }
  const [host, port] = nodes[1].split(':');
  const producerNode = new Connection({ host, port: Number(port) });
  const producerId = (await producerNode.clusterMyId()).slice(0, 8);

  // Baseline: producer and a raw blocked consumer on the same node.
  const rawConsumer = new Connection({ host, port: Number(port), autoPipelining: false });
  const q0 = `hop-raw-${Date.now()}`;
  const raw = [];
  for (let i = 0; i < N; i++) {
    const got = rawConsumer.getJob([q0], { timeout: 5000 });
    await new Promise((r) => setImmediate(r));
    const t0 = performance.now();
    const id = await producerNode.addJob(q0, 'x', { replicate: 1 });
    await got;
    raw.push(performance.now() - t0);
    await producerNode.fastAck(id);
  }

  // The SDK: a consumer that starts on any node and follows its producer.
  const jobs = connect({ nodes: nodes.join(',') });
  const switches = [];
  jobs.pool.on('node:switch', (s) => switches.push(s));
  const q = `hop-sdk-${Date.now()}`;
  const sdk = [];
  for (let i = 0; i < N; i++) {
    const got = jobs.timeout(10_000).get(q);
    await new Promise((r) => setImmediate(r));
    const t0 = performance.now();
    await producerNode.addJob(q, 'x', { replicate: 1 });
    const job = await got;
    sdk.push(performance.now() - t0);
    await jobs.fastAck(job);
  }
  const rawW = raw.slice(WARMUP);
  const sdkW = sdk.slice(WARMUP);
  const rows = [
    ['raw same-node', quantile(rawW, 0.5), quantile(rawW, 0.99)],
    ['SDK (affinity)', quantile(sdkW, 0.5), quantile(sdkW, 0.99)],
  ];
  console.log(`hop latency, ${N} jobs, first ${WARMUP} discarded, producer on node ${producerId}`);
  for (const [name, p50, p99] of rows) console.log(`${name.padEnd(16)} p50 ${fmt(p50)}  p99 ${fmt(p99)}`);
  console.log(
    `ratio SDK/raw: p50 ${(rows[1][1] / rows[0][1]).toFixed(2)}x, p99 ${(rows[1][2] / rows[0][2]).toFixed(2)}x`,
  );
  console.log(`first jobs before the switch (federation): ${sdk.slice(0, 5).map(fmt).join(', ')}`);
  console.log(`node:switch events: ${JSON.stringify(switches)}`);
  await jobs.close();
  await producerNode.close();
  await rawConsumer.close();
  await cluster?.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
