/**
 * NACK / ENQUEUE (active → queued) and DEQUEUE (queued → active), DELJOB (local delete).
 * @internal
 */
import type { Reply } from '../resp-writer.js';
import { jobIds } from './ids.js';
import type { CommandContext, CommandSpec } from './types.js';

/** Queues active jobs again; NACK counts a negative ack, ENQUEUE an additional delivery. */
function requeue(ctx: CommandContext, nack: boolean): Reply {
  const ids = jobIds(ctx.argv.slice(1));
  if (!Array.isArray(ids)) return ids;
  let n = 0;
  for (const id of ids) {
    const job = ctx.node.jobs.get(id);
    if (job !== undefined && job.state === 'active' && ctx.node.lifecycle.enqueueJob(job, nack)) n++;
  }
  return n;
}

function dequeue({ node, argv }: CommandContext): Reply {
  const ids = jobIds(argv.slice(1));
  if (!Array.isArray(ids)) return ids;
  let n = 0;
  for (const id of ids) {
    const job = node.jobs.get(id);
    if (job !== undefined && job.state === 'queued' && node.lifecycle.dequeueJob(job)) n++;
  }
  return n;
}

/** Deletes jobs from this node only, whatever their state; no cluster message. */
function deljob({ node, argv }: CommandContext): Reply {
  const ids = jobIds(argv.slice(1));
  if (!Array.isArray(ids)) return ids;
  let n = 0;
  for (const id of ids) {
    const job = node.jobs.get(id);
    if (job === undefined) continue;
    node.lifecycle.unregisterJob(job);
    n++;
  }
  return n;
}

/** @internal */
export const ENQUEUE: CommandSpec = {
  name: 'enqueue',
  arity: -1,
  flags: ['write', 'denyoom', 'fast'],
  run: (c) => requeue(c, false),
};
/** @internal */
export const NACK: CommandSpec = {
  name: 'nack',
  arity: -1,
  flags: ['write', 'denyoom', 'fast'],
  run: (c) => requeue(c, true),
};
/** @internal */
export const DEQUEUE: CommandSpec = { name: 'dequeue', arity: -1, flags: ['write', 'fast'], run: dequeue };
/** @internal */
export const DELJOB: CommandSpec = { name: 'deljob', arity: -1, flags: ['write', 'fast'], run: deljob };
