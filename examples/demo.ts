/**
 * `npm run demo`: jobs flowing through a 3-node cluster. Producers add jobs, a Funnel worker pool
 * processes them, a progress bar shows live throughput, and the cluster's status table is printed
 * at the end. Uses `DISQUE_NODES` when set, else an embedded 3-node cluster.
 *
 *   npm run demo                      20 000 jobs on an embedded 3-node cluster
 *   npm run demo -- --jobs 100000     more
 *   DISQUE_NODES=127.0.0.1:7711 npm run demo
 */
import { connect, status } from '../src/index.js';
import { statusReport } from '../src/cli/format.js';
import { localDisque, runIfMain } from './local-disque.js';

/** Options of the demo. */
export interface DemoOptions {
  /** Jobs to produce and process. @defaultValue 20000 */
  jobs?: number;
  /** Concurrent producers. @defaultValue 8 */
  producers?: number;
  /** Jobs processed at once by the worker pool. @defaultValue 16 */
  concurrency?: number;
  /** Where the output goes. @defaultValue process.stdout */
  write?: (text: string) => void;
  /** Redraw the progress line in place (a terminal). @defaultValue process.stdout.isTTY */
  tty?: boolean;
}

/** What the demo did. */
export interface DemoResult {
  readonly produced: number;
  readonly processed: number;
  readonly seconds: number;
  /** Jobs left in the demo's queue at the end (0 when everything was processed). */
  readonly left: number;
}

const BAR = 30;

function progressLine(done: number, total: number, produced: number, perSecond: number): string {
  const filled = Math.round((done / total) * BAR);
  const percent = Math.floor((done / total) * 100);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${String(percent).padStart(3)}%  processed ${done}/${total}  produced ${produced}  ${Math.round(perSecond)} jobs/s`;
}

export async function main(options: DemoOptions = {}): Promise<DemoResult> {
  const total = options.jobs ?? 20_000;
  const producers = options.producers ?? 8;
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const tty = options.tty ?? process.stdout.isTTY === true;

  const disque = await localDisque(3);
  write(
    disque.embedded
      ? `Started an embedded 3-node Disque cluster: ${disque.nodes}\n`
      : `Using DISQUE_NODES=${disque.nodes}\n`,
  );
  const jobs = connect({ nodes: disque.nodes }).retry(30_000);
  const queue = `demo-${Date.now().toString(36)}`;
  write(
    `${total} jobs through queue ${queue}: ${producers} producers, a worker pool of ${options.concurrency ?? 16} per node\n\n`,
  );

  const started = Date.now();
  let produced = 0;
  let processed = 0;

  // Producers: each adds its share, 50 at a time.
  const produce = async (share: number): Promise<void> => {
    for (let sent = 0; sent < share;) {
      const batch = Math.min(50, share - sent);
      await Promise.all(
        Array.from({ length: batch }, async (_, i) => {
          await jobs.add(`job ${sent + i}`, queue);
          produced++;
        }),
      );
      sent += batch;
    }
  };
  const producing = Promise.all(
    Array.from({ length: producers }, (_, p) =>
      produce(Math.floor(total / producers) + (p < total % producers ? 1 : 0)),
    ),
  );

  // The worker pool: one Funnel per node (as workers spread over a cluster would be), each
  // handling 16 jobs at a time; a job is acked when its handler resolves. A worker reads the jobs
  // queued on its node, so few jobs need to move between nodes.
  await jobs.pool.ready();
  const workers = jobs.pool.nodes().map((node) => connect({ nodes: node.address, discover: false }));
  const funnels = workers.map((worker) => worker.funnel(queue, { prefetch: 64 }));
  const working = Promise.all(
    funnels.map((funnel) =>
      funnel.process(
        async () => {
          processed++;
          if (processed === total) for (const f of funnels) void f.close();
        },
        { concurrency: options.concurrency ?? 16 },
      ),
    ),
  );

  // Progress: one line, redrawn in place on a terminal; jobs/s over the last second.
  const samples: { at: number; processed: number }[] = [{ at: started, processed: 0 }];
  let printedAt = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    samples.push({ at: now, processed });
    while (samples.length > 2 && (samples[0]?.at ?? now) < now - 1000) samples.shift();
    const first = samples[0] ?? { at: started, processed: 0 };
    const perSecond = ((processed - first.processed) * 1000) / Math.max(1, now - first.at);
    const line = progressLine(processed, total, produced, perSecond);
    if (tty) write(`\r${line}\x1b[K`);
    else if (now - printedAt >= 1000) {
      write(`${line}\n`);
      printedAt = now;
    }
  }, 100);

  try {
    await producing;
    await working;
  } finally {
    clearInterval(ticker);
  }
  const seconds = (Date.now() - started) / 1000;
  const line = progressLine(processed, total, produced, processed / seconds);
  write(tty ? `\r${line}\x1b[K\n\n` : `${line}\n\n`);
  write(
    `${processed} jobs produced and processed in ${seconds.toFixed(1)} s: ${Math.round(processed / seconds)} jobs/s\n\n`,
  );

  const left = await jobs.len(queue);
  write('The cluster now, as `disque-ts status` shows it:\n\n');
  write(`${statusReport(await status(jobs, { queues: [queue] })).join('\n')}\n`);
  await Promise.all([jobs, ...workers].map((j) => j.close()));
  await disque.close();
  return { produced, processed, seconds, left };
}

/** `--jobs N` from the command line. */
function jobsArgument(argv: readonly string[]): number | undefined {
  const i = argv.indexOf('--jobs');
  if (i === -1) return undefined;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error('--jobs expects a positive whole number');
  return n;
}

runIfMain('demo', async () => {
  const n = jobsArgument(process.argv.slice(2));
  await main(n === undefined ? {} : { jobs: n });
});
