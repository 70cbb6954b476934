import type { Arg, Command } from './types.js';
import type { RawReply } from '../replies.js';
import { asInteger } from '../replies.js';
import * as v from './validate.js';

/**
 * The commands that take a list of job ids and answer a count.
 *
 * @example
 * ```ts
 * const name: JobIdsCommandName = ACKJOB.name; // 'ACKJOB'
 * ```
 */
export type JobIdsCommandName = 'ACKJOB' | 'FASTACK' | 'NACK' | 'ENQUEUE' | 'DEQUEUE' | 'DELJOB';

function jobIdsCommand<N extends JobIdsCommandName>(name: N, hot: boolean) {
  return {
    name,
    binary: false,
    hot,
    args(...ids: string[]): Arg[] {
      return [name, ...v.jobIds('ids', ids)];
    },
    reply(raw: RawReply): number {
      return asInteger(raw);
    },
  } as const satisfies Command<string[], number>;
}

/**
 * `ACKJOB id…` → how many of the ids were known and not yet acknowledged.
 *
 * @example
 * ```ts
 * await conn.run(ACKJOB, job.id); // 1
 * await pool.runByJob(ACKJOB, ids); // each on the node that created it
 * ```
 */
export const ACKJOB = jobIdsCommand('ACKJOB', true);
/**
 * `FASTACK id…` → how many jobs were deleted from this node (best-effort delete elsewhere).
 *
 * @example
 * ```ts
 * await conn.run(FASTACK, job.id); // 1
 * ```
 */
export const FASTACK = jobIdsCommand('FASTACK', true);
/**
 * `NACK id…` → how many jobs were put back in the queue (their `nacks` counter grows).
 *
 * @example
 * ```ts
 * await pool.runByJob(NACK, [job.id]); // 1: back at the front of its queue
 * ```
 */
export const NACK = jobIdsCommand('NACK', true);
/**
 * `ENQUEUE id…` → how many jobs were put back in the queue (no NACK counted).
 *
 * @example
 * ```ts
 * await conn.run(ENQUEUE, job.id); // 1: queued again, its `nacks` unchanged
 * ```
 */
export const ENQUEUE = jobIdsCommand('ENQUEUE', false);
/**
 * `DEQUEUE id…` → how many queued jobs were taken out of their queue.
 *
 * @example
 * ```ts
 * await conn.run(DEQUEUE, id); // 1: no longer queued, still known (`active`)
 * ```
 */
export const DEQUEUE = jobIdsCommand('DEQUEUE', false);
/**
 * `DELJOB id…` → how many jobs were deleted from this node only.
 *
 * @example
 * ```ts
 * await conn.run(DELJOB, id); // 1: other nodes keep their copies
 * ```
 */
export const DELJOB = jobIdsCommand('DELJOB', false);
