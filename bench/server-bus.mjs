#!/usr/bin/env node
// The embedded server's TCP cluster bus: Disque's own Tcl suite (04-ttl, "Jobs mass expire test")
// sends 1000 ADDJOBs one after another, each synchronously replicated to 3 of 7 node processes,
// and needs them all registered before the first one's 5 s TTL runs out. This times that, with a
// raw baseline in the same run: the same ADDJOBs with REPLICATE 1, which never touch the bus.
// Uses DISQUE_NODES when it lists 7 nodes (real Disque, to compare), else a 7-process cluster.
// Run: npm run bench:bus [-- --jobs 1000 --rounds 3]
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { startCluster } from '../dist/esm/server/index.js';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(argv[i + 1]);
};
const JOBS = option('jobs', 1000);
const ROUNDS = option('rounds', 3);

const encode = (...args) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** One raw RESP connection that sends a command only when the previous reply is in. */
function rawClient(host, port) {
  const socket = net.connect(port, host);
  socket.setNoDelay(true);
  let buf = '';
  let waiting = null;
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    const end = buf.indexOf('\r\n');
    if (end !== -1 && waiting !== null) {
      const line = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const w = waiting;
      waiting = null;
      w(line);
    }
  });
  const ready = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    ready,
    /** Sends a command whose reply is one line (+status or -error). */
    line: (...args) =>
      new Promise((resolve) => {
        waiting = resolve;
        socket.write(encode(...args));
      }),
    close: () => socket.destroy(),
  };
}

/** JOBS sequential ADDJOBs (TTL 5 s, as in the Tcl test); returns ms. Throws on an error reply. */
async function sequentialAdds(client, replicate) {
  const q = `bus-${replicate}-${Date.now()}`;
  const t0 = performance.now();
  for (let i = 0; i < JOBS; i++) {
    const r = await client.line('ADDJOB', q, `job-${i}`, '10000', 'TTL', '5', 'REPLICATE', String(replicate));
    if (r[0] === '-') throw new Error(`ADDJOB ${i}: ${r}`);
  }
  return performance.now() - t0;
}

async function main() {
  let cluster;
  let nodes = (process.env.DISQUE_NODES ?? '').split(',').filter(Boolean);
  const target = nodes.length >= 7 ? `DISQUE_NODES (${nodes[0]}, …)` : 'embedded, 7 processes';
  if (nodes.length < 7) {
    cluster = await startCluster({ nodes: 7, processes: true });
    nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`);
  }
  const [host, port] = nodes[0].split(':');
  const client = rawClient(host, Number(port));
  await client.ready;
  try {
    console.log(`server-bus bench — ${target}; ${JOBS} sequential ADDJOBs per round, TTL 5 s`);
    for (let r = 1; r <= ROUNDS; r++) {
      const raw = await sequentialAdds(client, 1);
      const repl = await sequentialAdds(client, 3);
      console.log(
        `round ${r}: REPLICATE 1 (no bus) ${raw.toFixed(0)} ms, REPLICATE 3 (2 bus round trips each) ` +
          `${repl.toFixed(0)} ms, ratio ${(repl / raw).toFixed(1)}x, ${((repl / JOBS) * 1000).toFixed(0)} µs per ADDJOB`,
      );
      // Let the jobs' retry traffic (RETRY defaults to 1 s with TTL 5) die down between rounds.
      await new Promise((resolve) => setTimeout(resolve, 7000));
    }
  } finally {
    client.close();
    await cluster?.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
