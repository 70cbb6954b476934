/**
 * A model of Disque's memory accounting, so `maxmemory` behaves like the real server: above 75%
 * of it a node stops keeping local copies of new jobs ("I'm out of memory"), above 95% denyoom
 * commands (ADDJOB, ENQUEUE, NACK) fail with -OOM after acked and delivered at-most-once jobs
 * were evicted. Usage = a fixed baseline + stored jobs and queues + request bytes being
 * processed. The absolute numbers are estimates; the thresholds and their effects are Disque's.
 * @internal
 */
import type { Job } from './job.js';

/** Memory of an idle server (Disque reports a bit under 1 MB). */
const BASELINE = 900 * 1024;
/** Per-job overhead besides body and queue name: struct, id, dict entries, skiplist node. */
const JOB_OVERHEAD = 250;
const QUEUE_OVERHEAD = 200;

/** What the model needs from the node. @internal */
export interface MemoryHost {
  readonly jobs: ReadonlyMap<string, Job>;
  readonly queues: ReadonlyMap<string, unknown>;
  /** Request bytes received and not processed yet, all clients together. */
  pendingInput(): number;
  unregisterJob(job: Job): void;
  /** Evicts idle queues with a short idle limit; returns how many. */
  evictIdleQueuesUnderPressure(): number;
}

/** @internal */
export class NodeMemory {
  #jobBytes = 0;
  peak = BASELINE;

  constructor(
    private readonly host: MemoryHost,
    public max: number,
  ) {}

  static jobSize(job: Job): number {
    return JOB_OVERHEAD + (job.body?.length ?? 0) + (job.queue?.length ?? 0);
  }

  jobAdded(job: Job): void {
    this.#jobBytes += NodeMemory.jobSize(job);
  }

  jobRemoved(job: Job): void {
    this.#jobBytes -= NodeMemory.jobSize(job);
  }

  reset(): void {
    this.#jobBytes = 0;
  }

  /** Estimated used memory, plus `extra` bytes of the request being run. */
  used(extra = 0): number {
    const u =
      BASELINE + this.#jobBytes + this.host.queues.size * QUEUE_OVERHEAD + this.host.pendingInput() + extra;
    if (u > this.peak) this.peak = u;
    return u;
  }

  /** Disque's warning level: 0 ok, 1 above 75 %, 2 above 95 % of maxmemory. */
  level(extra = 0): number {
    const u = this.used(extra);
    if (u > Math.floor(this.max / 100) * 95) return 2;
    if (u > Math.floor(this.max / 100) * 75) return 1;
    return 0;
  }

  /**
   * Before a denyoom command: above 95 %, evict what Disque may evict (acked jobs, delivered
   * at-most-once jobs, idle queues); false if usage is still above 95 %.
   */
  allowsDenyOom(argv: readonly Buffer[]): boolean {
    let extra = 0;
    for (const a of argv) extra += a.length;
    if (this.level(extra) < 2) return true;
    for (const job of [...this.host.jobs.values()]) {
      if (job.state === 'acked' || (job.retry === 0 && job.delivered)) {
        this.host.unregisterJob(job);
        if (this.level(extra) < 2) return true;
      }
    }
    this.host.evictIdleQueuesUnderPressure();
    return this.level(extra) < 2;
  }
}
