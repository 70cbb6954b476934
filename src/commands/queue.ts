import type { Arg, Command } from './types.js';
import type { Job } from '../job.js';
import type { RawReply, ReplyValue } from '../replies.js';
import { asArray, asInteger, asString, extraFields, pairs, unexpected } from '../replies.js';
import * as v from './validate.js';
import { bodyAsBuffer, bodyAsString, parseJobEntries } from './job-entries.js';

/**
 * `QLEN queue` → the number of jobs queued on this node (0 for a queue that does not exist).
 *
 * @example
 * ```ts
 * QLEN.args('emails'); // ['QLEN', 'emails']
 * await conn.run(QLEN, 'emails'); // 3
 * ```
 */
export const QLEN = {
  name: 'QLEN',
  binary: false,
  args(queue: string | Buffer): Arg[] {
    return ['QLEN', v.queueName('queue', queue)];
  },
  reply(raw: RawReply): number {
    return asInteger(raw);
  },
} as const satisfies Command<[string | Buffer], number>;

function qpeekArgs(queue: string | Buffer, count: number): Arg[] {
  return ['QPEEK', v.queueName('queue', queue), v.integer('count', count, -Number.MAX_SAFE_INTEGER)];
}

/**
 * `QPEEK queue count` → up to |count| queued jobs without taking them: oldest first when count > 0,
 * newest first when count < 0.
 *
 * @example
 * ```ts
 * const oldest = await conn.run(QPEEK, 'emails', 5);
 * const newest = await conn.run(QPEEK, 'emails', -5);
 * ```
 */
export const QPEEK = {
  name: 'QPEEK',
  binary: true,
  args: qpeekArgs,
  reply(raw: RawReply): Job[] {
    return parseJobEntries(raw, bodyAsString);
  },
} as const satisfies Command<[string | Buffer, number], Job[]>;

/**
 * QPEEK with bodies as Buffers.
 *
 * @example
 * ```ts
 * const [job] = await conn.run(QPEEK_BUFFER, 'images', 1);
 * job?.body.length; // bytes
 * ```
 */
export const QPEEK_BUFFER = {
  ...QPEEK,
  reply(raw: RawReply): Job<Buffer>[] {
    return parseJobEntries(raw, bodyAsBuffer);
  },
} as const satisfies Command<[string | Buffer, number], Job<Buffer>[]>;

/**
 * The pause state of a queue on one node: `in` refuses new jobs, `out` serves none, `all` both.
 *
 * @example
 * ```ts
 * const state: PauseState = await conn.pause('emails', 'state'); // 'none' unless paused
 * ```
 */
export type PauseState = 'none' | 'in' | 'out' | 'all';

/**
 * QSTAT: the state of one queue on one node. Durations in ms (one-second resolution).
 *
 * @example
 * ```ts
 * const stat = await conn.qstat('emails'); // null if the queue does not exist on this node
 * if (stat) console.log(stat.len, stat.blocked, stat.idle, stat.pause);
 * ```
 */
export interface QueueStat {
  /** The queue name. */
  readonly name: string;
  /** Jobs queued here. */
  readonly len: number;
  /** Time since the queue object was created here, in ms. */
  readonly age: number;
  /** Time since a job was last queued or fetched, in ms. */
  readonly idle: number;
  /** Clients blocked in GETJOB on this queue. */
  readonly blocked: number;
  /** Ids of nodes that recently supplied jobs to this queue (federation). */
  readonly importFrom: readonly string[];
  /** Jobs imported per second, roughly. */
  readonly importRate: number;
  /** Jobs queued here so far. */
  readonly jobsIn: number;
  /** Jobs taken out so far (GETJOB or export). */
  readonly jobsOut: number;
  /** Pause state. */
  readonly pause: PauseState;
  /** Fields from a newer server, kept as sent. */
  readonly extra: Readonly<Record<string, ReplyValue>>;
}

const QSTAT_FIELDS = new Set([
  'name',
  'len',
  'age',
  'idle',
  'blocked',
  'import-from',
  'import-rate',
  'jobs-in',
  'jobs-out',
  'pause',
]);

function req(map: Map<string, RawReply>, key: string): RawReply {
  const value = map.get(key);
  return value === undefined ? unexpected(`a "${key}" field`, undefined) : value;
}

/**
 * `QSTAT queue` → the queue's state, or `null` if it does not exist on this node.
 *
 * @example
 * ```ts
 * const stat = await conn.run(QSTAT, 'emails');
 * console.log(stat?.jobsIn, stat?.jobsOut, stat?.importFrom);
 * ```
 */
export const QSTAT = {
  name: 'QSTAT',
  binary: false,
  args(queue: string | Buffer): Arg[] {
    return ['QSTAT', v.queueName('queue', queue)];
  },
  reply(raw: RawReply): QueueStat | null {
    if (raw === null) return null;
    const m = pairs(raw);
    return {
      name: asString(req(m, 'name')),
      len: asInteger(req(m, 'len')),
      age: asInteger(req(m, 'age')) * 1000,
      idle: asInteger(req(m, 'idle')) * 1000,
      blocked: asInteger(req(m, 'blocked')),
      importFrom: asArray(req(m, 'import-from')).map(asString),
      importRate: asInteger(req(m, 'import-rate')),
      jobsIn: asInteger(req(m, 'jobs-in')),
      jobsOut: asInteger(req(m, 'jobs-out')),
      pause: asString(req(m, 'pause')) as PauseState,
      extra: extraFields(m, QSTAT_FIELDS),
    };
  },
} as const satisfies Command<[string | Buffer], QueueStat | null>;

/**
 * What PAUSE does: set `in`/`out`/`all`/`none`, or just read the `state`.
 *
 * @example
 * ```ts
 * const option: PauseOption = draining ? 'in' : 'none';
 * await conn.pause('emails', option, { bcast: true });
 * ```
 */
export type PauseOption = 'in' | 'out' | 'all' | 'none' | 'state';

/**
 * Options of PAUSE.
 *
 * @example
 * ```ts
 * await conn.pause('emails', 'all', { bcast: true }); // paused on every reachable node
 * ```
 */
export interface PauseOptions {
  /** Also send the resulting state to every reachable node of the cluster. @defaultValue false */
  bcast?: boolean | undefined;
}

/**
 * `PAUSE queue in|out|all|none|state [bcast]` → the queue's pause state after the command.
 * `in` refuses new jobs (PausedError), `out` stops serving them, `all` both, `none` clears.
 *
 * @example
 * ```ts
 * PAUSE.args('emails', 'out', { bcast: true }); // ['PAUSE', 'emails', 'out', 'bcast']
 * await conn.run(PAUSE, 'emails', 'none'); // 'none'
 * ```
 */
export const PAUSE = {
  name: 'PAUSE',
  binary: false,
  args(queue: string | Buffer, option: PauseOption, options?: PauseOptions): Arg[] {
    const o = v.options<PauseOptions>('options', options, ['bcast']);
    const out: Arg[] = [
      'PAUSE',
      v.queueName('queue', queue),
      v.oneOf('option', option, ['in', 'out', 'all', 'none', 'state']),
    ];
    if (o.bcast !== undefined && v.flag('options.bcast', o.bcast)) out.push('bcast');
    return out;
  },
  reply(raw: RawReply): PauseState {
    const state = asString(raw);
    if (state === 'none' || state === 'in' || state === 'out' || state === 'all') return state;
    return unexpected('a pause state', raw);
  },
} as const satisfies Command<[string | Buffer, PauseOption, PauseOptions?], PauseState>;
