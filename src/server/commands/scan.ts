/**
 * QSCAN and JSCAN, in hash order like Disque's dictionary scans. The cursor is a hash value: a
 * page holds the items whose hash is at least the cursor (about COUNT of them), and the next
 * cursor is the hash of the first item left out, so an item present during the whole scan is
 * returned at least once even if others come and go. BUSYLOOP returns everything at once.
 * @internal
 */
import { hashKey, inHashOrder } from '../hash-order.js';
import { JOB_STATES, type Job, type JobState } from '../job.js';
import { error, SYNTAX_ERROR, type Reply } from '../resp-writer.js';
import { keyword, parseCursor, parseLongLong } from './args.js';
import { jobIdReply, jobInfo } from './job-reply.js';
import type { CommandContext, CommandSpec } from './types.js';

const NOT_AN_INTEGER = error('ERR value is not an integer or out of range');
const BAD_CURSOR = error('ERR invalid cursor or option name');

/** Pages over `items` from `cursor`, keeping those `keep` accepts. */
function page<T>(
  all: Iterable<T>,
  key: (x: T) => string,
  cursor: bigint,
  count: number,
  busyloop: boolean,
  keep: (x: T) => boolean,
) {
  const out: T[] = [];
  const items = inHashOrder(all, key);
  let i = 0;
  while (i < items.length && BigInt(hashKey(key(items[i]!))) < cursor) i++;
  // Disque compares the page size as an unsigned number: a negative COUNT means "everything".
  if (count < 0) busyloop = true;
  const limit = Math.max(1, count);
  let visited = 0;
  while (i < items.length) {
    const x = items[i]!;
    i++;
    visited++;
    if (keep(x)) out.push(x);
    if (!busyloop && (out.length >= limit || visited >= limit * 10)) break;
  }
  return { next: i >= items.length ? 0 : hashKey(key(items[i]!)), out };
}

function qscan({ node, argv }: CommandContext): Reply {
  let count = 100;
  let busyloop = false;
  let minlen = -1;
  let maxlen = -1;
  let importrate = -1;
  let cursor: bigint | null = null;
  for (let j = 1; j < argv.length; j++) {
    const opt = keyword(argv[j]);
    const remaining = argv.length - j - 1;
    const num = (): number | null => {
      const v = parseLongLong(argv[j + 1]!);
      return v === null ? null : Number(v);
    };
    if (opt === 'count' && remaining > 0) {
      const v = num();
      if (v === null) return NOT_AN_INTEGER;
      count = v;
      j++;
    } else if (opt === 'busyloop') {
      busyloop = true;
    } else if (opt === 'minlen' && remaining > 0) {
      const v = num();
      if (v === null) return NOT_AN_INTEGER;
      minlen = v;
      j++;
    } else if (opt === 'maxlen' && remaining > 0) {
      const v = num();
      if (v === null) return NOT_AN_INTEGER;
      maxlen = v;
      j++;
    } else if (opt === 'importrate' && remaining > 0) {
      const v = num();
      if (v === null) return NOT_AN_INTEGER;
      importrate = v;
      j++;
    } else {
      if (cursor !== null) return SYNTAX_ERROR;
      cursor = parseCursor(argv[j]!);
      if (cursor === null) return BAD_CURSOR;
    }
  }
  const { next, out } = page(
    node.queues.values(),
    (q) => q.key,
    cursor ?? 0n,
    count,
    busyloop,
    (q) => {
      if (minlen !== -1 && q.length < minlen) return false;
      if (maxlen !== -1 && q.length > maxlen) return false;
      if (importrate !== -1 && node.federation.importRate(q) < importrate) return false;
      return true;
    },
  );
  return [String(next), out.map((q) => q.name)];
}

function jscan({ node, argv }: CommandContext): Reply {
  let count = 100;
  let busyloop = false;
  let queue: string | null = null;
  const states = new Set<JobState>();
  let replyAll = false;
  let cursor: bigint | null = null;
  for (let j = 1; j < argv.length; j++) {
    const opt = keyword(argv[j]);
    const remaining = argv.length - j - 1;
    if (opt === 'count' && remaining > 0) {
      const v = parseLongLong(argv[j + 1]!);
      if (v === null) return NOT_AN_INTEGER;
      count = Number(v);
      j++;
    } else if (opt === 'busyloop') {
      busyloop = true;
    } else if (opt === 'queue' && remaining > 0) {
      queue = argv[j + 1]!.toString('latin1');
      j++;
    } else if (opt === 'state' && remaining > 0) {
      const s = JOB_STATES.find((x) => x === keyword(argv[j + 1]));
      if (s === undefined) return error('ERR Invalid job state name');
      states.add(s);
      j++;
    } else if (opt === 'reply' && remaining > 0) {
      const r = keyword(argv[j + 1]);
      if (r === 'id') replyAll = false;
      else if (r === 'all') replyAll = true;
      else return error('ERR Invalid REPLY type, try ID or ALL');
      j++;
    } else {
      if (cursor !== null) return SYNTAX_ERROR;
      cursor = parseCursor(argv[j]!);
      if (cursor === null) return BAD_CURSOR;
    }
  }
  const { next, out } = page(
    node.jobs.values(),
    (j) => j.id,
    cursor ?? 0n,
    count,
    busyloop,
    (job: Job) => {
      // Dummy acks are never listed.
      if (job.isDummyAck) return false;
      if (queue !== null && job.queueKey !== queue) return false;
      if (states.size > 0 && !states.has(job.state)) return false;
      return true;
    },
  );
  return [String(next), out.map((j) => (replyAll ? jobInfo(node, j) : jobIdReply(j)))];
}

/** @internal */
export const QSCAN: CommandSpec = { name: 'qscan', arity: -1, flags: ['readonly'], run: qscan };
/** @internal */
export const JSCAN: CommandSpec = { name: 'jscan', arity: -1, flags: ['readonly'], run: jscan };
