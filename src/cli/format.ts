/**
 * Plain-text output of the CLI and the demo: aligned tables, sizes, rates.
 * @internal
 * @module
 */
import type { ClusterStatus, NodeStatus, QueueStatus } from '../status.js';

/** A column: its header, and whether values are right-aligned (numbers). @internal */
export interface Column {
  readonly header: string;
  readonly right?: boolean;
}

/** Control characters: C0, DEL and C1 (Unicode's Cc). */
const CONTROL = /\p{Cc}/gu;

/**
 * Control characters (ESC, CR, BEL, C1…) shown as `\xNN`: a job body or queue name in a table
 * must not drive the terminal (move the cursor, rewrite the screen, set the title). @internal
 */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Renders rows under headers, columns separated by two spaces, numbers right-aligned, no
 * trailing spaces (easy to read, to grep and to cut). Written here rather than taken from a
 * table library (cli-table3 and the like): those draw borders this layout would have to blank
 * out and pad the last column, would add several runtime packages to every install of the SDK,
 * and pass ANSI escapes through as styling, where this escapes them. @internal
 */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const safe = rows.map((r) => r.map(visible));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...safe.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i] ?? 0;
        return c.right ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...safe.map(line)];
}

/** Bytes as Disque prints them (`790.46K`, `1.20M`). @internal */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(2)}${units[unit]}`;
}

/** A count, or `-` when unknown. @internal */
export function count(n: number | undefined): string {
  return n === undefined ? '-' : String(n);
}

/** A rate per second: one decimal below 10, whole above. @internal */
export function rate(perSecond: number): string {
  return perSecond < 10 && perSecond !== 0 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

/** The first characters of a node id, as Disque's job ids carry them. @internal */
export function shortId(id: string | undefined): string {
  return id === undefined ? '?' : id.slice(0, 8);
}

/** The node table of a status. @internal */
export function nodeTable(nodes: readonly NodeStatus[]): string[] {
  return table(
    [
      { header: 'NODE' },
      { header: 'ADDRESS' },
      { header: 'PRIO', right: true },
      { header: 'REACHABLE' },
      { header: 'LEAVING' },
      { header: 'JOBS', right: true },
      { header: 'QUEUES', right: true },
      { header: 'MEMORY', right: true },
      { header: 'CLIENTS', right: true },
    ],
    nodes.map((n) => [
      shortId(n.id),
      n.address,
      String(n.priority),
      n.reachable ? 'yes' : `no (${n.error ?? 'unknown'})`.slice(0, 60),
      n.leaving ? 'yes' : 'no',
      count(n.jobs),
      count(n.queues),
      bytes(n.usedMemory),
      count(n.clients),
    ]),
  );
}

/**
 * The queue table of a status: the total, then the length on each reachable node (columns headed
 * by node id prefix), then the cluster-wide counters. @internal
 */
export function queueTable(status: ClusterStatus): string[] {
  const nodes = status.nodes.filter((n) => n.reachable && n.id !== undefined);
  const lenOn = (q: QueueStatus, id: string | undefined): string => {
    const entry = q.nodes.find((n) => n.node === id);
    return entry === undefined ? '-' : String(entry.len);
  };
  return table(
    [
      { header: 'QUEUE' },
      { header: 'LEN', right: true },
      ...nodes.map((n) => ({ header: shortId(n.id), right: true })),
      { header: 'BLOCKED', right: true },
      { header: 'IMPORT/S', right: true },
      { header: 'IN', right: true },
      { header: 'OUT', right: true },
      { header: 'PAUSE' },
    ],
    status.queues.map((q) => [
      q.name,
      String(q.len),
      ...nodes.map((n) => lenOn(q, n.id)),
      String(q.blocked),
      String(q.importRate),
      String(q.jobsIn),
      String(q.jobsOut),
      q.pause,
    ]),
  );
}

/** Both tables of a status, as printed by `disque-ts status` and the demo. @internal */
export function statusReport(status: ClusterStatus): string[] {
  const up = status.nodes.filter((n) => n.reachable).length;
  return [
    `${up}/${status.nodes.length} nodes reachable, ${status.queues.length} queue${status.queues.length === 1 ? '' : 's'}`,
    '',
    ...nodeTable(status.nodes),
    '',
    ...(status.queues.length === 0 ? ['(no queues)'] : [...queueTable(status), '', ...IN_OUT_NOTE]),
  ];
}

/** Under the queue table: why IN and OUT can exceed the jobs added. @internal */
export const IN_OUT_NOTE: readonly string[] = [
  'IN/OUT: jobs queued into and taken out of the queue on each node, summed over the nodes. A job',
  'that moved between nodes (federation) counts on every node it passed through, so IN and OUT',
  'can exceed the number of jobs added.',
];

/** JSON with bigints as strings (SHOW's ctime) and Dates as ISO strings. @internal */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
