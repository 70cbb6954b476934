/**
 * What the dashboard reads from the cluster, a page at a time: a page of queue names (QSCAN with
 * COUNT on every node, one cursor per node), a page of a queue's jobs (JSCAN likewise), the
 * oldest and newest jobs (QPEEK), one job (SHOW). Nothing here walks a whole keyspace, so a node
 * with 10 000 queues and 1 000 000 jobs costs the same per refresh as a small one.
 * @internal
 * @module
 */
import * as C from '../commands/index.js';
import type { JobInfo, JobState } from '../job.js';
import type { NodeView } from '../nodes.js';
import type { Pool } from '../pool.js';
import { ArgumentError } from '../errors.js';
import { bodyPreview, showBody, type ShownBody } from './body.js';
import { onNode, reachableNodes } from '../each-node.js';

/**
 * One cursor per node, as one opaque string for the page: base64url JSON of `address → cursor`.
 * Nodes whose scan is complete are left out; `null` means every scan is complete.
 */
type Cursors = Record<string, string>;

function decodeCursor(text: string | undefined, nodes: readonly NodeView[]): Cursors {
  if (text === undefined || text === '' || text === '0')
    return Object.fromEntries(nodes.map((n) => [n.address, '0']));
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new ArgumentError('cursor', 'Expected `cursor` to be a cursor this dashboard returned');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ArgumentError('cursor', 'Expected `cursor` to be a cursor this dashboard returned');
  const out: Cursors = {};
  for (const [address, cursor] of Object.entries(parsed))
    if (typeof cursor === 'string' && /^\d{1,20}$/.test(cursor)) out[address] = cursor;
  return out;
}

const encodeCursor = (cursors: Cursors): string | null =>
  Object.keys(cursors).length === 0 ? null : Buffer.from(JSON.stringify(cursors)).toString('base64url');

/** One scan page on every node that still has one, merged. */
async function scanPage<T>(
  pool: Pool,
  cursorText: string | undefined,
  scan: (node: NodeView, cursor: string) => Promise<C.ScanPage<T>>,
): Promise<{ items: T[]; cursor: string | null }> {
  const nodes = await reachableNodes(pool);
  const cursors = decodeCursor(cursorText, nodes);
  const next: Cursors = {};
  const items: T[] = [];
  await Promise.all(
    nodes
      .filter((n) => cursors[n.address] !== undefined)
      .map(async (node) => {
        const page = await scan(node, cursors[node.address] as string).catch(() => ({
          cursor: '0',
          items: [],
        }));
        items.push(...page.items);
        if (page.cursor !== '0') next[node.address] = page.cursor;
      }),
  );
  return { items, cursor: encodeCursor(next) };
}

/** A page of queue names across the cluster (each name once). @internal */
export async function queueNames(
  pool: Pool,
  options: { cursor?: string | undefined; count: number; minLen?: number | undefined },
): Promise<{ names: string[]; cursor: string | null }> {
  const scan: C.QScanOptions = { count: options.count };
  if (options.minLen !== undefined) scan.minLen = options.minLen;
  // With a filter (MINLEN) most pages of a large keyspace can be empty: keep going a few pages
  // so the user does not page through blanks, but bounded, so one request stays cheap.
  let page = await scanPage(pool, options.cursor, (node, cursor) =>
    onNode(pool, node, C.QSCAN, [{ ...scan, cursor }]),
  );
  const names = new Set(page.items);
  for (let round = 1; names.size === 0 && page.cursor !== null && round < 20; round++) {
    page = await scanPage(pool, page.cursor, (node, cursor) =>
      onNode(pool, node, C.QSCAN, [{ ...scan, cursor }]),
    );
    for (const name of page.items) names.add(name);
  }
  return { names: [...names].sort(), cursor: page.cursor };
}

/** A job as a row of the queue page. @internal */
export interface JobRow {
  readonly id: string;
  readonly queue: string | null;
  readonly state: JobState;
  readonly createdAt: string;
  readonly nacks: number;
  readonly additionalDeliveries: number;
  readonly preview: string;
  /** Addresses of the nodes whose copy this page saw. */
  readonly seenOn: string[];
}

const STATE_RANK: Readonly<Record<JobState, number>> = { 'wait-repl': 0, active: 1, queued: 2, acked: 3 };

/** A page of a queue's jobs in some states (JSCAN on every node), one row per job. @internal */
export async function queueJobs(
  pool: Pool,
  options: { queue: string; states: readonly JobState[]; cursor?: string | undefined; count: number },
): Promise<{ jobs: JobRow[]; cursor: string | null }> {
  const scan: C.JScanOptions = { count: options.count, queue: options.queue };
  if (options.states.length) scan.states = options.states;
  C.JSCAN_ALL.args(scan); // validates before any node is asked
  const page = await scanPage<{ node: string; job: JobInfo }>(pool, options.cursor, async (node, cursor) => {
    const p = await onNode(pool, node, C.JSCAN_ALL, [{ ...scan, cursor }]);
    return { cursor: p.cursor, items: p.items.map((job) => ({ node: node.address, job })) };
  });
  const byId = new Map<string, { job: JobInfo; seenOn: string[] }>();
  for (const { node, job } of page.items) {
    const known = byId.get(job.id);
    if (!known) byId.set(job.id, { job, seenOn: [node] });
    else {
      known.seenOn.push(node);
      if (STATE_RANK[job.state] > STATE_RANK[known.job.state]) known.job = job;
    }
  }
  const jobs = [...byId.values()]
    .sort((a, b) => (a.job.ctime < b.job.ctime ? 1 : a.job.ctime > b.job.ctime ? -1 : 0))
    .map(({ job, seenOn }) => ({
      id: job.id,
      queue: job.queue,
      state: job.state,
      createdAt: job.createdAt.toISOString(),
      nacks: job.nacks,
      additionalDeliveries: job.additionalDeliveries,
      preview: bodyPreview(job.body),
      seenOn,
    }));
  return { jobs, cursor: page.cursor };
}

/** The first jobs of a queue on each node, without taking them (QPEEK). @internal */
export async function peek(
  pool: Pool,
  queue: string,
  count: number,
): Promise<{ node: string; address: string; oldest: PeekedJob[]; newest: PeekedJob[] }[]> {
  const nodes = await reachableNodes(pool);
  const entry = (j: { id: string; body: Buffer }): PeekedJob => ({ id: j.id, preview: bodyPreview(j.body) });
  return Promise.all(
    nodes.map(async (node) => {
      const [oldest, newest] = await Promise.all([
        onNode(pool, node, C.QPEEK_BUFFER, [queue, count]).catch(() => []),
        onNode(pool, node, C.QPEEK_BUFFER, [queue, -count]).catch(() => []),
      ]);
      return {
        node: node.id as string,
        address: node.address,
        oldest: oldest.map(entry),
        newest: newest.map(entry),
      };
    }),
  );
}

/** A job of a QPEEK. @internal */
export interface PeekedJob {
  readonly id: string;
  readonly preview: string;
}

/** One job as the job page shows it. @internal */
export interface JobDetail extends Omit<JobInfo<Buffer>, 'body' | 'ctime' | 'createdAt' | 'extra'> {
  readonly createdAt: string;
  readonly body: ShownBody;
  /** The node whose SHOW this is. */
  readonly shownBy: string;
}

/**
 * SHOW of a job: from the node that created it, else from any node holding a copy.
 * `null` when no reachable node knows it. @internal
 */
export async function showJob(pool: Pool, id: string): Promise<JobDetail | null> {
  C.SHOW_BUFFER.args(id);
  let info = await pool.runOnJob(C.SHOW_BUFFER, id).catch(() => null);
  let shownBy = 'creator';
  if (!info)
    for (const node of await reachableNodes(pool)) {
      info = await onNode(pool, node, C.SHOW_BUFFER, [id]).catch(() => null);
      if (info) {
        shownBy = node.address;
        break;
      }
    }
  if (!info) return null;
  const { body, ctime: _ctime, createdAt, extra: _extra, ...rest } = info;
  return { ...rest, createdAt: createdAt.toISOString(), body: showBody(body), shownBy };
}

/** The raw body of a job (for requeueing a dead letter), or `undefined` when no node knows it. @internal */
export async function jobBody(
  pool: Pool,
  id: string,
): Promise<{ body: Buffer; queue: string | null } | undefined> {
  const info = await pool.runOnJob(C.SHOW_BUFFER, id).catch(() => null);
  if (info?.body) return { body: info.body, queue: info.queue };
  for (const node of await reachableNodes(pool)) {
    const copy = await onNode(pool, node, C.SHOW_BUFFER, [id]).catch(() => null);
    if (copy?.body) return { body: copy.body, queue: copy.queue };
  }
  return undefined;
}
