/**
 * GETJOB [NOHANG] [TIMEOUT ms] [COUNT n] [WITHCOUNTERS] FROM q1 [q2 ...]
 * @internal
 */
import type { Client } from '../client.js';
import type { Job } from '../job.js';
import type { BlockedOperation, DisqueNode } from '../node.js';
import type { Queue, QueueWaiter } from '../queue.js';
import { error, NULL_ARRAY, SYNTAX_ERROR, type Reply } from '../resp-writer.js';
import { keyword, parseLongLong } from './args.js';
import { jobEntry } from './job-reply.js';
import { parseTimeout } from './timeout.js';
import { BLOCKED, type CommandContext, type CommandSpec } from './types.js';

/** @internal */
export const LEAVING_ERROR = error(
  'LEAVING This node is leaving the cluster, please connect to a different one',
);

/** A GETJOB blocked on empty queues: served with exactly one job, first come first served. */
class GetJobWait implements BlockedOperation, QueueWaiter {
  constructor(
    private readonly node: DisqueNode,
    private readonly client: Client,
    private readonly queues: readonly Queue[],
    private readonly withCounters: boolean,
    readonly timeoutAt: number,
  ) {
    for (const q of queues) node.addWaiter(q, this);
  }

  serve(_q: Queue, job: Job): void {
    this.#leave();
    this.client.unblock([jobEntry(job, this.withCounters)]);
  }

  onTimeout(): void {
    this.#leave();
    this.client.unblock(NULL_ARRAY);
  }

  onLeaving(): void {
    this.#leave();
    this.client.unblock(LEAVING_ERROR);
  }

  onFlush(): void {
    this.#leave();
    this.client.unblock(NULL_ARRAY);
  }

  /** Keeps asking other nodes for jobs while waiting (federation back-off applies). */
  onCron(): void {
    for (const q of this.queues) this.node.federation.needJobs(q, 'clients-waiting');
  }

  onDisconnect(): void {
    this.#leave();
  }

  #leave(): void {
    for (const q of this.queues) this.node.removeWaiter(q, this);
  }
}

function getjob({ node, client, argv }: CommandContext): Reply | typeof BLOCKED {
  let timeout = 0;
  let count = 1n;
  let nohang = false;
  let withCounters = false;
  let from = -1;
  for (let j = 1; j < argv.length; j++) {
    const opt = keyword(argv[j]);
    const last = j === argv.length - 1;
    if (opt === 'nohang') {
      nohang = true;
    } else if (opt === 'withcounters') {
      withCounters = true;
    } else if (opt === 'timeout' && !last) {
      const t = parseTimeout(node, argv[j + 1]!);
      if (typeof t !== 'number') return t;
      timeout = t;
      j++;
    } else if (opt === 'count' && !last) {
      const v = parseLongLong(argv[j + 1]!);
      if (v === null || v <= 0n) return error('ERR COUNT must be a number greater than zero');
      count = v;
      j++;
    } else if (opt === 'from') {
      from = j + 1;
      break;
    } else {
      return SYNTAX_ERROR;
    }
  }
  if (from < 0 || from >= argv.length) return SYNTAX_ERROR;
  const names = argv.slice(from);

  // Passes over the FROM list, one job per queue per pass, until COUNT or no progress.
  const entries: Reply[] = [];
  let left = count;
  for (;;) {
    const before = entries.length;
    for (const name of names) {
      const q = node.lookupQueue(name);
      const job = q !== undefined && !q.pausedOut ? node.lifecycle.fetchJob(q) : undefined;
      if (job === undefined || q === undefined) {
        if (q === undefined) node.federation.needJobsForName(name, 'clients-waiting');
        else node.federation.needJobs(q, 'clients-waiting');
        continue;
      }
      if (q.length === 0) node.federation.needJobs(q, 'reached-zero');
      entries.push(jobEntry(job, withCounters));
      if (--left === 0n) break;
    }
    if (left === 0n || entries.length === before) break;
  }
  if (entries.length > 0) return entries;
  if (nohang) return NULL_ARRAY;
  if (node.cluster.leaving) return LEAVING_ERROR;

  const queues: Queue[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const q = node.createQueue(name);
    if (seen.has(q.key)) continue;
    seen.add(q.key);
    queues.push(q);
  }
  client.block(new GetJobWait(node, client, queues, withCounters, timeout));
  return BLOCKED;
}

/** @internal */
export const GETJOB: CommandSpec = { name: 'getjob', arity: -2, flags: ['write', 'fast'], run: getjob };
