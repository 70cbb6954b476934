/**
 * Replays a golden transcript's scenario against fresh embedded servers with the reference
 * recorder itself (`runScenario` of test/fixtures/disque-reference/record.mjs, the one that
 * recorded the golden transcripts against real Disque) and compares every step like
 * compare.mjs: the normalised command (`cmdn`), the normalised reply (`norm`) and whether a poll
 * was satisfied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VariableClock } from '../../src/server/clock.js';
import type { ServerHandle, ServerOptions } from '../../src/server/index.js';
import { startServerOnClock } from '../../src/server/start-server.js';
import {
  runScenario,
  type Scenario,
  type TranscriptStep,
  type TypedReply,
} from '../fixtures/disque-reference/record.mjs';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'disque-reference');

/**
 * Waits that may pass on a fast clock. The servers of a run share one {@link VariableClock}: it
 * runs in real time — every command, reply, poll and blocking wait of the scenario, so a slow or
 * busy machine adds only its real latency to the virtual timeline — except during these waits,
 * whose *virtual* length is fixed: they pass `rate` times faster, then the clock is back to real
 * time by itself, however late the harness notices.
 */
export interface FastForward {
  /** Clock speed while fast-forwarding. */
  readonly rate: number;
  /** Sleep steps: their recorded length passes at `rate`. */
  readonly sleeps?: boolean;
  /**
   * Step index → virtual ms that pass at `rate` when the step starts: the first part of a poll
   * that is known to wait for nothing (see 24-node-failure).
   */
  readonly atStep?: Readonly<Record<number, number>>;
  /**
   * Parts of sleeps that still pass in real time: `ms` ± `margin` after step `step` started (a race
   * between server timers, which a fast clock on a busy machine could reorder).
   */
  readonly realTimeAround?: readonly {
    readonly step: number;
    readonly ms: number;
    readonly margin: number;
  }[];
}

/** How a scenario is run. */
export interface ReplaySettings {
  /** Where the clock may run fast (by default everything runs in real time). */
  readonly fastForward?: FastForward;
  /** Extra server options for every node. */
  readonly options?: ServerOptions;
  /**
   * Step index → changes to a poll: `intervalMs` replaces its interval (not compared), and
   * `endWhen` ends it unsatisfied once a reply shows that what it waits for was skipped (a volatile
   * step whose state may be too short-lived to be seen), instead of waiting for its timeout.
   */
  readonly polls?: Readonly<
    Record<number, { readonly intervalMs?: number; readonly endWhen?: (reply: TypedReply) => boolean }>
  >;
  /** Called before the run, e.g. to align the clock (see 30-queue-eviction-slow). */
  readonly before?: (clock: VariableClock, signal: AbortSignal) => Promise<void>;
  /**
   * Checks that a run's timing is one for which the recorded outcome is certain (Disque itself
   * races there); returns why not, and the scenario is run again (up to `attempts` times).
   */
  readonly precondition?: (candidate: readonly TranscriptStep[]) => string | undefined;
  /** @defaultValue 3 when `precondition` is given */
  readonly attempts?: number;
}

export interface StepDiff {
  readonly i: number;
  readonly note: string | undefined;
  readonly volatile: string | undefined;
  readonly diffs: readonly string[];
}

export interface ReplayResult {
  readonly steps: number;
  /** Steps that differ (volatile ones included; the caller decides). */
  readonly diffs: readonly StepDiff[];
  /** Runs discarded because their timing did not meet the scenario's precondition. */
  readonly rerunReasons: readonly string[];
  /** The replayed steps (for diagnostics). */
  readonly candidate: readonly TranscriptStep[];
}

function loadLines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as unknown);
}

export function loadGolden(name: string): TranscriptStep[] {
  return loadLines(path.join(FIXTURES, 'transcripts', `${name}.jsonl`)).filter(
    (l): l is TranscriptStep => typeof l === 'object' && l !== null && 'i' in l,
  );
}

export function loadScenario(name: string): Scenario {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'scenarios', `${name}.json`), 'utf8')) as Scenario;
}

export function transcriptNames(): string[] {
  return fs
    .readdirSync(path.join(FIXTURES, 'transcripts'))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.replace(/\.jsonl$/, ''))
    .sort();
}

/** Maps disque-server command line arguments of a scenario to server options. */
function optionsFromArgs(args: readonly string[]): ServerOptions {
  const o: { password?: string; maxMemory?: number } = {};
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    const v = args[i + 1] ?? '';
    if (k === '--requirepass') o.password = v;
    else if (k === '--maxmemory') {
      const m = /^(\d+)(kb|mb|gb)?$/i.exec(v);
      if (m === null) throw new Error(`unsupported --maxmemory ${v}`);
      const unit = (m[2] ?? '').toLowerCase();
      const mult = unit === 'kb' ? 1024 : unit === 'mb' ? 1024 * 1024 : unit === 'gb' ? 1024 ** 3 : 1;
      o.maxMemory = Number(m[1]) * mult;
    } else throw new Error(`unsupported server argument ${String(k)}`);
  }
  return o;
}

const delay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const abort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal.addEventListener('abort', abort, { once: true });
  });

/**
 * Lets `ms` virtual milliseconds pass at `rate` (at 1x inside the `realTime` windows, given in
 * virtual time) and resolves once they have.
 */
async function passVirtual(
  clock: VariableClock,
  ms: number,
  rate: number,
  realTime: readonly { from: number; to: number }[],
  signal: AbortSignal,
): Promise<void> {
  const end = clock.now() + ms;
  for (;;) {
    const now = clock.now();
    if (now >= end) break;
    const inWindow = realTime.find((w) => w.from <= now && now < w.to);
    if (inWindow !== undefined) {
      clock.fastForward(0, 1);
      await delay(Math.max(1, Math.ceil(Math.min(inWindow.to, end) - now)), signal);
      continue;
    }
    const next = Math.min(end, ...realTime.filter((w) => w.from > now).map((w) => w.from));
    await delay(Math.max(1, Math.ceil(clock.fastForward(next - now, rate))), signal);
  }
}

/** The paths where two normalised replies differ, e.g. `v[9].v: "{ttl~86380}" vs "{ttl~86370}"`. */
function leafDiffs(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 5) return out;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const sub = Array.isArray(a) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
      leafDiffs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sub, out);
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${path || '(reply)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  return out;
}

/**
 * Replays the scenario of transcript `name` and compares it with the golden transcript. Aborting
 * `signal` (the test timed out) closes the servers at once and rejects.
 */
export async function replay(
  name: string,
  settings: ReplaySettings = {},
  signal: AbortSignal = new AbortController().signal,
): Promise<ReplayResult> {
  const golden = loadGolden(name);
  const attempts = settings.precondition === undefined ? 1 : (settings.attempts ?? 3);
  const rerunReasons: string[] = [];
  let candidate: Map<number, TranscriptStep> | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    candidate = await runOnce(name, settings, signal);
    const why = settings.precondition?.([...candidate.values()]);
    if (why === undefined) break;
    rerunReasons.push(why);
  }
  const diffs: StepDiff[] = [];
  for (const gs of golden) {
    const cs = candidate?.get(gs.i);
    const d: string[] = [];
    if (cs === undefined) d.push('missing in candidate');
    else {
      if (JSON.stringify(gs.cmdn) !== JSON.stringify(cs.cmdn)) {
        d.push(`command differs: ${JSON.stringify(gs.cmdn)} vs ${JSON.stringify(cs.cmdn)}`);
      }
      if (JSON.stringify(gs.norm) !== JSON.stringify(cs.norm)) {
        d.push(
          `reply differs at ${leafDiffs(gs.norm, cs.norm).join('; ')}\n` +
            `    golden:    ${JSON.stringify(gs.norm)}\n    candidate: ${JSON.stringify(cs.norm)}`,
        );
      }
      if (gs.poll !== undefined && cs.poll !== undefined && gs.poll.satisfied !== cs.poll.satisfied) {
        d.push(`poll satisfied ${String(gs.poll.satisfied)} vs ${String(cs.poll.satisfied)}`);
      }
    }
    if (d.length > 0) diffs.push({ i: gs.i, note: gs.note, volatile: gs.volatile, diffs: d });
  }
  return { steps: golden.length, diffs, rerunReasons, candidate: [...(candidate?.values() ?? [])] };
}

/** One run of a scenario against fresh servers; returns the candidate steps by index. */
async function runOnce(
  name: string,
  settings: ReplaySettings,
  signal: AbortSignal,
): Promise<Map<number, TranscriptStep>> {
  signal.throwIfAborted();
  const scenario = loadScenario(name);
  const clock = new VariableClock();
  const ff = settings.fastForward;
  const servers: Record<string, ServerHandle> = {};
  const nodes: Record<string, { host: string; port: number }> = {};
  const auth: Record<string, string> = {};
  // Closes every server now (idempotent): in `finally`, and at once when the test is aborted, so
  // that nothing of a failed or timed-out run keeps running.
  const closeAll = (): Promise<unknown> => Promise.all(Object.values(servers).map((s) => s.close()));
  const onAbort = (): void => void closeAll();
  signal.addEventListener('abort', onAbort, { once: true });
  // Virtual start time of each step, for the `realTimeAround` windows.
  const stepStart = new Map<number, number>();
  const realTime = (): { from: number; to: number }[] =>
    (ff?.realTimeAround ?? []).flatMap((w) => {
      const at = stepStart.get(w.step);
      return at === undefined ? [] : [{ from: at + w.ms - w.margin, to: at + w.ms + w.margin }];
    });
  try {
    for (const [label, def] of Object.entries(scenario.servers ?? { a: {} })) {
      const s = await startServerOnClock(clock, {
        port: 0,
        ...settings.options,
        ...optionsFromArgs(def.args ?? []),
      });
      servers[label] = s;
      nodes[label] = { host: '127.0.0.1', port: s.port };
      if (def.auth !== undefined) auth[label] = def.auth;
      signal.throwIfAborted();
    }
    await settings.before?.(clock, signal);
    const steps = scenario.steps.map((step, k) => {
      const interval = settings.polls?.[k + 1]?.intervalMs;
      const poll = step['poll'];
      if (interval === undefined || typeof poll !== 'object' || poll === null) return step;
      return { ...step, poll: { ...poll, interval_ms: interval } };
    });
    const lines = await runScenario({ ...scenario, steps }, nodes, {
      auth,
      maxBulk: 16384,
      signal,
      beforeStep: (i) => {
        stepStart.set(i, clock.now());
        const ms = ff?.atStep?.[i];
        if (ff !== undefined && ms !== undefined) clock.fastForward(ms, ff.rate);
      },
      endPoll: (i, reply) => settings.polls?.[i]?.endWhen?.(reply) === true,
      sleep: (ms) =>
        ff?.sleeps === true ? passVirtual(clock, ms, ff.rate, realTime(), signal) : delay(ms, signal),
      hooks: {
        // A killed node: its listener and connections go away, like a SIGKILLed process.
        kill: async (label: string) => {
          await servers[label]?.close();
          return { killed: label, signal: 'SIGKILL' };
        },
      },
    });
    const candidate = new Map<number, TranscriptStep>();
    for (const l of lines) if ('i' in l) candidate.set(l.i, l);
    return candidate;
  } finally {
    signal.removeEventListener('abort', onAbort);
    clock.fastForward(0, 1);
    await closeAll();
  }
}
