/**
 * ACKJOB id... and FASTACK id...
 * @internal
 */
import { Job } from '../job.js';
import { ttlPartOf } from '../job-id.js';
import type { Reply } from '../resp-writer.js';
import { jobIds } from './ids.js';
import type { CommandContext, CommandSpec } from './types.js';

/**
 * Acks known jobs (and starts their garbage collection). An unknown at-least-once id on a node of a
 * multi-node cluster becomes a "dummy ack", so a copy elsewhere learns about the ack.
 */
function ackjob({ node, argv }: CommandContext): Reply {
  const ids = jobIds(argv.slice(1));
  if (!Array.isArray(ids)) return ids;
  let known = 0;
  for (const id of ids) {
    let job = node.jobs.get(id);
    if (job === undefined && node.cluster.size > 1 && !node.cluster.leaving) {
      const ttl = ttlPartOf(id);
      if ((ttl & 1) !== 0) {
        job = new Job(id, null, 'acked', null);
        job.etime = node.unixtime() + ttl * 60;
        node.lifecycle.registerJob(job);
      }
    } else if (job !== undefined && job.state !== 'acked') {
      node.lifecycle.dequeueJob(job);
      node.lifecycle.acknowledgeJob(job);
      known++;
    }
    if (job !== undefined) node.lifecycle.tryJobGC(job);
  }
  return known;
}

/** Deletes known jobs at once and tells (best effort) every node that may have a copy. */
function fastack({ node, argv }: CommandContext): Reply {
  const ids = jobIds(argv.slice(1));
  if (!Array.isArray(ids)) return ids;
  let known = 0;
  for (const id of ids) {
    const job = node.jobs.get(id);
    if (job === undefined) {
      node.cluster.jobSender.broadcastDelJobId(id);
    } else {
      node.cluster.jobSender.broadcastDelJob(job);
      node.lifecycle.unregisterJob(job);
      known++;
    }
  }
  return known;
}

/** @internal */
export const ACKJOB: CommandSpec = { name: 'ackjob', arity: -1, flags: ['write', 'fast'], run: ackjob };
/** @internal */
export const FASTACK: CommandSpec = { name: 'fastack', arity: -1, flags: ['write', 'fast'], run: fastack };
