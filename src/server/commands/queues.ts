/**
 * QLEN, QPEEK, QSTAT and PAUSE.
 * @internal
 */
import { PAUSED_ALL, PAUSED_IN, PAUSED_OUT } from '../queue.js';
import { error, status, SYNTAX_ERROR, type Reply } from '../resp-writer.js';
import { keyword, parseLongLong } from './args.js';
import { jobEntry } from './job-reply.js';
import type { CommandContext, CommandSpec } from './types.js';

/** `none`, `in`, `out` or `all`. @internal */
export function pauseStateName(flags: number): string {
  const f = flags & PAUSED_ALL;
  if (f === PAUSED_ALL) return 'all';
  if (f === PAUSED_IN) return 'in';
  if (f === PAUSED_OUT) return 'out';
  return 'none';
}

function qlen({ node, argv }: CommandContext): Reply {
  return node.queueLength(argv[1]!);
}

function qpeek({ node, argv }: CommandContext): Reply {
  const v = parseLongLong(argv[2]!);
  if (v === null) return error('ERR value is not an integer or out of range');
  const fromTail = v < 0n;
  const count = fromTail ? -v : v;
  const q = node.lookupQueue(argv[1]!);
  if (q === undefined || count === 0n) return [];
  const n = count > BigInt(q.length) ? q.length : Number(count);
  return q.peek(n, fromTail).map((j) => jobEntry(j, false));
}

function qstat({ node, argv }: CommandContext): Reply {
  const q = node.lookupQueue(argv[1]!);
  if (q === undefined) return { kind: 'nullarray' };
  const now = node.unixtime();
  return [
    'name',
    q.name,
    'len',
    q.length,
    'age',
    Math.max(0, now - q.ctime),
    'idle',
    Math.max(0, now - q.atime),
    'blocked',
    q.waiters.size,
    'import-from',
    [...q.responders.keys()],
    'import-rate',
    node.federation.importRate(q),
    'jobs-in',
    q.jobsIn,
    'jobs-out',
    q.jobsOut,
    'pause',
    pauseStateName(q.flags),
  ];
}

/**
 * PAUSE queue option...: the options fold into a new state (in/out/all add, none resets) that
 * replaces the queue's; `state` and `bcast` alone change nothing. `bcast` sends the result to
 * every node.
 */
function pause({ node, argv }: CommandContext): Reply {
  let q = node.lookupQueue(argv[1]!);
  const oldFlags = q?.flags ?? 0;
  let newFlags = 0;
  let update = false;
  let bcast = false;
  for (let j = 2; j < argv.length; j++) {
    const opt = keyword(argv[j]);
    if (opt === 'none') {
      newFlags = 0;
      update = true;
    } else if (opt === 'in') {
      newFlags |= PAUSED_IN;
      update = true;
    } else if (opt === 'out') {
      newFlags |= PAUSED_OUT;
      update = true;
    } else if (opt === 'all') {
      newFlags |= PAUSED_ALL;
      update = true;
    } else if (opt === 'state') {
      // Reply with the state, nothing to change.
    } else if (opt === 'bcast') {
      bcast = true;
    } else {
      return SYNTAX_ERROR;
    }
  }
  if (q === undefined && update && oldFlags !== newFlags) q = node.createQueue(argv[1]!);
  if (q !== undefined && update) {
    node.setPaused(q, PAUSED_IN, (newFlags & PAUSED_IN) !== 0);
    node.setPaused(q, PAUSED_OUT, (newFlags & PAUSED_OUT) !== 0);
  }
  const flags = (q?.flags ?? 0) & PAUSED_ALL;
  if (bcast) node.cluster.jobSender.broadcastPause(argv[1]!, flags);
  return status(pauseStateName(flags));
}

/** @internal */
export const QLEN: CommandSpec = { name: 'qlen', arity: 2, flags: ['readonly', 'fast'], run: qlen };
/** @internal */
export const QPEEK: CommandSpec = { name: 'qpeek', arity: 3, flags: ['readonly'], run: qpeek };
/** @internal */
export const QSTAT: CommandSpec = { name: 'qstat', arity: 2, flags: ['readonly', 'fast'], run: qstat };
/** @internal */
export const PAUSE: CommandSpec = { name: 'pause', arity: -3, flags: ['readonly', 'fast'], run: pause };
