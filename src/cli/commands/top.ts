import { status, type ClusterStatus, type QueueStatus } from '../../status.js';
import { parseDuration } from '../args.js';
import { bytes, count, rate, shortId, table, toJson } from '../format.js';
import type { CliCommand, Context, KeyInput } from '../command.js';

/** A queue with its rates between two samples. @internal */
export interface QueueRates {
  readonly name: string;
  readonly len: number;
  /** Jobs queued per second (all nodes; federation moves count on arrival too). */
  readonly inRate: number;
  /** Jobs taken out per second. */
  readonly outRate: number;
  readonly blocked: number;
  readonly importRate: number;
  readonly pause: QueueStatus['pause'];
}

/**
 * Per-queue rates from two statuses `seconds` apart. Counters that went down (a queue evicted
 * and created again) count from zero. Busiest queues first. @internal
 */
export function queueRates(before: ClusterStatus, after: ClusterStatus, seconds: number): QueueRates[] {
  const previous = new Map(before.queues.map((q) => [q.name, q]));
  const per = (now: number, then: number | undefined): number =>
    Math.max(0, now - (then !== undefined && then <= now ? then : 0)) / seconds;
  return after.queues
    .map((q) => {
      const p = previous.get(q.name);
      return {
        name: q.name,
        len: q.len,
        inRate: per(q.jobsIn, p?.jobsIn),
        outRate: per(q.jobsOut, p?.jobsOut),
        blocked: q.blocked,
        importRate: q.importRate,
        pause: q.pause,
      };
    })
    .sort(
      (a, b) =>
        b.inRate + b.outRate - (a.inRate + a.outRate) || b.len - a.len || a.name.localeCompare(b.name),
    );
}

/** The lines of one `top` screen. @internal */
export function topFrame(after: ClusterStatus, rates: readonly QueueRates[], maxRows = Infinity): string[] {
  const up = after.nodes.filter((n) => n.reachable).length;
  const total = (key: 'inRate' | 'outRate'): number => rates.reduce((sum, q) => sum + q[key], 0);
  const queued = rates.reduce((sum, q) => sum + q.len, 0);
  const head = [
    `disque-ts top  ${after.at.toISOString().slice(11, 19)}  nodes ${up}/${after.nodes.length}  queued ${queued}  in ${rate(total('inRate'))}/s  out ${rate(total('outRate'))}/s`,
    '',
    ...table(
      [
        { header: 'NODE' },
        { header: 'ADDRESS' },
        { header: 'PRIO', right: true },
        { header: 'REACHABLE' },
        { header: 'JOBS', right: true },
        { header: 'MEMORY', right: true },
        { header: 'CLIENTS', right: true },
      ],
      after.nodes.map((n) => [
        shortId(n.id),
        n.address,
        String(n.priority),
        n.reachable ? (n.leaving ? 'leaving' : 'yes') : 'no',
        count(n.jobs),
        bytes(n.usedMemory),
        count(n.clients),
      ]),
    ),
    '',
  ];
  const room = Math.max(1, maxRows - head.length - 2);
  const shown = rates.slice(0, room);
  const lines = table(
    [
      { header: 'QUEUE' },
      { header: 'LEN', right: true },
      { header: 'IN/S', right: true },
      { header: 'OUT/S', right: true },
      { header: 'BLOCKED', right: true },
      { header: 'IMPORT/S', right: true },
      { header: 'PAUSE' },
    ],
    shown.map((q) => [
      q.name,
      String(q.len),
      rate(q.inRate),
      rate(q.outRate),
      String(q.blocked),
      String(q.importRate),
      q.pause,
    ]),
  );
  if (rates.length === 0) lines.push('(no queues)');
  if (rates.length > shown.length) lines.push(`… ${rates.length - shown.length} more queues`);
  return [...head, ...lines];
}

const CLEAR = '\x1b[H\x1b[2J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/** Quits on q, Q or Ctrl-C (raw mode: Ctrl-C arrives as a key). Returns the cleanup. */
function listenForQuit(input: KeyInput, quit: () => void): () => void {
  const onData = (chunk: Buffer | string): void => {
    const text = chunk.toString();
    if (text.includes('q') || text.includes('Q') || text.includes('\u0003')) quit();
  };
  input.setRawMode?.(true);
  input.on('data', onData);
  input.resume();
  return () => {
    input.off('data', onData);
    input.setRawMode?.(false);
    input.pause();
  };
}

async function loop(ctx: Context, interval: number, once: boolean): Promise<number> {
  const jobs = await ctx.jobs();
  const { io } = ctx;
  const stop = new AbortController();
  const quit = (): void => stop.abort();
  io.signal?.addEventListener('abort', quit, { once: true });
  const live = !once && !ctx.json && io.isTTY === true;
  const release = !once && io.stdin?.isTTY ? listenForQuit(io.stdin, quit) : undefined;
  if (live) io.stdout(HIDE_CURSOR);
  try {
    let before = await status(jobs);
    let frames = 0;
    while (!stop.signal.aborted) {
      await pause(interval, stop.signal);
      if (stop.signal.aborted) break;
      let after: ClusterStatus;
      try {
        after = await status(jobs);
      } catch (err) {
        if (once) throw err;
        // A live view outlasts a cluster hiccup: say so, and try again next time.
        const message = `disque-ts top: ${err instanceof Error ? err.message : String(err)}`;
        io.stdout(live ? `${CLEAR}${message}\n` : `${message}\n`);
        continue;
      }
      const rates = queueRates(before, after, (after.at.getTime() - before.at.getTime()) / 1000);
      if (ctx.json) ctx.out(toJson({ at: after.at, nodes: after.nodes, queues: rates }));
      else {
        const lines = topFrame(after, rates, live ? (io.rows ?? Infinity) - 1 : Infinity);
        if (live) io.stdout(`${CLEAR}${lines.join('\n')}\n(q to quit)`);
        else ctx.out(...(frames > 0 ? ['', ...lines] : lines));
      }
      frames++;
      before = after;
      if (once) break;
    }
  } finally {
    io.signal?.removeEventListener('abort', quit);
    release?.();
    if (live) io.stdout(`${SHOW_CURSOR}\n`);
  }
  return 0;
}

/** `disque-ts top [--interval ms] [--once]`. @internal */
export const topCommand: CliCommand = {
  name: 'top',
  summary: 'live per-queue rates (jobs in/out per second), refreshing in place',
  usage: '[options]',
  description: `Shows the nodes and, per queue, its length, jobs queued and taken per second, blocked
consumers, import rate and pause state, busiest first, refreshed every --interval. On a terminal
the screen is redrawn in place; q or Ctrl-C quits. With --once it samples twice, --interval
apart, prints one screen and exits; with --json it prints one JSON line per sample.`,
  options: {
    interval: { type: 'string', short: 'i', value: 'ms', description: 'time between samples (default 1s)' },
    once: { type: 'boolean', description: 'print one screen (two samples) and exit' },
  },
  arity: [0, 0],
  run(ctx) {
    const o = ctx.options;
    const interval = typeof o['interval'] === 'string' ? parseDuration('--interval', o['interval']) : 1000;
    return loop(ctx, Math.max(50, interval), o['once'] === true);
  },
};
