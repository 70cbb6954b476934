/**
 * Federation: a node whose consumers find a queue empty asks other nodes for jobs (NEEDJOBS) and
 * imports what they send (YOURJOBS). Timings follow Disque's `needJobsForQueue`: a cluster-wide
 * request at once, then after 4, 8, 16 s and every 30 s while clients wait; targeted requests to
 * recent sources every 25 ms doubling to 2 s, or at once when the queue drains while importing.
 * @internal
 */
import type { SerializedJob } from './cluster-messages.js';
import type { DisqueNode } from './node.js';
import type { Queue } from './queue.js';

const NEEDJOBS_MIN_REQUEST = 5;
const NEEDJOBS_MAX_REQUEST = 100;
const BCAST_ALL_MIN_DELAY = 2000;
const BCAST_ALL_MAX_DELAY = 30000;
const BCAST_ADHOC_MIN_DELAY = 25;
const BCAST_ADHOC_MAX_DELAY = 2000;
/** Import rate window (ms) and source validity (s). */
const IMPORT_RATE_WINDOW = 5000;
const RESPONDER_VALIDITY_SEC = 5;

/** Why jobs are needed: clients wait on an empty queue, or it just drained while importing. @internal */
export type NeedJobsReason = 'clients-waiting' | 'reached-zero';

/** @internal */
export class Federation {
  constructor(private readonly node: DisqueNode) {}

  /** Rough jobs/s imported into `q` over the last seconds (QSTAT import-rate). */
  importRate(q: Queue): number {
    const now = this.node.now();
    const elapsed = Math.max(50, now - q.prevImportTime);
    const messages = q.prevImportCount + q.currentImportCount;
    if (now - q.currentImportTime > IMPORT_RATE_WINDOW) return 0;
    return Math.ceil((messages * 1000) / elapsed);
  }

  #updateImportRate(q: Queue): void {
    const now = this.node.now();
    if (now - q.currentImportTime > 1000) {
      q.prevImportTime = q.currentImportTime;
      q.prevImportCount = q.currentImportCount;
      q.currentImportTime = now;
      q.currentImportCount = 0;
    }
    q.currentImportCount++;
  }

  /** Sources that supplied jobs in the last 5 s (older ones are dropped). */
  validResponders(q: Queue): number {
    const now = this.node.unixtime();
    for (const [id, t] of q.responders) if (now - t > RESPONDER_VALIDITY_SEC) q.responders.delete(id);
    return q.responders.size;
  }

  /** Asks other nodes for jobs of `q` if the back-off allows it. */
  needJobs(q: Queue, reason: NeedJobsReason): void {
    const node = this.node;
    if (node.cluster.leaving) return;
    const rate = this.importRate(q);
    if (reason === 'reached-zero' && rate === 0) return;
    const responders = this.validResponders(q);
    let toFetch = NEEDJOBS_MIN_REQUEST;
    if (responders > 0) toFetch = Math.floor(rate / responders);
    toFetch = Math.min(NEEDJOBS_MAX_REQUEST, Math.max(NEEDJOBS_MIN_REQUEST, toFetch));
    const now = node.now();

    const bcastDelay = Math.min(BCAST_ALL_MIN_DELAY * 2 ** q.needJobsBcastAttempt, BCAST_ALL_MAX_DELAY);
    if (now - q.needJobsBcastTime > bcastDelay) {
      q.needJobsBcastTime = now;
      q.needJobsBcastAttempt++;
      // Cluster-wide requests only discover sources: ask for a single job.
      node.cluster.jobSender.sendNeedJobs(q.name, 1, node.cluster.nodes.keys());
    }

    const adhocDelay = Math.min(BCAST_ADHOC_MIN_DELAY * 2 ** q.needJobsAdhocAttempt, BCAST_ADHOC_MAX_DELAY);
    if ((reason === 'reached-zero' || now - q.needJobsAdhocTime > adhocDelay) && responders > 0) {
      q.needJobsAdhocTime = now;
      q.needJobsAdhocAttempt++;
      node.cluster.jobSender.sendNeedJobs(q.name, toFetch, [...q.responders.keys()]);
    }
  }

  /** Same by queue name; the queue is created (it holds the back-off state). */
  needJobsForName(name: Buffer, reason: NeedJobsReason): void {
    this.needJobs(this.node.createQueue(name), reason);
  }

  /** A peer asks for `count` jobs of a queue: give some unless paused out or importing ourselves. */
  receiveNeedJobs(from: string, name: Buffer, count: number): void {
    const node = this.node;
    const q = node.lookupQueue(name);
    if (q === undefined || q.length === 0 || this.importRate(q) > 0 || q.pausedOut) return;
    let give = count;
    if (q.length < count * 2) give = Math.floor(q.length / 2);
    if (give === 0) give = 1;
    const jobs = [];
    for (let i = 0; i < give; i++) {
      const j = node.lifecycle.fetchJob(q);
      if (j === undefined) break;
      jobs.push(j);
    }
    node.cluster.jobSender.sendYourJobs(from, jobs);
    // At-most-once jobs must not exist twice: the exported copy is the only one.
    for (const j of jobs) if (j.retry === 0) node.lifecycle.unregisterJob(j);
  }

  /** Imports jobs sent by a peer: queue them here and remember the peer as a source. */
  receiveYourJobs(from: string, jobs: readonly SerializedJob[]): void {
    const node = this.node;
    for (const s of jobs) {
      let job = node.jobs.get(s.id);
      if (job === undefined) {
        job = node.cluster.jobMessages.buildReceivedJob(s);
        node.lifecycle.registerJob(job);
      }
      // Moving a job between queues is not a re-queue: no QUEUED broadcast the first time.
      job.bcastQueued = false;
      // Force the first queueing of at-most-once jobs (enqueueJob then sets qtime to 0).
      if (job.retry === 0) job.qtime = node.now();
      if (!node.lifecycle.enqueueJob(job, false)) continue;
      const q = node.createQueue(job.queue ?? Buffer.alloc(0));
      if (!q.responders.has(from)) q.needJobsBcastAttempt = 0;
      q.responders.set(from, node.unixtime());
      this.#updateImportRate(q);
      q.needJobsAdhocAttempt = 0;
    }
  }
}
