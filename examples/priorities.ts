/**
 * Priorities: Disque has none inside a queue, but GETJOB takes several queues and serves the first
 * non-empty one. List queues from the most to the least urgent.
 *
 *   node examples/run.mjs priorities        (DISQUE_NODES, or an embedded server)
 */
import { connect } from '../src/index.js';
import { localDisque, runIfMain } from './local-disque.js';

export async function main(): Promise<string[]> {
  const disque = await localDisque();
  // One node: the order of queues is a per-node property (on a cluster, jobs queued on other
  // nodes arrive when federation moves them).
  const [node] = disque.nodes.split(',');
  const jobs = connect({ nodes: node, discover: false }).replicate(1);
  const tag = Date.now().toString(36);
  const [urgent, normal, low] = ['urgent', 'normal', 'low'].map((p) => `${p}-${tag}`) as [
    string,
    string,
    string,
  ];

  await jobs.add('weekly report', low);
  await jobs.add('send invoice', normal);
  await jobs.add('password reset', urgent);
  await jobs.add('thumbnail', low);

  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    const job = await jobs.timeout(1_000).get(urgent, normal, low); // most urgent first
    order.push(job.body);
    await jobs.ack(job);
  }
  console.log(order.join(' → ')); // password reset → send invoice → weekly report → thumbnail
  await jobs.close();
  await disque.close();
  return order;
}

runIfMain('priorities', () => main());
