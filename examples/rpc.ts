/**
 * Request/reply: `jobs.request()` adds a job and waits for its answer; a worker answers with
 * `jobs.reply()`. The reply queue is the request's own job id, the convention Python and Go users
 * of Disque follow, so either side may be written in another language.
 *
 *   node examples/run.mjs rpc               (DISQUE_NODES, or an embedded server)
 */
import { connect, TimeoutError } from '../src/index.js';
import { localDisque, runIfMain } from './local-disque.js';

export async function main(requests = 5): Promise<number[]> {
  const disque = await localDisque();
  const jobs = connect({ nodes: disque.nodes });
  const queue = `adder-${Date.now().toString(36)}`;

  // The server side: a worker on every node, as a deployment would have (a request is queued on
  // the node that received it; with no worker there, Disque's federation moves it, but only
  // every few seconds). Each answers requests until `stop` aborts.
  const stop = new AbortController();
  await jobs.pool.ready();
  const serving = jobs.pool.nodes().map(async (node) => {
    const worker = connect({ nodes: node.address, discover: false }).signal(stop.signal);
    try {
      for (;;) {
        const request = await worker.get(queue); // blocks until a request comes
        const numbers = JSON.parse(request.body) as number[];
        await worker.reply(request, JSON.stringify(numbers.reduce((a, b) => a + b, 0)));
      }
    } catch (err) {
      if (!stop.signal.aborted) throw err;
    } finally {
      await worker.close();
    }
  });

  // The client side: each call waits for its own answer.
  const sums = await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      const answer = await jobs.request(JSON.stringify([i, i * 10]), queue, { timeout: 10_000 });
      return Number(answer);
    }),
  );
  console.log(`sums: ${sums.join(', ')}`);
  stop.abort();
  await Promise.all(serving);

  // Nobody answers on this queue: the request is withdrawn and TimeoutError thrown.
  const unanswered = await jobs.request('[1]', `${queue}-nobody`, { timeout: 500 }).catch((e: unknown) => e);
  console.log(
    `without a worker: ${unanswered instanceof TimeoutError ? 'TimeoutError' : String(unanswered)}`,
  );

  await jobs.close();
  await disque.close();
  return sums;
}

runIfMain('rpc', () => main());
