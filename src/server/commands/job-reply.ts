/**
 * Reply shapes for jobs: SHOW's 30-element key/value array and GETJOB/QPEEK entries.
 * @internal
 */
import { inHashOrder } from '../hash-order.js';
import type { Job } from '../job.js';
import type { DisqueNode } from '../node.js';
import { status, type Reply } from '../resp-writer.js';

/** GETJOB/QPEEK entry: `[queue, id, body]` (+ counters with WITHCOUNTERS). @internal */
export function jobEntry(job: Job, withCounters: boolean): Reply[] {
  const e: Reply[] = [job.queue ?? null, job.id, job.body ?? Buffer.alloc(0)];
  if (withCounters) e.push('nacks', job.nacks, 'additional-deliveries', job.deliveries);
  return e;
}

/** ADDJOB and JSCAN reply ids as simple strings. @internal */
export function jobIdReply(job: Job): Reply {
  return status(job.id);
}

/** SHOW / JSCAN REPLY all. @internal */
export function jobInfo(node: DisqueNode, job: Job): Reply[] {
  const now = node.now();
  const ttl = Math.max(0, job.etime - Math.floor(now / 1000));
  const nextRequeue = job.qtime === 0 ? null : Math.max(0, Math.floor(job.qtime - now));
  const nextAwake = job.awakeAt === 0 ? null : Math.max(0, Math.floor(job.awakeAt - now));
  return [
    'id',
    job.id,
    'queue',
    job.queue,
    'state',
    job.state,
    'repl',
    job.repl,
    'ttl',
    ttl,
    'ctime',
    job.ctime,
    'delay',
    job.delay,
    'retry',
    job.retry,
    'nacks',
    job.nacks,
    'additional-deliveries',
    job.deliveries,
    'nodes-delivered',
    inHashOrder(job.nodesDelivered, (id) => id),
    'nodes-confirmed',
    job.nodesConfirmed === null ? [] : [...job.nodesConfirmed],
    'next-requeue-within',
    nextRequeue,
    'next-awake-within',
    nextAwake,
    'body',
    job.body,
  ];
}
