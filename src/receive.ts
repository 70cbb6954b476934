import * as C from './commands/index.js';
import type { Job } from './job.js';
import type { Pool } from './pool.js';
import type { Affinity } from './affinity.js';
import { DecodeError, type Codec } from './codec.js';
import { notify, observersOf } from './telemetry/observers.js';

/**
 * The fetch under `Jobs.get`, `tryGet`, `getMany`, `receive` and `request`: GETJOB through the
 * pool with the given node affinity, bodies decoded by the codec.
 * @throws {@link DecodeError} when a body cannot be decoded; the other jobs of the batch are
 *   NACKed first (back to their queues at once), the bad one waits for its RETRY (not lost)
 */
export async function receiveJobs<T>(
  pool: Pool,
  codec: Codec<T>,
  queues: readonly string[],
  options: C.GetJobOptions,
  affinity: Affinity,
  signal: AbortSignal | undefined,
): Promise<Job<T>[]> {
  const control = { affinity, signal };
  const raw: Job<string | Buffer>[] = codec.binary
    ? await pool.getJobBuffer(queues, options, control)
    : await pool.getJob(queues, options, control);
  return decodeJobs(pool, codec, raw);
}

async function decodeJobs<T>(pool: Pool, codec: Codec<T>, raw: Job<string | Buffer>[]): Promise<Job<T>[]> {
  notify(observersOf(pool), (o) => o.fetched?.(raw));
  // The entries were parsed for this call alone: their bodies are decoded in place.
  for (let i = 0; i < raw.length; i++) {
    const job = raw[i] as { body: unknown; id: string; queue: string };
    try {
      job.body = codec.decode(job.body as string | Buffer);
    } catch (cause) {
      // The jobs fetched with it go back to their queues at once; this one waits for its RETRY.
      const others = raw.filter((_, k) => k !== i).map((j) => j.id);
      if (others.length) await pool.runByJob(C.NACK, others).catch(() => undefined);
      throw new DecodeError({ id: job.id, queue: job.queue, body: job.body as string | Buffer }, cause);
    }
  }
  return raw as unknown as Job<T>[];
}
