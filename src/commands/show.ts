import type { Arg, Command } from './types.js';
import type { JobInfo, JobState } from '../job.js';
import type { RawReply } from '../replies.js';
import {
  asArray,
  asBigInt,
  asBuffer,
  asInteger,
  asNullableInteger,
  asNullableString,
  asString,
  extraFields,
  pairs,
  unexpected,
} from '../replies.js';
import * as v from './validate.js';

const SHOW_FIELDS = new Set([
  'id',
  'queue',
  'state',
  'repl',
  'ttl',
  'ctime',
  'delay',
  'retry',
  'nacks',
  'additional-deliveries',
  'nodes-delivered',
  'nodes-confirmed',
  'next-requeue-within',
  'next-awake-within',
  'body',
]);

const NANOS_PER_MS = 1_000_000n;

/**
 * Parses SHOW's key/value array (also the items of JSCAN `REPLY all`).
 * @internal
 */
export function parseJobInfo<B>(raw: RawReply, decodeBody: (raw: RawReply) => B): JobInfo<B> {
  const m = pairs(raw);
  const get = (key: string): RawReply => {
    const value = m.get(key);
    return value === undefined ? unexpected(`a "${key}" field`, undefined) : value;
  };
  const ctime = asBigInt(get('ctime'));
  const body = get('body');
  return {
    id: asString(get('id')),
    queue: asNullableString(get('queue')),
    state: asString(get('state')) as JobState,
    replicate: asInteger(get('repl')),
    ttl: asInteger(get('ttl')) * 1000,
    ctime,
    createdAt: new Date(Number(ctime / NANOS_PER_MS)),
    delay: asInteger(get('delay')) * 1000,
    retry: asInteger(get('retry')) * 1000,
    nacks: asInteger(get('nacks')),
    additionalDeliveries: asInteger(get('additional-deliveries')),
    nodesDelivered: asArray(get('nodes-delivered'), true).map(asString),
    nodesConfirmed: asArray(get('nodes-confirmed'), true).map(asString),
    nextRequeueWithin: asNullableInteger(get('next-requeue-within')),
    nextAwakeWithin: asNullableInteger(get('next-awake-within')),
    body: body === null ? null : decodeBody(body),
    extra: extraFields(m, SHOW_FIELDS),
  };
}

/**
 * `SHOW id` → everything this node knows about the job, or `null` if it does not know it.
 *
 * @example
 * ```ts
 * const info = await pool.runOnJob(SHOW, id); // asks the node that created the job
 * console.log(info?.state, info?.nacks, info?.nextRequeueWithin);
 * ```
 */
export const SHOW = {
  name: 'SHOW',
  binary: true,
  args(id: string): Arg[] {
    return ['SHOW', v.jobId('id', id)];
  },
  reply(raw: RawReply): JobInfo | null {
    return raw === null ? null : parseJobInfo(raw, asString);
  },
} as const satisfies Command<[string], JobInfo | null>;

/**
 * SHOW with the body as a Buffer.
 *
 * @example
 * ```ts
 * const info = await conn.run(SHOW_BUFFER, id);
 * info?.body; // a Buffer (null for a dummy ack)
 * ```
 */
export const SHOW_BUFFER = {
  ...SHOW,
  reply(raw: RawReply): JobInfo<Buffer> | null {
    return raw === null ? null : parseJobInfo(raw, asBuffer);
  },
} as const satisfies Command<[string], JobInfo<Buffer> | null>;
