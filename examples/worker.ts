/**
 * A worker: `for await` over a Funnel. A job is acked when the loop asks for the next one, and
 * NACKed (delivered again) if the body throws. Here the worker stops after the jobs it expects.
 * On a cluster, jobs queued on other nodes reach this worker through Disque's federation, which
 * moves them every few seconds: run workers on every node (as examples/demo.ts does).
 *
 *   node examples/run.mjs worker            (DISQUE_NODES, or an embedded server)
 */
import { connect } from '../src/index.js';
import { localDisque, runIfMain } from './local-disque.js';

export async function main(count = 50): Promise<{ processed: number; left: number }> {
  const disque = await localDisque();
  const jobs = connect({ nodes: disque.nodes });
  const queue = `images-${Date.now().toString(36)}`;
  await Promise.all(Array.from({ length: count }, (_, i) => jobs.add(`resize image-${i}.png`, queue)));

  let processed = 0;
  for await (const job of jobs.funnel(queue, { prefetch: 16 })) {
    // The work. Throwing here would NACK the job: it goes back to the queue for another try.
    processed++;
    if (processed === count) {
      // `break` NACKs the current job unless it is settled: ack it first.
      await job.ack();
      break;
    }
  }

  const left = await jobs.len(queue);
  console.log(`processed ${processed} jobs; ${left} left in ${queue}`);
  await jobs.close();
  await disque.close();
  return { processed, left };
}

runIfMain('worker', () => main());
