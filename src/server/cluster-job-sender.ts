/**
 * The send side of the job messages on the cluster bus: REPLJOB (replication), QUEUED/WILLQUEUE/
 * WORKING (re-queue coordination), SETACK/GOTACK/DELJOB (acks and their garbage collection),
 * GOTJOB, ENQUEUE, NEEDJOBS/YOURJOBS (federation) and PAUSE. It picks the peers a message goes to;
 * the links and membership are cluster.ts's, the receive side is cluster-job-messages.ts.
 * @internal
 */
import {
  serializeJob,
  type JobIdMessage,
  type JobIdMessageType,
  type JobsMessage,
  type QueueMessage,
} from './cluster-messages.js';
import type { Cluster } from './cluster.js';
import type { PeerNode } from './cluster-peer.js';
import type { Job } from './job.js';
import type { DisqueNode } from './node.js';

/** @internal */
export class JobMessageSender {
  readonly #node: DisqueNode;
  readonly #cluster: Cluster;

  constructor(node: DisqueNode, cluster: Cluster) {
    this.#node = node;
    this.#cluster = cluster;
  }

  #jobIdMessage(
    type: JobIdMessageType,
    id: string,
    aux = 0,
    flags: { incrNacks?: boolean; incrDeliveries?: boolean } = {},
  ): JobIdMessage {
    return this.#cluster.stamp<JobIdMessage>({
      type,
      id,
      aux,
      incrNacks: flags.incrNacks ?? false,
      incrDeliveries: flags.incrDeliveries ?? false,
    });
  }

  #sendJobIdTo(ids: Iterable<string>, msg: JobIdMessage): void {
    for (const id of ids) {
      const p = this.#cluster.nodes.get(id);
      if (p !== undefined) this.#cluster.sendTo(p, msg);
    }
  }

  #shuffledReachable(): PeerNode[] {
    const a = [...this.#cluster.reachable];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  /**
   * Adds up to `count` reachable, linked nodes to the job's `nodesDelivered` and (re)sends REPLJOB
   * to every node that may hold it. Returns how many nodes were added.
   */
  replicateJob(job: Job, count: number, noreply: boolean): number {
    if (count <= 0) return 0;
    let added = 0;
    for (const p of this.#shuffledReachable()) {
      if (!p.link) continue;
      if (!job.nodesDelivered.has(p.id)) {
        job.nodesDelivered.add(p.id);
        added++;
        if (--count === 0) break;
      }
    }
    const ser = serializeJob(job, this.#node.unixtime());
    for (const id of job.nodesDelivered) {
      const p = this.#cluster.nodes.get(id);
      if (p === undefined || p.myself) continue;
      const acked = job.nodesConfirmed?.has(id) ?? false;
      if (acked && added === 0) continue;
      const msg = this.#cluster.stamp<JobsMessage>({
        type: 'repljob',
        jobs: [ser],
        noreply: noreply || acked,
      });
      this.#cluster.sendTo(p, msg);
    }
    return added;
  }

  broadcastQueued(job: Job, nack: boolean): void {
    this.#sendJobIdTo(
      job.nodesDelivered,
      this.#jobIdMessage('queued', job.id, 0, { incrNacks: nack, incrDeliveries: !nack }),
    );
  }

  /** QUEUED without counter increments (reply to WILLQUEUE). */
  broadcastQueuedNoCounters(job: Job): void {
    this.#sendJobIdTo(job.nodesDelivered, this.#jobIdMessage('queued', job.id));
  }

  sendWillQueue(job: Job): void {
    this.#sendJobIdTo(job.nodesDelivered, this.#jobIdMessage('willqueue', job.id));
  }

  broadcastWorking(job: Job): void {
    this.#sendJobIdTo(job.nodesDelivered, this.#jobIdMessage('working', job.id));
  }

  broadcastDelJob(job: Job): void {
    this.#sendJobIdTo(job.nodesDelivered, this.#jobIdMessage('deljob', job.id));
  }

  /** DELJOB for an id this node does not know: to everybody. */
  broadcastDelJobId(id: string): void {
    this.#sendJobIdTo(this.#cluster.nodes.keys(), this.#jobIdMessage('deljob', id));
  }

  sendGotJob(peerId: string, id: string): void {
    this.#sendJobIdTo([peerId], this.#jobIdMessage('gotjob', id));
  }

  sendGotAck(peerId: string, id: string, known: boolean): void {
    this.#sendJobIdTo([peerId], this.#jobIdMessage('gotack', id, known ? 1 : 0));
  }

  sendSetAck(peerId: string, job: Job): void {
    this.#sendJobIdTo([peerId], this.#jobIdMessage('setack', job.id, job.nodesDelivered.size));
  }

  /** SETACK to every node that may hold the job (everybody for a dummy ack) and did not confirm. */
  sendSetAcks(job: Job): void {
    const targets = job.isDummyAck ? [...this.#cluster.nodes.keys()] : [...job.nodesDelivered];
    for (const id of targets) {
      if (id === this.#node.id || job.nodesConfirmed?.has(id)) continue;
      this.sendSetAck(id, job);
    }
  }

  sendEnqueue(peerId: string, job: Job, delay: number): void {
    this.#sendJobIdTo([peerId], this.#jobIdMessage('enqueue', job.id, delay));
  }

  sendNeedJobs(queue: Buffer, count: number, targets: Iterable<string>): void {
    for (const id of targets) {
      const p = this.#cluster.nodes.get(id);
      if (p === undefined) continue;
      this.#cluster.sendTo(p, this.#cluster.stamp<QueueMessage>({ type: 'needjobs', queue, aux: count }));
    }
  }

  sendYourJobs(peerId: string, jobs: readonly Job[]): void {
    const p = this.#cluster.nodes.get(peerId);
    if (p === undefined) return;
    const now = this.#node.unixtime();
    const msg = this.#cluster.stamp<JobsMessage>({
      type: 'yourjobs',
      jobs: jobs.map((j) => serializeJob(j, now)),
      noreply: true,
    });
    this.#cluster.sendTo(p, msg);
  }

  broadcastPause(queue: Buffer, flags: number): void {
    for (const p of this.#cluster.nodes.values())
      this.#cluster.sendTo(p, this.#cluster.stamp<QueueMessage>({ type: 'pause', queue, aux: flags }));
  }
}
