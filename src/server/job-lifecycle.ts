/**
 * Disque's job life cycle on one node: wait-repl → active ⇄ queued → acked → deleted. Registering
 * and removing jobs, queueing and fetching them, acks and their garbage collection, and the job
 * processor that the scheduler wakes at each job's next deadline (expiry, WILLQUEUE, re-queue, GC).
 * Commands and cluster messages move jobs through these states; the node owns the tables.
 * @internal
 */
import type { Job } from './job.js';
import type { Queue } from './queue.js';
import type { DisqueNode } from './node.js';

/** Disque's random time error added to re-queue deadlines (±250 ms). */
const TIME_ERROR_MS = 500;
/** WILLQUEUE is announced this long before a re-queue. */
const WILLQUEUE_ADVANCE_MS = 500;
const GC_RETRY_MIN_MS = 1000;
const GC_RETRY_MAX_MS = 180000;
const GC_RETRY_COUNT_MAX = 10;

/** Random ±ms/2 jitter. @internal */
export function randomTimeError(ms: number): number {
  return Math.floor(Math.random() * ms) - Math.floor(ms / 2);
}

/** @internal */
export class JobLifecycle {
  readonly #node: DisqueNode;

  constructor(node: DisqueNode) {
    this.#node = node;
  }

  registerJob(job: Job): boolean {
    if (this.#node.jobs.has(job.id)) return false;
    this.#node.jobs.set(job.id, job);
    this.#node.memory.jobAdded(job);
    this.#node.persistence?.jobAdded(job);
    this.updateJobAwakeTime(job);
    return true;
  }

  /**
   * Removes a job from this node entirely (its queue, the schedule, the table). A client still
   * waiting for its replication gets `-NOREPL job removed ...`.
   */
  unregisterJob(job: Job): void {
    if (this.#node.jobs.get(job.id) !== job) return;
    if (job.state === 'queued') this.dequeueJob(job);
    this.#node.scheduler.unschedule(job);
    if (job.state === 'wait-repl') {
      const w = job.replWaiter;
      job.replWaiter = null;
      job.state = 'active';
      this.#node.cluster.jobSender.broadcastDelJob(job);
      w?.removed();
    }
    this.#node.jobs.delete(job.id);
    this.#node.memory.jobRemoved(job);
    this.#node.persistence?.jobRemoved(job);
  }

  /** Deletes a job here and (best effort) on every node that may hold a copy. */
  deleteJobFromCluster(job: Job): void {
    this.#node.cluster.jobSender.broadcastDelJob(job);
    this.unregisterJob(job);
  }

  /**
   * Enough nodes confirmed a synchronously replicated job: answer the ADDJOB client and queue the
   * job (or hand it to a replica when this node keeps no copy). Returns false if the job is gone.
   */
  replicationAchieved(job: Job): boolean {
    job.state = 'active';
    const w = job.replWaiter;
    job.replWaiter = null;
    w?.achieved();
    if (!job.nodesDelivered.has(this.#node.id)) {
      // External replication (leaving node): one replica queues it, we forget it.
      const confirmed = [...(job.nodesConfirmed ?? [])];
      const target = confirmed[Math.floor(Math.random() * confirmed.length)];
      if (target !== undefined) this.#node.cluster.jobSender.sendEnqueue(target, job, job.delay);
      this.unregisterJob(job);
      return false;
    }
    job.nodesConfirmed = null;
    if (job.delay === 0) this.enqueueJob(job, false);
    else this.updateJobAwakeTime(job);
    return true;
  }

  /** GOTACK from a node about an acked job (see Disque's `gotAckReceived`). */
  gotAckReceived(from: string, job: Job, known: boolean): void {
    if (job.state !== 'acked') return;
    const dummy = job.isDummyAck;
    if (dummy && known) {
      this.unregisterJob(job);
      return;
    }
    if (known || job.nodesDelivered.has(from)) {
      job.nodesDelivered.add(from);
      job.nodesConfirmed?.add(from);
    }
    if (!known && dummy) {
      if (job.nodesConfirmed === null) job.nodesConfirmed = new Set();
      job.nodesConfirmed.add(from);
      if (job.nodesConfirmed.size >= this.#node.cluster.nodes.size) {
        this.unregisterJob(job);
        return;
      }
    }
    if (!dummy && job.nodesConfirmed !== null && job.nodesConfirmed.size >= job.nodesDelivered.size) {
      this.#node.cluster.jobSender.broadcastDelJob(job);
      this.unregisterJob(job);
    }
  }

  /**
   * Queues a job (state → queued). Fails for a job already queued, one that must never be queued
   * again (qtime 0), or an at-most-once job this node already delivered.
   */
  enqueueJob(job: Job, nack: boolean): boolean {
    if (job.state === 'queued' || job.qtime === 0) return false;
    if (job.retry === 0 && job.delivered) return false;
    if (job.queue === null) return false;
    job.state = 'queued';
    if (job.retry > 0) {
      job.bcastWillQueue = true;
      job.qtime = this.#node.now() + job.retry * 1000 + randomTimeError(TIME_ERROR_MS);
    } else {
      job.qtime = 0;
    }
    // The first queueing is silent; later ones tell the other copies (best effort de-duplication).
    if (job.bcastQueued || nack) {
      this.#node.cluster.jobSender.broadcastQueued(job, nack);
      if (nack) job.nacks++;
      else job.deliveries++;
    } else {
      job.bcastQueued = true;
    }
    this.updateJobAwakeTime(job);
    const q = this.#node.createQueue(job.queue);
    q.insert(job);
    q.atime = this.#node.unixtime();
    q.jobsIn++;
    if (!q.pausedOut) this.#node.signalQueueAsReady(q);
    return true;
  }

  /** Takes a queued job out of its queue (state → active). */
  dequeueJob(job: Job): boolean {
    if (job.state !== 'queued') return false;
    const q = this.#node.lookupQueue(job.queueKey);
    if (q === undefined) return false;
    q.remove(job);
    job.state = 'active';
    return true;
  }

  /** Pops the oldest job of a queue for delivery. */
  fetchJob(q: Queue): Job | undefined {
    const job = q.popHead();
    if (job === undefined) return undefined;
    job.state = 'active';
    job.delivered = true;
    this.#node.persistence?.jobFetched(job);
    q.atime = this.#node.unixtime();
    q.jobsOut++;
    return job;
  }

  /** Marks a job acked (and schedules its garbage collection). */
  acknowledgeJob(job: Job): void {
    if (job.state === 'acked') return;
    this.dequeueJob(job);
    job.state = 'acked';
    job.nodesConfirmed = null;
    this.#node.persistence?.jobAcked(job);
    this.updateJobAwakeTime(job);
  }

  /**
   * One garbage-collection attempt of an acked job: delete it when every node that may hold it
   * confirmed the ack, else (re)send SETACK to the others.
   */
  tryJobGC(job: Job): void {
    if (job.state !== 'acked') return;
    const dummy = job.isDummyAck;
    if (job.gcRetry !== GC_RETRY_COUNT_MAX) job.gcRetry++;
    if (job.nodesConfirmed === null) job.nodesConfirmed = new Set([this.#node.id]);
    const allReached = !dummy && job.nodesDelivered.size === job.nodesConfirmed.size;
    if (allReached || (dummy && this.#node.cluster.size === 1)) {
      this.unregisterJob(job);
      return;
    }
    this.#node.cluster.jobSender.sendSetAcks(job);
  }

  nextGcRetryTime(job: Job): number {
    const period = Math.min(GC_RETRY_MIN_MS * 2 ** job.gcRetry, GC_RETRY_MAX_MS);
    return this.#node.now() + period + randomTimeError(500);
  }

  /**
   * Recomputes when the job processor must look at `job`: expiry (+1 s), the next GC attempt for
   * acked jobs, or the (re)queue time for active/queued ones.
   */
  updateJobAwakeTime(job: Job, at = 0): void {
    if (this.#node.jobs.get(job.id) !== job) return;
    if (at === 0) {
      at = job.etime * 1000 + 1000;
      if (job.state === 'acked') {
        at = Math.min(at, this.nextGcRetryTime(job));
      } else if ((job.state === 'active' || job.state === 'queued') && job.qtime !== 0) {
        const qtime = job.bcastWillQueue ? job.qtime - WILLQUEUE_ADVANCE_MS : job.qtime;
        at = Math.min(at, qtime);
      }
    }
    if (at !== job.awakeAt) this.#node.scheduler.schedule(job, at);
  }

  /** Moves the re-queue deadline (never for at-most-once jobs or jobs never to be queued again). */
  updateJobRequeueTime(job: Job, qtime: number): void {
    if (job.retry === 0 || job.qtime === 0) return;
    job.qtime = qtime;
    this.updateJobAwakeTime(job);
  }

  /** The job processor: expiry, WILLQUEUE, (re)queueing, deadline refresh and GC. */
  processJob(job: Job): void {
    const now = this.#node.now();
    if (job.etime <= Math.floor(now / 1000)) {
      this.unregisterJob(job);
      return;
    }
    if (
      (job.state === 'active' || job.state === 'queued') &&
      job.bcastWillQueue &&
      job.qtime - WILLQUEUE_ADVANCE_MS <= now
    ) {
      if (job.state !== 'queued') this.#node.cluster.jobSender.sendWillQueue(job);
      job.bcastWillQueue = false;
      this.updateJobAwakeTime(job);
    }
    if (job.state === 'active' && job.qtime <= now) {
      const q = this.#node.lookupQueue(job.queueKey);
      if (job.retry !== 0 && q !== undefined && q.pausedIn) {
        this.updateJobRequeueTime(job, now + job.retry * 1000 + randomTimeError(TIME_ERROR_MS));
      } else {
        this.enqueueJob(job, false);
      }
    }
    if (job.state === 'queued' && job.qtime <= now && job.retry > 0) {
      job.bcastWillQueue = true;
      job.qtime = now + job.retry * 1000 + randomTimeError(TIME_ERROR_MS);
      this.updateJobAwakeTime(job);
    }
    if (job.state === 'acked') {
      this.tryJobGC(job);
      this.updateJobAwakeTime(job);
    }
    if (this.#node.jobs.get(job.id) === job && !this.#node.scheduler.isScheduled(job)) {
      // Nothing rescheduled it (e.g. a wait-repl job): look again at expiry time.
      this.updateJobAwakeTime(job, job.etime * 1000 + 1000);
    }
    this.#node.serveReadyQueues();
  }
}
