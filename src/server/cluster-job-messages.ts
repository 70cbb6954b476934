/**
 * The receive side of Disque's job messages between nodes (`clusterProcessPacket`): REPLJOB /
 * GOTJOB (replication), SETACK / GOTACK / DELJOB (acks and garbage collection), ENQUEUE, QUEUED,
 * WORKING and WILLQUEUE (who queues a job next), and PAUSE broadcasts.
 * @internal
 */
import {
  deserializeJob,
  type JobIdMessage,
  type JobsMessage,
  type SerializedJob,
} from './cluster-messages.js';
import type { Job } from './job.js';
import { randomTimeError } from './job-lifecycle.js';
import type { DisqueNode } from './node.js';
import { PAUSED_IN, PAUSED_OUT } from './queue.js';

const DISQUE_TIME_ERR = 500;

/** Disque's `compareNodeIDsByJob`: an ordering of two nodes that depends on the job. */
function compareNodeIdsByJob(a: string, b: string, jobId: string): number {
  for (let i = 0; i < 40; i++) {
    const k = jobId.charCodeAt(11 + (i % 24));
    const x = a.charCodeAt(i) ^ k;
    const y = b.charCodeAt(i) ^ k;
    if (x !== y) return x - y;
  }
  return 0;
}

/** @internal */
export class JobMessageHandler {
  readonly #node: DisqueNode;

  constructor(node: DisqueNode) {
    this.#node = node;
  }

  /** REPLJOB: store a copy (active), unless leaving, short of memory or paused in input; GOTJOB back. */
  receiveReplJob(msg: JobsMessage, sender: string): void {
    const s = msg.jobs[0];
    if (msg.jobs.length !== 1 || s === undefined) return;
    const node = this.#node;
    if (node.cluster.leaving || node.memory.level() > 0) return;
    if (node.lookupQueue(s.queue)?.pausedIn) return;
    const job = deserializeJob(s, node.unixtime(), (id) => node.cluster.nodes.has(id));
    job.bcastQueued = true;
    this.#setReceivedRequeueTime(job);
    const existing = node.jobs.get(job.id);
    if (existing !== undefined) {
      for (const id of job.nodesDelivered) existing.nodesDelivered.add(id);
    } else {
      node.lifecycle.registerJob(job);
      node.lifecycle.updateJobAwakeTime(job);
    }
    if (!msg.noreply) node.cluster.jobSender.sendGotJob(sender, job.id);
  }

  /** A received copy re-queues itself after DELAY + RETRY unless told otherwise. */
  #setReceivedRequeueTime(job: Job): void {
    if (job.retry > 0) {
      job.bcastWillQueue = true;
      job.qtime = this.#node.now() + job.delay * 1000 + job.retry * 1000 + randomTimeError(DISQUE_TIME_ERR);
    } else {
      job.qtime = 0;
    }
  }

  /** Rebuilds a job received from another node (also used by federation for imported jobs). */
  buildReceivedJob(s: SerializedJob): Job {
    const job = deserializeJob(s, this.#node.unixtime(), (id) => this.#node.cluster.nodes.has(id));
    this.#setReceivedRequeueTime(job);
    return job;
  }

  /** PAUSE broadcast: apply the sender's pause state (creating the queue unless it is none). */
  receivePause(queue: Buffer, flags: number): void {
    const node = this.#node;
    let q = node.lookupQueue(queue);
    if (q === undefined) {
      if (flags === 0) return;
      q = node.createQueue(queue);
    }
    node.setPaused(q, PAUSED_IN, (flags & PAUSED_IN) !== 0);
    node.setPaused(q, PAUSED_OUT, (flags & PAUSED_OUT) !== 0);
  }

  /** The messages that name one job id. */
  receiveJobId(msg: JobIdMessage, sender: string): void {
    const node = this.#node;
    const job = node.jobs.get(msg.id);
    switch (msg.type) {
      case 'gotjob':
        if (job !== undefined && job.state === 'wait-repl' && job.nodesConfirmed !== null) {
          job.nodesConfirmed.add(sender);
          if (job.nodesConfirmed.size === job.repl) node.lifecycle.replicationAchieved(job);
        }
        return;
      case 'setack': {
        let j = job;
        if (j !== undefined) {
          if (j.state === 'wait-repl' && !node.lifecycle.replicationAchieved(j)) return;
          j = node.jobs.get(msg.id);
          if (j !== undefined) node.lifecycle.acknowledgeJob(j);
        }
        if (j === undefined || j.nodesDelivered.size <= msg.aux) {
          node.cluster.jobSender.sendGotAck(sender, msg.id, j !== undefined);
        } else {
          if (msg.aux === 0) node.cluster.jobSender.sendGotAck(sender, msg.id, true);
          node.lifecycle.tryJobGC(j);
        }
        return;
      }
      case 'gotack':
        if (job !== undefined) node.lifecycle.gotAckReceived(sender, job, msg.aux !== 0);
        return;
      case 'deljob':
        if (job !== undefined) node.lifecycle.unregisterJob(job);
        return;
      case 'enqueue':
        if (job !== undefined && (job.state === 'wait-repl' || job.state === 'active')) {
          const q = node.lookupQueue(job.queueKey);
          if (q === undefined || !q.pausedIn) {
            job.bcastQueued = false;
            if (msg.aux === 0) node.lifecycle.enqueueJob(job, false);
            else node.lifecycle.updateJobRequeueTime(job, node.now() + msg.aux * 1000);
          }
        }
        return;
      case 'queued':
      case 'working':
        if (job === undefined) return;
        if (job.state === 'acked') {
          node.cluster.jobSender.sendSetAck(sender, job);
          return;
        }
        if (
          job.state === 'queued' &&
          (msg.type === 'working' || compareNodeIdsByJob(sender, node.id, job.id) > 0)
        ) {
          node.lifecycle.dequeueJob(job);
        }
        if (job.retry > 0) {
          job.bcastWillQueue = true;
          node.lifecycle.updateJobRequeueTime(
            job,
            node.now() + job.retry * 1000 + randomTimeError(DISQUE_TIME_ERR),
          );
        }
        if (msg.type === 'queued') {
          if (msg.incrNacks) job.nacks++;
          if (msg.incrDeliveries) job.deliveries++;
        }
        return;
      case 'willqueue':
        if (job === undefined) return;
        if (job.state === 'active' || job.state === 'queued') job.nodesDelivered.add(sender);
        if (job.state === 'queued') node.cluster.jobSender.broadcastQueuedNoCounters(job);
        else if (job.state === 'acked') node.cluster.jobSender.sendSetAck(sender, job);
        return;
    }
  }
}
