import type { Arg, Command, Milliseconds } from './types.js';
import type { RawReply } from '../replies.js';
import { asInteger } from '../replies.js';
import * as v from './validate.js';

/**
 * `WORKING id` → the job's RETRY period in ms: the time the caller now has before the job is
 * queued again. Throws `NoJobError` for an unknown job and `TooLateError` past half its TTL.
 *
 * @example
 * ```ts
 * WORKING.args(job.id); // ['WORKING', job.id]
 * const lease = await pool.runOnJob(WORKING, job.id); // 60000 for a job added with RETRY 60
 * ```
 */
export const WORKING = {
  name: 'WORKING',
  binary: false,
  args(id: string): Arg[] {
    return ['WORKING', v.jobId('id', id)];
  },
  reply(raw: RawReply): Milliseconds {
    return asInteger(raw) * 1000;
  },
  hot: true,
} as const satisfies Command<[string], Milliseconds>;
