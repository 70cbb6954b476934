/**
 * Messages of the in-process cluster bus, modelled on Disque's cluster bus packet types.
 * Jobs travel as plain copies ({@link SerializedJob}) so no two nodes ever share a Job object.
 * @internal
 */
import { Job } from './job.js';

/** A job as sent to another node (REPLJOB, YOURJOBS). @internal */
export interface SerializedJob {
  readonly id: string;
  readonly queue: Buffer;
  readonly body: Buffer;
  readonly repl: number;
  /** Seconds to live, relative (Disque sends `etime - now + 1`). */
  readonly ttlLeft: number;
  readonly ctime: bigint;
  readonly delay: number;
  readonly retry: number;
  readonly nacks: number;
  readonly deliveries: number;
  readonly bcastQueued: boolean;
  readonly nodesDelivered: readonly string[];
}

/** One gossip entry: what the sender knows about a node. @internal */
export interface GossipEntry {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly pfail: boolean;
  readonly fail: boolean;
}

interface Base {
  /** Sender node id. */
  readonly sender: string;
  /** Sender's client address. */
  readonly senderHost: string;
  readonly senderPort: number;
}

/** @internal */
export interface PingMessage extends Base {
  readonly type: 'ping' | 'pong' | 'meet';
  readonly leaving: boolean;
  /** The id under which the sender knows the receiver (a random one during handshake). */
  readonly toId: string;
  readonly gossip: readonly GossipEntry[];
}
/** @internal */
export interface FailMessage extends Base {
  readonly type: 'fail';
  readonly about: string;
}
/** @internal */
export interface JobsMessage extends Base {
  readonly type: 'repljob' | 'yourjobs';
  readonly jobs: readonly SerializedJob[];
  readonly noreply: boolean;
}
/** @internal */
export type JobIdMessageType =
  'gotjob' | 'enqueue' | 'queued' | 'working' | 'setack' | 'gotack' | 'deljob' | 'willqueue';
/** @internal */
export interface JobIdMessage extends Base {
  readonly type: JobIdMessageType;
  readonly id: string;
  readonly aux: number;
  readonly incrNacks: boolean;
  readonly incrDeliveries: boolean;
}
/** @internal */
export interface QueueMessage extends Base {
  readonly type: 'needjobs' | 'pause';
  readonly queue: Buffer;
  readonly aux: number;
}

/** @internal */
export type ClusterMessage = PingMessage | FailMessage | JobsMessage | JobIdMessage | QueueMessage;

/** The sender fields every message carries. */
interface Stamp {
  sender: string;
  senderHost: string;
  senderPort: number;
}

/** A message before {@link stampMessage}. @internal */
export type Unstamped<M extends ClusterMessage> = Omit<M, keyof Stamp>;

/**
 * Adds the sender's fields to a message. Assigned rather than spread: on Node 20 an object
 * literal like `{ ...base, type, id }` costs several microseconds, and the bus builds one per
 * message.
 * @internal
 */
export function stampMessage<M extends ClusterMessage>(
  fields: Unstamped<M>,
  from: { readonly id: string; readonly host: string; readonly port: number },
): M {
  const m = fields as Unstamped<M> & Stamp;
  m.sender = from.id;
  m.senderHost = from.host;
  m.senderPort = from.port;
  return m as unknown as M;
}

/** Copies a job for sending; `nowSec` is the sender's Unix time. @internal */
export function serializeJob(job: Job, nowSec: number): SerializedJob {
  return {
    id: job.id,
    queue: job.queue ?? Buffer.alloc(0),
    body: job.body ?? Buffer.alloc(0),
    repl: job.repl,
    ttlLeft: job.etime >= nowSec ? job.etime - nowSec + 1 : 1,
    ctime: job.ctime,
    delay: job.delay,
    retry: job.retry,
    nacks: job.nacks,
    deliveries: job.deliveries,
    bcastQueued: job.bcastQueued,
    nodesDelivered: [...job.nodesDelivered],
  };
}

/**
 * Rebuilds a received job (state active). `known` filters the node list down to the nodes the
 * receiver knows, as Disque does. The re-queue time is computed by the caller.
 * @internal
 */
export function deserializeJob(s: SerializedJob, nowSec: number, known: (id: string) => boolean): Job {
  const job = new Job(s.id, s.queue, 'active', s.body);
  job.repl = s.repl;
  job.etime = nowSec + s.ttlLeft;
  job.ctime = s.ctime;
  job.delay = s.delay;
  job.retry = s.retry;
  job.nacks = s.nacks;
  job.deliveries = s.deliveries;
  job.bcastQueued = s.bcastQueued;
  for (const id of s.nodesDelivered) if (known(id)) job.nodesDelivered.add(id);
  return job;
}
