/**
 * One job as a node knows it. Several nodes may hold copies of the same job (replicas); each copy
 * is its own `Job` object.
 * @internal
 */

/** Disque's four job states, with the names SHOW and JSCAN use. @internal */
export type JobState = 'wait-repl' | 'active' | 'queued' | 'acked';

/** @internal */
export const JOB_STATES: readonly JobState[] = ['wait-repl', 'active', 'queued', 'acked'];

/** Disque's default RETRY is TTL/10 capped to this (seconds). @internal */
export const DEFAULT_RETRY_MAX = 300;

/** The client blocked in ADDJOB until enough nodes hold a copy. @internal */
export interface ReplicationWaiter {
  /** Enough copies: reply with the id. */
  achieved(): void;
  /** The job was deleted (expired) first: reply NOREPL. */
  removed(): void;
}

/** @internal */
export class Job {
  /** Queue name; null only for dummy acks (an ACKJOB of a job this node never saw). */
  queue: Buffer | null;
  /** `queue` as a map key (latin1 keeps every byte). */
  queueKey: string;
  state: JobState;
  /** Requested replication factor. */
  repl = 0;
  /** Creation time: milliseconds × 1e6 plus a per-node counter (exceeds 2^53). */
  ctime = 0n;
  /** Absolute expiry, Unix seconds (Disque keeps a 32-bit unsigned value). */
  etime = 0;
  delay = 0;
  retry = 0;
  nacks = 0;
  /** `additional-deliveries`. */
  deliveries = 0;
  /** Node ids that may hold a copy, in insertion order (SHOW `nodes-delivered`). */
  readonly nodesDelivered = new Set<string>();
  /** SHOW `nodes-confirmed`: null when Disque has no such table for the job. */
  nodesConfirmed: Set<string> | null = null;
  /** Next automatic (re)queue time in ms; 0 = never again (at-most-once once queued). */
  qtime = 0;
  /** When the job processor will next look at the job (ms); 0 = not scheduled. */
  awakeAt = 0;
  /** The next (re)queue of this job is announced to the other copies (not the first one). */
  bcastQueued = false;
  /** Announce the coming re-queue to other copies shortly before doing it. */
  bcastWillQueue = false;
  /** This node delivered the job at least once (RETRY 0 jobs are then never queued again). */
  delivered = false;
  /** Number of garbage collection attempts (exponential back-off). */
  gcRetry = 0;
  body: Buffer | null;
  /** The ADDJOB client waiting for synchronous replication (state wait-repl only). */
  replWaiter: ReplicationWaiter | null = null;

  constructor(
    readonly id: string,
    queue: Buffer | null,
    state: JobState,
    body: Buffer | null,
  ) {
    this.queue = queue;
    this.queueKey = queue === null ? '' : queue.toString('latin1');
    this.state = state;
    this.body = body;
  }

  /** A dummy ack: knows no node, holds only the fact that the id was acknowledged. */
  get isDummyAck(): boolean {
    return this.nodesDelivered.size === 0;
  }

  /** Creation time in milliseconds. */
  get ctimeMs(): number {
    return Number(this.ctime / 1000000n);
  }
}

/** Orders jobs like Disque's queues: by ctime, then by id. @internal */
export function compareJobs(a: Job, b: Job): number {
  if (a.ctime !== b.ctime) return a.ctime < b.ctime ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
