/**
 * Replays a golden transcript's scenario against fresh embedded servers with the recorder
 * (`runScenario` of recorder.ts, the TypeScript port of record.mjs) and compares every step like
 * compare.mjs: the normalised command (`cmdn`), the normalised reply (`norm`) and whether a poll
 * was satisfied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type ServerHandle, type ServerOptions } from '../../src/server/index.js';
import { runScenario, type Scenario, type ScenarioStep, type TranscriptStep } from './recorder.js';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'disque-reference');

/** How a scenario is run. */
export interface ReplaySettings {
  /**
   * Server clock speed (see `timeScale`); the scenario's sleeps, poll timeouts/intervals and await
   * timeouts are divided by it, so the virtual timeline is the recorded one.
   */
  readonly timeScale?: number;
  /** Extra server options for every node. */
  readonly options?: ServerOptions;
  /** Called before the run, e.g. to align the virtual clock (see 30-queue-eviction-slow). */
  readonly before?: () => Promise<void>;
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

function scaleStep(step: ScenarioStep, scale: number): ScenarioStep {
  if (scale === 1) return step;
  const s: Record<string, unknown> = { ...step };
  const div = (v: unknown, d: number): number =>
    Math.max(1, Math.round((typeof v === 'number' ? v : d) / scale));
  if (typeof s['sleep_ms'] === 'number') s['sleep_ms'] = div(s['sleep_ms'], 0);
  if (typeof s['timeout_ms'] === 'number' && s['await'] !== undefined)
    s['timeout_ms'] = div(s['timeout_ms'], 0);
  const poll = s['poll'];
  if (typeof poll === 'object' && poll !== null) {
    const p = { ...(poll as Record<string, unknown>) };
    p['timeout_ms'] = div(p['timeout_ms'], 30000);
    p['interval_ms'] = div(p['interval_ms'], 100);
    s['poll'] = p;
  }
  return s;
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

/** Replays the scenario of transcript `name` and compares it with the golden transcript. */
export async function replay(name: string, settings: ReplaySettings = {}): Promise<ReplayResult> {
  const golden = loadGolden(name);
  const attempts = settings.precondition === undefined ? 1 : (settings.attempts ?? 3);
  const rerunReasons: string[] = [];
  let candidate: Map<number, TranscriptStep> | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    candidate = await runOnce(name, settings);
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
  return { steps: golden.length, diffs, rerunReasons };
}

/** One run of a scenario against fresh servers; returns the candidate steps by index. */
async function runOnce(name: string, settings: ReplaySettings): Promise<Map<number, TranscriptStep>> {
  const scenario = loadScenario(name);
  const scale = settings.timeScale ?? 1;
  const servers: Record<string, ServerHandle> = {};
  const nodes: Record<string, { host: string; port: number }> = {};
  const auth: Record<string, string> = {};
  try {
    for (const [label, def] of Object.entries(scenario.servers ?? { a: {} })) {
      const s = await startServer({
        port: 0,
        timeScale: scale,
        ...settings.options,
        ...optionsFromArgs(def.args ?? []),
      });
      servers[label] = s;
      nodes[label] = { host: '127.0.0.1', port: s.port };
      if (def.auth !== undefined) auth[label] = def.auth;
    }
    await settings.before?.();
    const scaled: Scenario = { ...scenario, steps: scenario.steps.map((st) => scaleStep(st, scale)) };
    const lines = await runScenario(scaled, nodes, {
      auth,
      maxBulk: 16384,
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
    await Promise.all(Object.values(servers).map((s) => s.close()));
  }
}
