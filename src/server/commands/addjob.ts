/**
 * ADDJOB queue body ms-timeout [REPLICATE n] [DELAY s] [RETRY s] [TTL s] [MAXLEN n] [ASYNC]
 * @internal
 */
import { DEFAULT_RETRY_MAX, Job, type ReplicationWaiter } from '../job.js';
import { generateJobId } from '../job-id.js';
import type { BlockedOperation, DisqueNode } from '../node.js';
import { error, SYNTAX_ERROR, status, type Reply } from '../resp-writer.js';
import type { Client } from '../client.js';
import { keyword, parseLongLong } from './args.js';
import { parseTimeout } from './timeout.js';
import { BLOCKED, type CommandContext, type CommandSpec } from './types.js';

/** A new replica is tried this often while a synchronous ADDJOB waits. */
const ADD_NODE_PERIOD_MS = 50;

const NOREPL = 'NOREPL Not enough reachable nodes for the requested replication level';

/** The ADDJOB client blocked until enough nodes confirmed a copy. */
class ReplicationWait implements BlockedOperation, ReplicationWaiter {
  #addedNodeTime: number;

  constructor(
    private readonly node: DisqueNode,
    private readonly client: Client,
    private readonly job: Job,
    readonly timeoutAt: number,
  ) {
    this.#addedNodeTime = node.now();
  }

  achieved(): void {
    this.client.unblock(status(this.job.id));
  }

  removed(): void {
    this.client.unblock(
      error('NOREPL job removed (expired?) before the requested replication level was achieved'),
    );
  }

  onTimeout(): void {
    this.client.unblock(error('NOREPL Timeout reached before replicating to the requested number of nodes'));
    this.#abandon();
  }

  onDisconnect(): void {
    this.#abandon();
  }

  /** Tries one more node every 50 ms, in case some of the first ones do not answer. */
  onCron(): void {
    if (this.node.now() - this.#addedNodeTime < ADD_NODE_PERIOD_MS) return;
    if (this.node.cluster.jobSender.replicateJob(this.job, 1, false) > 0)
      this.#addedNodeTime = this.node.now();
  }

  /** A job nobody waits for any more is deleted everywhere (best effort). */
  #abandon(): void {
    const job = this.job;
    if (job.state !== 'wait-repl') return;
    job.replWaiter = null;
    job.state = 'active';
    this.node.lifecycle.deleteJobFromCluster(job);
  }
}

function addjob({ node, client, argv }: CommandContext): Reply | typeof BLOCKED {
  const cluster = node.cluster;
  let replicate = BigInt(Math.min(3, cluster.size));
  let ttl = 86400n;
  let retry = -1n;
  let delay = 0n;
  let maxlen = 0n;
  let async = false;
  const leaving = cluster.leaving;
  let argBytes = 0;
  for (const a of argv) argBytes += a.length;
  // A leaving or memory-pressured node replicates "externally": it keeps no copy of new jobs.
  const extrepl = leaving || node.memory.level(argBytes) > 0;

  for (let j = 4; j < argv.length; j++) {
    const opt = keyword(argv[j]);
    const last = j === argv.length - 1;
    const value = (): bigint | null => parseLongLong(argv[j + 1]!);
    if (opt === 'replicate' && !last) {
      const v = value();
      if (v === null || v <= 0n || v > 65535n) return error('ERR REPLICATE must be between 1 and 65535');
      replicate = v;
      j++;
    } else if (opt === 'ttl' && !last) {
      const v = value();
      if (v === null || v <= 0n) return error('ERR TTL must be a number > 0');
      ttl = v;
      j++;
    } else if (opt === 'retry' && !last) {
      const v = value();
      if (v === null || v < 0n) return error('ERR RETRY time must be a non negative number');
      retry = v;
      j++;
    } else if (opt === 'delay' && !last) {
      const v = value();
      if (v === null || v < 0n) return error('ERR DELAY time must be a non negative number');
      delay = v;
      j++;
    } else if (opt === 'maxlen' && !last) {
      const v = value();
      if (v === null || v <= 0n) return error('ERR MAXLEN must be a positive number');
      maxlen = v;
      j++;
    } else if (opt === 'async') {
      async = true;
    } else {
      return SYNTAX_ERROR;
    }
  }

  const timeout = parseTimeout(node, argv[3]!);
  if (typeof timeout !== 'number') return timeout;

  if (replicate > 1n && retry === 0n) {
    return error('ERR With RETRY set to 0 please explicitly set  REPLICATE to 1 (at-most-once delivery)');
  }
  if (delay >= ttl) {
    return error('ERR The specified DELAY is greater than TTL. Job refused since would never be delivered');
  }
  if (retry === -1n) {
    retry = ttl / 10n;
    if (retry > BigInt(DEFAULT_RETRY_MAX)) retry = BigInt(DEFAULT_RETRY_MAX);
    if (retry === 0n) retry = 1n;
  }

  const repl = Number(replicate);
  const additional = extrepl ? repl : repl - 1;
  const reachable = cluster.reachable.length;
  if (additional > reachable) {
    if (extrepl && additional - 1 === reachable) {
      return error(
        `${NOREPL}, since I'm unable to hold a copy of the message for the following reason: ${leaving ? "I'm leaving the cluster" : "I'm out of memory"}`,
      );
    }
    return error(NOREPL);
  }

  const q = node.lookupQueue(argv[1]!);
  if (maxlen > 0n && q !== undefined && BigInt(q.length) >= maxlen) {
    return error('MAXLEN Queue is already longer than the specified MAXLEN count');
  }
  if (q !== undefined && q.pausedIn) return error('PAUSED Queue paused in input, try later');

  const discardLocalCopy = async && extrepl;
  // Disque keeps TTL, DELAY and RETRY in C ints and the expiry in a 32-bit unsigned: wrap alike.
  const ttlInt = Number(BigInt.asIntN(32, ttl));
  const retryInt = Number(BigInt.asIntN(32, retry));
  const delayInt = Number(BigInt.asIntN(32, delay));
  const job = new Job(generateJobId(node.id, ttlInt, retryInt), argv[1]!, 'wait-repl', argv[2]!);
  job.repl = repl;
  if (!extrepl) job.nodesDelivered.add(node.id);
  job.ctime = node.nextCtime();
  job.etime = Number(BigInt.asUintN(32, BigInt(node.unixtime()) + ttl));
  job.delay = delayInt;
  job.retry = retryInt;
  const now = node.now();
  job.qtime = delayInt > 0 ? now + delayInt * 1000 : now + retryInt * 1000;

  if (!discardLocalCopy) node.lifecycle.registerJob(job);

  let reply: Reply | typeof BLOCKED;
  if ((repl > 1 || extrepl) && !async) {
    const wait = new ReplicationWait(node, client, job, timeout);
    job.replWaiter = wait;
    job.nodesConfirmed = new Set();
    if (!extrepl) job.nodesConfirmed.add(node.id);
    client.block(wait);
    reply = BLOCKED;
  } else {
    if (job.delay === 0) {
      if (!extrepl) node.lifecycle.enqueueJob(job, false);
    } else {
      job.state = 'active';
      if (!discardLocalCopy) node.lifecycle.updateJobAwakeTime(job);
    }
    reply = status(job.id);
  }

  if (additional > 0) cluster.jobSender.replicateJob(job, additional, async);

  if (discardLocalCopy) {
    const targets = [...job.nodesDelivered];
    const target = targets[Math.floor(Math.random() * targets.length)];
    if (target !== undefined) cluster.jobSender.sendEnqueue(target, job, job.delay);
  }
  return reply;
}

/** @internal */
export const ADDJOB: CommandSpec = {
  name: 'addjob',
  arity: -4,
  flags: ['write', 'denyoom', 'fast'],
  run: addjob,
};
