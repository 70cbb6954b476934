import type { ReplyValue } from './replies.js';

/**
 * A job as GETJOB and QPEEK deliver it.
 *
 * @typeParam B - the body type: `string` (UTF-8, the default) or `Buffer` (the `…Buffer` methods).
 * @example
 * ```ts
 * const [job] = await conn.getJob(['emails'], { withCounters: true });
 * if (job) console.log(job.id, job.queue, job.body, job.nacks);
 * ```
 */
export interface Job<B = string> {
  /** The job id, `D-…`: its characters 2-9 are the id prefix of the node that created it. */
  readonly id: string;
  /** The queue it was fetched from. */
  readonly queue: string;
  /** The body, byte for byte as it was added. */
  readonly body: B;
  /** How many times the job was NACKed (GETJOB `WITHCOUNTERS` only). */
  readonly nacks?: number;
  /** How many times it was delivered again for another reason, such as RETRY (`WITHCOUNTERS` only). */
  readonly additionalDeliveries?: number;
}

/**
 * The states a job goes through on one node: `wait-repl` (being replicated), `queued`, `active`
 * (delivered, or a replica), `acked`.
 *
 * @example
 * ```ts
 * const state: JobState | undefined = (await jobs.show(id))?.state;
 * ```
 */
export type JobState = 'wait-repl' | 'active' | 'queued' | 'acked';

/**
 * Everything SHOW reports about a job on one node. Durations are converted to milliseconds;
 * those Disque keeps in seconds (`ttl`, `delay`, `retry`) have a resolution of one second.
 *
 * @typeParam B - the body type, as for {@link Job}
 * @example
 * ```ts
 * const info = await conn.show(id);
 * if (info) console.log(info.state, info.createdAt.toISOString(), info.ttl, info.nodesDelivered);
 * ```
 */
export interface JobInfo<B = string> {
  /** The job id. */
  readonly id: string;
  /** The queue, or `null` for a "dummy ack" placeholder. */
  readonly queue: string | null;
  /** The job's state on this node. */
  readonly state: JobState;
  /** The replication factor asked for. */
  readonly replicate: number;
  /** Time left before the job is deleted, in ms (one-second resolution). */
  readonly ttl: number;
  /**
   * Creation time as Disque keeps it: milliseconds × 1 000 000 plus a per-node counter. Exceeds
   * 2^53, hence a bigint; see {@link JobInfo.createdAt} for a Date.
   */
  readonly ctime: bigint;
  /** Creation time (millisecond resolution). */
  readonly createdAt: Date;
  /** The DELAY the job was added with, in ms. */
  readonly delay: number;
  /** The RETRY period, in ms; 0 means at-most-once. */
  readonly retry: number;
  /** NACK counter. */
  readonly nacks: number;
  /** Deliveries for reasons other than NACK (timer re-queues, ENQUEUE). */
  readonly additionalDeliveries: number;
  /** Ids of the nodes that may hold a copy. */
  readonly nodesDelivered: readonly string[];
  /** Nodes that confirmed the copy (while `wait-repl`) or the ack (while `acked`). */
  readonly nodesConfirmed: readonly string[];
  /** Ms until the next automatic re-queue, or `null` if the job will never be queued again. */
  readonly nextRequeueWithin: number | null;
  /** Ms until the server looks at the job next, or `null`. */
  readonly nextAwakeWithin: number | null;
  /** The body (`null` only for a dummy ack). */
  readonly body: B | null;
  /** Fields sent by a newer server that this version does not know, camelCased, kept as sent. */
  readonly extra: Readonly<Record<string, ReplyValue>>;
}
