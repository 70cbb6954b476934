import * as C from './commands/index.js';
import type { Milliseconds } from './commands/types.js';
import type { Job } from './job.js';
import type { Jobs } from './jobs.js';
import { Affinity } from './affinity.js';
import { addJobOptions, type JobsConfig } from './options.js';
import { TimeoutError } from './errors.js';
import { jobIdNodePrefix } from './job-id.js';
import { idOf, type JobRef } from './job-ref.js';
import { receiveJobs } from './receive.js';
import * as v from './commands/validate.js';

/** Options of {@link Jobs.request}: the handle's, and how long to wait for the reply. */
type RequestOptions = { timeout?: Milliseconds | undefined } & JobsConfig;

/**
 * Request/reply over Disque, the pattern Python and Go users follow: the reply is a job added to
 * the queue named after the request's id. Both sides talk to the node that created the request
 * (its id says which), so the reply needs no federation hop. See {@link Jobs.request}.
 */
export async function sendRequest<T>(
  jobs: Jobs<T>,
  data: T,
  queue: string,
  options: RequestOptions,
): Promise<T> {
  if (options === null || typeof options !== 'object') v.fail('options', 'an object', options);
  const { config } = jobs;
  const timeout = options.timeout ?? config.timeout ?? 30_000;
  const id = await jobs.add(data, queue, { ...options, timeout: config.timeout ?? 5000 });
  const affinity = new Affinity({ enabled: false });
  affinity.preferred = jobIdNodePrefix(id);
  let replies: Job<T>[];
  try {
    const fetch = { timeout: v.millis('options.timeout', timeout, 1) };
    replies = await receiveJobs(jobs.pool, jobs.codec, [id], fetch, affinity, config.signal);
  } catch (err) {
    await jobs.fastAck(id).catch(() => undefined);
    throw err;
  }
  const reply = replies[0];
  if (!reply) {
    // Nobody took it in time: make sure nobody does later.
    await jobs.fastAck(id).catch(() => undefined);
    throw new TimeoutError(`No reply to job ${id} on queue ${queue} within ${timeout} ms`);
  }
  await jobs.ack(reply).catch(() => undefined);
  return reply.body;
}

/** The worker's side (see {@link Jobs.reply}): adds `result` to the request's reply queue, then acks it. */
export async function sendReply<T>(jobs: Jobs<T>, request: JobRef, result: T): Promise<void> {
  const id = idOf(request, 'request');
  await jobs.pool.run(
    C.ADDJOB,
    [id, jobs.codec.encode(result), { ...addJobOptions(jobs.config), replicate: 1 }],
    {
      node: jobIdNodePrefix(id),
      retry: 'at-least-once',
    },
  );
  await jobs.ack(id);
}
