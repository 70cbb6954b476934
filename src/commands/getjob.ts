import type { Arg, Command, Milliseconds } from './types.js';
import type { Job } from '../job.js';
import type { RawReply } from '../replies.js';
import * as v from './validate.js';
import { bodyAsBuffer, bodyAsString, parseJobEntries } from './job-entries.js';

/**
 * Options of GETJOB.
 *
 * @example
 * ```ts
 * const jobs = await conn.getJob(['emails'], { timeout: 5000, count: 10, withCounters: true });
 * for (const job of jobs) console.log(job.id, job.nacks, job.additionalDeliveries);
 * ```
 */
export interface GetJobOptions {
  /** Return at once (with no job) instead of blocking when the queues are empty. @defaultValue false */
  nohang?: boolean | undefined;
  /** Block at most this long, in ms; `0` blocks forever. @defaultValue 0 */
  timeout?: Milliseconds | undefined;
  /**
   * Take up to this many jobs, one per queue per pass over the queues. A GETJOB that had to block
   * always returns exactly one job. @defaultValue 1
   */
  count?: number | undefined;
  /** Also return each job's `nacks` and `additionalDeliveries` counters. @defaultValue false */
  withCounters?: boolean | undefined;
}

const KNOWN = ['nohang', 'timeout', 'count', 'withCounters'] as const;

/** How long the server may block a GETJOB: its TIMEOUT; without one (or `0`) until a job comes; NOHANG never. */
function getJobHold(_queues: readonly (string | Buffer)[], options?: GetJobOptions): Milliseconds {
  if (options?.nohang) return 0;
  return options?.timeout ? options.timeout : Number.POSITIVE_INFINITY;
}

function args(queues: readonly (string | Buffer)[], options?: GetJobOptions): Arg[] {
  const o = v.options<GetJobOptions>('options', options, KNOWN);
  const out: Arg[] = ['GETJOB'];
  if (o.nohang !== undefined && v.flag('options.nohang', o.nohang)) out.push('NOHANG');
  if (o.timeout !== undefined) out.push('TIMEOUT', v.millis('options.timeout', o.timeout));
  if (o.count !== undefined) out.push('COUNT', v.integer('options.count', o.count, 1));
  if (o.withCounters !== undefined && v.flag('options.withCounters', o.withCounters))
    out.push('WITHCOUNTERS');
  out.push('FROM', ...v.queueList('queues', queues));
  return out;
}

/**
 * `GETJOB [NOHANG] [TIMEOUT ms] [COUNT n] [WITHCOUNTERS] FROM q…` → jobs, `[]` when none came.
 * Queues are served in the order given.
 *
 * @example
 * ```ts
 * GETJOB.args(['urgent', 'normal'], { timeout: 1000, count: 10 });
 * // ['GETJOB', 'TIMEOUT', 1000, 'COUNT', 10, 'FROM', 'urgent', 'normal']
 * const jobs = await conn.run(GETJOB, ['emails'], { nohang: true }); // [] when none is queued
 * ```
 */
export const GETJOB = {
  name: 'GETJOB',
  // Bodies are read as UTF-8 strings straight away (GETJOB_BUFFER keeps the bytes).
  binary: false,
  args,
  reply(raw: RawReply): Job[] {
    return parseJobEntries(raw, bodyAsString);
  },
  hot: true,
  hold: getJobHold,
} as const satisfies Command<[readonly (string | Buffer)[], GetJobOptions?], Job[]>;

/**
 * GETJOB with bodies as Buffers.
 *
 * @example
 * ```ts
 * const [job] = await conn.run(GETJOB_BUFFER, ['images'], { timeout: 1000 });
 * if (job) await fs.writeFile(`${job.id}.png`, job.body); // the bytes as they were added
 * ```
 */
export const GETJOB_BUFFER = {
  ...GETJOB,
  binary: true,
  reply(raw: RawReply): Job<Buffer>[] {
    return parseJobEntries(raw, bodyAsBuffer);
  },
} as const satisfies Command<[readonly (string | Buffer)[], GetJobOptions?], Job<Buffer>[]>;
