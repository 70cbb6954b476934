import type { Job } from '../job.js';
import type { RawReply } from '../replies.js';
import { asArray, asBuffer, asInteger, asString, unexpected } from '../replies.js';

/**
 * Parses the job entries of GETJOB and QPEEK: `[queue, id, body]`, or with WITHCOUNTERS
 * `[queue, id, body, "nacks", n, "additional-deliveries", n]`. A null array is no job.
 * @internal
 */
export function parseJobEntries<B>(raw: RawReply, decodeBody: (raw: RawReply) => B): Job<B>[] {
  const entries = asArray(raw, true);
  const jobs = new Array<Job<B>>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = asArray(entries[i] as RawReply);
    if (e.length < 3) unexpected('a job entry [queue, id, body, …]', e);
    const job: { -readonly [K in keyof Job<B>]: Job<B>[K] } = {
      id: asString(e[1] as RawReply),
      queue: asString(e[0] as RawReply),
      body: decodeBody(e[2] as RawReply),
    };
    for (let k = 3; k + 1 < e.length; k += 2) {
      const key = asString(e[k] as RawReply);
      if (key === 'nacks') job.nacks = asInteger(e[k + 1] as RawReply);
      else if (key === 'additional-deliveries') job.additionalDeliveries = asInteger(e[k + 1] as RawReply);
    }
    jobs[i] = job;
  }
  return jobs;
}

/** Body decoders for the string and Buffer forms. @internal */
export const bodyAsString = (raw: RawReply): string => asString(raw);
/** @internal */
export const bodyAsBuffer = (raw: RawReply): Buffer => asBuffer(raw);
