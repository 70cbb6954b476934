import type { GetJobOptions } from '../commands/getjob.js';
import type { Milliseconds } from '../commands/types.js';
import type { Job } from '../job.js';
import type { JobsConfig } from '../options.js';
import type { FunnelJob } from '../funnel-job.js';

/**
 * What a {@link Funnel} needs from the client under it, and nothing more: fetch, settle, lease,
 * add. {@link Jobs} implements it; the Funnel's unit tests give it a fake one (no sockets).
 *
 * @typeParam T - the data in a job
 * @example
 * ```ts
 * const source: JobSource<string> = connect(); // a Jobs handle is a JobSource
 * const [job] = await source.receive(['emails'], { count: 1, timeout: 1000 });
 * if (job) await source.ack(job.id);
 * ```
 */
export interface JobSource<T> {
  /** GETJOB with explicit options, bodies decoded. */
  receive(queues: readonly string[], options: GetJobOptions): Promise<Job<T>[]>;
  /** ACKJOB of many ids (one command per node). */
  ack(...ids: string[]): Promise<number>;
  /** FASTACK of many ids. */
  fastAck(...ids: string[]): Promise<number>;
  /** NACK of many ids: back at the front of their queues. */
  nack(...ids: string[]): Promise<number>;
  /** WORKING: postpones the job's next delivery; resolves to its RETRY in ms. */
  working(id: string): Promise<Milliseconds>;
  /** ADDJOB with the source's defaults merged under `options`. */
  add(data: T, queue: string, options?: JobsConfig): Promise<string>;
  /** True once the source is closed: a funnel over it ends its loops instead of retrying. */
  readonly closed: boolean;
  /**
   * Wraps a `process()` handler with the source's instruments (a span per run when tracing is
   * on), or returns it as it is. Optional: a source without instruments leaves it out.
   */
  instrument?<J extends FunnelJob<T>>(handler: (job: J) => unknown): (job: J) => unknown;
}
