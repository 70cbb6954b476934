import type { Arg, Command } from './types.js';
import type { RawReply } from '../replies.js';
import { asInteger } from '../replies.js';
import * as v from './validate.js';

/** The commands that take a list of job ids and answer a count. */
export type JobIdsCommandName = 'ACKJOB' | 'FASTACK' | 'NACK' | 'ENQUEUE' | 'DEQUEUE' | 'DELJOB';

function jobIdsCommand<N extends JobIdsCommandName>(name: N) {
  return {
    name,
    binary: false,
    args(...ids: string[]): Arg[] {
      return [name, ...v.jobIds('ids', ids)];
    },
    reply(raw: RawReply): number {
      return asInteger(raw);
    },
  } as const satisfies Command<string[], number>;
}

/** `ACKJOB id…` → how many of the ids were known and not yet acknowledged. */
export const ACKJOB = jobIdsCommand('ACKJOB');
/** `FASTACK id…` → how many jobs were deleted from this node (best-effort delete elsewhere). */
export const FASTACK = jobIdsCommand('FASTACK');
/** `NACK id…` → how many jobs were put back in the queue (their `nacks` counter grows). */
export const NACK = jobIdsCommand('NACK');
/** `ENQUEUE id…` → how many jobs were put back in the queue (no NACK counted). */
export const ENQUEUE = jobIdsCommand('ENQUEUE');
/** `DEQUEUE id…` → how many queued jobs were taken out of their queue. */
export const DEQUEUE = jobIdsCommand('DEQUEUE');
/** `DELJOB id…` → how many jobs were deleted from this node only. */
export const DELJOB = jobIdsCommand('DELJOB');
