/**
 * A worker pool on a Funnel: processes a stream of jobs 16 at a time and, on SIGINT or SIGTERM,
 * stops taking jobs, lets the ones in hand finish and gives back the rest. Nothing is lost.
 *
 *   DISQUE_NODES=127.0.0.1:7711 node … examples/funnel-worker.ts   (an embedded server otherwise)
 */
import { connect } from '../src/index.js';
import { startServer } from '../src/server/index.js';

export async function main(
  options: { jobs?: number; workMs?: number; exitWhenDone?: boolean } = {},
): Promise<{ processed: number; left: number; queue: string }> {
  const total = options.jobs ?? 2000;
  const workMs = options.workMs ?? 1;
  const embedded = process.env['DISQUE_NODES'] ? undefined : await startServer({ port: 0 });
  const jobs = connect(embedded ? { nodes: `127.0.0.1:${embedded.port}` } : {});
  const queue = `funnel-worker-${process.pid}-${Date.now()}`;

  // Producer: a stream of jobs.
  for (let i = 0; i < total; i += 200)
    await Promise.all(
      Array.from({ length: Math.min(200, total - i) }, (_, k) => jobs.add(`job ${i + k}`, queue)),
    );

  const funnel = jobs.funnel(queue, { prefetch: 64 });
  const stop = (): void => void funnel.close({ timeout: 5000 });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let processed = 0;
  const done = funnel.process(
    async (job) => {
      await new Promise((r) => setTimeout(r, workMs)); // the work
      processed++;
      if (job.body === `job ${total - 1}`) process.stdout.write(`last job seen after ${processed}\n`);
      if (options.exitWhenDone !== false && processed >= total) stop();
    },
    { concurrency: 16 },
  );
  await done; // resolves once closed: jobs in hand finished, the rest given back
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  const left = await jobs.len(queue);
  console.log(
    `processed ${processed}, acked ${funnel.stats.acked}, given back ${funnel.stats.nacked}, left in queue ${left}`,
  );
  await jobs.close();
  await embedded?.close();
  return { processed, left, queue };
}

// Run directly (not when imported by the examples test).
if (process.argv[1]?.endsWith('funnel-worker.ts') || process.argv[1]?.endsWith('funnel-worker.js')) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
