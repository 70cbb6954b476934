import type { Arg, Command } from './types.js';
import type { JobInfo, JobState } from '../job.js';
import type { RawReply } from '../replies.js';
import { asArray, asString, unexpected } from '../replies.js';
import { parseJobInfo } from './show.js';
import * as v from './validate.js';

/**
 * Options common to QSCAN and JSCAN.
 *
 * @example
 * ```ts
 * const first = await conn.qscan({ count: 500 });
 * const next = await conn.qscan({ count: 500, cursor: first.cursor });
 * ```
 */
export interface ScanOptions {
  /** Where to continue; `'0'` (the default) starts a new iteration. */
  cursor?: string | undefined;
  /** How much work to do per call (a hint: a page may hold more or fewer). @defaultValue 100 */
  count?: number | undefined;
  /** Return everything in one call (blocks the server while it runs). @defaultValue false */
  busyLoop?: boolean | undefined;
}

/**
 * Options of QSCAN.
 *
 * @example
 * ```ts
 * for await (const queue of conn.scanQueues({ minLen: 1000 })) console.log(`${queue} is backing up`);
 * ```
 */
export interface QScanOptions extends ScanOptions {
  /** Only queues with at least this many jobs. */
  minLen?: number | undefined;
  /** Only queues with at most this many jobs. */
  maxLen?: number | undefined;
  /** Only queues importing at least this many jobs per second. */
  importRate?: number | undefined;
}

/**
 * Options of JSCAN.
 *
 * @example
 * ```ts
 * for await (const id of conn.scanJobIds({ queue: 'emails', states: ['active'] })) console.log(id);
 * ```
 */
export interface JScanOptions extends ScanOptions {
  /** Only jobs of this queue. */
  queue?: string | Buffer | undefined;
  /** Only jobs in one of these states. */
  states?: readonly JobState[] | undefined;
}

/**
 * One page of a scan. `cursor` is `'0'` on the last page.
 *
 * @typeParam T - an item: a queue name, a job id, or a {@link JobInfo}
 * @example
 * ```ts
 * let cursor = '0';
 * do {
 *   const page: ScanPage<string> = await conn.qscan({ cursor });
 *   console.log(page.items);
 *   cursor = page.cursor;
 * } while (cursor !== '0');
 * ```
 */
export interface ScanPage<T> {
  /** Pass this back as `cursor` for the next page; `'0'` when the iteration is complete. */
  readonly cursor: string;
  /** The items of this page. */
  readonly items: T[];
}

const SCAN_KEYS = ['cursor', 'count', 'busyLoop'] as const;
const STATES: readonly JobState[] = ['wait-repl', 'active', 'queued', 'acked'];

function cursorArg(cursor: unknown): string {
  if (typeof cursor === 'string' && /^\d+$/.test(cursor)) return cursor;
  return v.fail('options.cursor', "a cursor string of digits (start with '0')", cursor);
}

function scanArgs(name: string, o: ScanOptions): Arg[] {
  const out: Arg[] = [name];
  if (o.cursor !== undefined) out.push(cursorArg(o.cursor));
  if (o.count !== undefined) out.push('COUNT', v.integer('options.count', o.count, 1));
  if (o.busyLoop !== undefined && v.flag('options.busyLoop', o.busyLoop)) out.push('BUSYLOOP');
  return out;
}

function page<T>(raw: RawReply, item: (raw: RawReply) => T): ScanPage<T> {
  const reply = asArray(raw);
  if (reply.length !== 2) unexpected('[cursor, items]', raw);
  return { cursor: asString(reply[0] as RawReply), items: asArray(reply[1] as RawReply).map(item) };
}

/**
 * `QSCAN [cursor] [COUNT n] [BUSYLOOP] [MINLEN n] [MAXLEN n] [IMPORTRATE n]` → a page of queue names.
 *
 * @example
 * ```ts
 * QSCAN.args({ count: 100, minLen: 1 }); // ['QSCAN', 'COUNT', 100, 'MINLEN', 1]
 * const { cursor, items } = await conn.run(QSCAN, { busyLoop: true }); // every queue at once
 * ```
 */
export const QSCAN = {
  name: 'QSCAN',
  binary: false,
  args(options?: QScanOptions): Arg[] {
    const o = v.options<QScanOptions>('options', options, [...SCAN_KEYS, 'minLen', 'maxLen', 'importRate']);
    const out = scanArgs('QSCAN', o);
    if (o.minLen !== undefined) out.push('MINLEN', v.integer('options.minLen', o.minLen, 0));
    if (o.maxLen !== undefined) out.push('MAXLEN', v.integer('options.maxLen', o.maxLen, 0));
    if (o.importRate !== undefined) out.push('IMPORTRATE', v.integer('options.importRate', o.importRate, 0));
    return out;
  },
  reply(raw: RawReply): ScanPage<string> {
    return page(raw, asString);
  },
} as const satisfies Command<[QScanOptions?], ScanPage<string>>;

function jscanArgs(o: JScanOptions, reply: 'id' | 'all'): Arg[] {
  const out = scanArgs('JSCAN', o);
  if (o.queue !== undefined) out.push('QUEUE', v.queueName('options.queue', o.queue));
  if (o.states !== undefined) {
    if (!Array.isArray(o.states)) v.fail('options.states', 'an array of job states', o.states);
    o.states.forEach((s, i) => out.push('STATE', v.oneOf(`options.states[${i}]`, s, STATES)));
  }
  out.push('REPLY', reply);
  return out;
}

const JSCAN_KEYS = [...SCAN_KEYS, 'queue', 'states'] as const;

/**
 * `JSCAN [cursor] [COUNT n] [BUSYLOOP] [QUEUE q] [STATE s]… REPLY id` → a page of job ids.
 *
 * @example
 * ```ts
 * const page = await conn.run(JSCAN, { queue: 'emails', states: ['queued'] });
 * page.items; // job ids; page.cursor is '0' on the last page
 * ```
 */
export const JSCAN = {
  name: 'JSCAN',
  binary: false,
  args(options?: JScanOptions): Arg[] {
    return jscanArgs(v.options<JScanOptions>('options', options, JSCAN_KEYS), 'id');
  },
  reply(raw: RawReply): ScanPage<string> {
    return page(raw, asString);
  },
} as const satisfies Command<[JScanOptions?], ScanPage<string>>;

/**
 * `JSCAN … REPLY all` → a page of jobs with everything SHOW reports.
 *
 * @example
 * ```ts
 * const { items } = await conn.run(JSCAN_ALL, { states: ['active'], count: 1000 });
 * for (const job of items) console.log(job.id, job.queue, job.nacks);
 * ```
 */
export const JSCAN_ALL = {
  name: 'JSCAN',
  binary: true,
  args(options?: JScanOptions): Arg[] {
    return jscanArgs(v.options<JScanOptions>('options', options, JSCAN_KEYS), 'all');
  },
  reply(raw: RawReply): ScanPage<JobInfo> {
    return page(raw, (item) => parseJobInfo(item, asString));
  },
} as const satisfies Command<[JScanOptions?], ScanPage<JobInfo>>;
