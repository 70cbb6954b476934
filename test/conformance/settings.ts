/**
 * How each transcript is replayed. The servers of a run share one clock that runs in real time —
 * commands, replies, polls and blocking waits all take their real time, so a slow or busy machine
 * only adds its real latency to the timeline, exactly as it would for Disque — and is
 * fast-forwarded only through waits whose virtual length is fixed: sleep steps, and the idle start
 * of one long poll (see `FastForward` in harness.ts).
 *
 * Why not a uniformly faster clock: every real millisecond of latency then costs `scale` virtual
 * ones, and some compared values depend on the elapsed time — SHOW's `ttl` (rounded to 10 s), jobs
 * whose TTL runs out (INFO `registered_jobs`), the order of two server timers. On a loaded 2-core
 * machine a few real seconds of extra latency are normal; at 5x they moved `24-node-failure` 40
 * virtual seconds past its recorded TTL. With real-time steps the margins below are real seconds.
 */
import type { VariableClock } from '../../src/server/clock.js';
import type { TranscriptStep } from '../fixtures/disque-reference/record.mjs';
import type { ReplaySettings } from './harness.js';

/** A HELLO entry with priority 100 (failed or leaving; ports are never "100"). */
const PRIORITY_100 = JSON.stringify({ t: 'bulk', v: '100' });

/** Rate for the short sleeps (a few seconds) of most scenarios. */
const SLEEPS = { rate: 4, sleeps: true } as const;

/**
 * Waits until `clock` (running in real time) is between `from` and `to` ms into a second. Disque
 * keeps expiry times and queue access times in whole seconds, so a few outcomes depend on where
 * in a second a step runs; aligning the start makes the recorded outcome the deterministic one.
 * Bounded: it sleeps until the window, re-checks, and gives up after a few tries (a run started
 * elsewhere in a second is caught by the scenario's precondition, if it matters).
 */
async function alignToSecond(
  clock: VariableClock,
  from: number,
  to: number,
  signal: AbortSignal,
): Promise<void> {
  const phase = (): number => Math.floor(clock.now()) % 1000;
  // The window may wrap around the second (e.g. 980..1030).
  const inside = (): boolean =>
    to <= 1000 ? phase() >= from && phase() < to : phase() >= from || phase() < to - 1000;
  for (let tries = 0; tries < 5 && !inside(); tries++) {
    signal.throwIfAborted();
    const wait = (from - phase() + 1000) % 1000;
    await new Promise((r) => setTimeout(r, Math.max(1, wait)));
  }
}

export const SETTINGS: Readonly<Record<string, ReplaySettings>> = {
  // Step 63 (3.55 s in) expects registered_jobs 33: the TTL 5 job of step 6 still counted. It is
  // expired from 5 s after its creation on, so 1.45 s of latency may add up over 60 steps.
  '03-addjob-options': { fastForward: SLEEPS },
  // Step 43 adds a job with TTL 2 and step 46 (1.3 s later) expects it to still exist (-TOOLATE).
  // Its expiry is the *second* creation+2, so it can be deleted as early as 1 s after creation
  // if the job was created late in a second — for real Disque as well. Start early in a second:
  // the job is then created ~10 ms into one and lives until 2 s, ~0.6 s of margin.
  '07-nack-working-enqueue': {
    fastForward: SLEEPS,
    before: (clock, signal) => alignToSecond(clock, 0, 80, signal),
  },
  // Step 48 (2 s after its ADDJOB) expects `ttl` ≈ 86400, i.e. at most 5 s elapsed: 3 s of margin.
  '09-pause': { fastForward: SLEEPS },
  // Only gossip and replication, nothing compared depends on elapsed time.
  '23-leaving-cluster': { fastForward: SLEEPS },
  // Replica c is killed (step 9): PFAIL after cluster-node-timeout, then FAIL (a and b agree), then
  // a 1.5 s sleep and SHOWs of the job added at step 7 that expect `ttl` ≈ 86380. On the node that
  // created it the TTL is 86400 - elapsed whole seconds, on b (a replica) one more, so the elapsed
  // seconds must be 17..25. Disque's default 15 s timeout gives ~17.3 s, so its own golden b value
  // is 86384, at the rounding edge (a FAIL gossiped sooner after PFAIL would give 86385 → 86390).
  // A 16 s timeout gives 17.5..18.8 s plus real latency: 6 s of margin for latency, none needed
  // below. The poll for PFAIL (step 20) starts ~2.4 s after the kill; its first 10 s pass at 10x
  // (PFAIL comes 3.6 s later, in real time), so the run takes ~7.5 s instead of ~19.
  //
  // Step 20 polls a's HELLO for c at priority 10 (PFAIL). FAIL (100) often follows within 100 ms
  // — when the other node's gossip or its FAIL broadcast comes right after — and a poll that
  // missed the short PFAIL state would wait its full 60 s for a 10 that never comes (the step is
  // volatile: "may jump directly to 100"), putting the later TTLs a minute off. So it polls every
  // 10 ms instead of 100, and ends (unsatisfied, reported as volatile) once it sees 100.
  '24-node-failure': {
    options: { nodeTimeout: 16000 },
    fastForward: { rate: 10, sleeps: true, atStep: { 20: 10000 } },
    polls: { 20: { intervalMs: 10, endWhen: (reply) => JSON.stringify(reply).includes(PRIORITY_100) } },
  },
  // 310 s of Disque time: queue eviction after 300 s idle, a RETRY 300 re-queue.
  '30-queue-eviction-slow': evictionSettings(),
};

/**
 * Everything else runs in real time — in particular 05-getjob (RETRY re-queue and the visibility
 * window, blocking timeouts) and 21-federation (NEEDJOBS back-off: the 4 s second broadcast), which
 * check the real timers.
 */

/**
 * Queue e1 was evicted (idle >= 300 *whole* seconds since its GETJOB, checked every 100 ms) just
 * before its unacked job's RETRY timer (300 s ± 250 ms after ADDJOB) re-created it with fresh
 * counters (jobs-in 1, jobs-out 0). Which comes first depends on where in a second the ADDJOB and
 * GETJOB ran — for real Disque too. The run is started so that they fall in the middle of a
 * second; a run whose timing still makes the order uncertain is repeated, with the start shifted by
 * what that run measured.
 *
 * The two sleeps (240 s and 70 s) pass at 50x, except ±1.5 s around 300 s after the ADDJOB of e1:
 * the evictions (e0, e2, e6 and e1, whose last access was within 0.1 s of it) and the RETRY re-queue
 * happen there, in real time, so their order is the one the timers say even on a busy machine (a
 * late timer at 50x could be 100 ms of virtual time late, and the order hinges on ~200 ms). Step 23
 * expects `ttl` ≈ 86090, i.e. 306..315 s elapsed since the ADDJOB; the sleeps make 310.1 s, so
 * 4.9 s of real latency are allowed. A run takes ~10 s.
 */
function evictionSettings(): ReplaySettings {
  const target = 650; // ms into a second for the ADDJOB of e1
  let start = 600; // start phase that lands the ADDJOB near `target`, corrected after a bad run
  const phaseOf = (steps: readonly TranscriptStep[]): { phase: number; gap: number } | undefined => {
    const show = steps.find((st) => st.i === 23)?.reply;
    const add = steps.find((st) => st.i === 4);
    const get = steps.find((st) => st.i === 5);
    const kv = Array.isArray(show?.v) ? (show.v as { v?: unknown }[]) : [];
    const at = kv.findIndex((x) => x.v === 'ctime');
    if (at < 0 || add === undefined || get === undefined) return undefined;
    return {
      phase: Number(BigInt(String(kv[at + 1]?.v)) / 1000000n) % 1000,
      gap: Number(get['t_ms']) - Number(add['t_ms']) + 1,
    };
  };
  return {
    fastForward: { rate: 50, sleeps: true, realTimeAround: [{ step: 4, ms: 300000, margin: 1500 }] },
    before: (clock, signal) => alignToSecond(clock, start, start + 100, signal),
    precondition: (steps) => {
      const m = phaseOf(steps);
      if (m === undefined) return undefined; // let the comparison report what is missing
      // Eviction-first is certain when the ADDJOB ran >= 450 ms into a second (RETRY jitter 250 ms
      // + cron 100 ms + margin) and the GETJOB in the same second.
      if (m.phase >= 450 && m.phase + m.gap < 950) return undefined;
      start = (((start + target - m.phase) % 1000) + 1000) % 1000;
      return `ADDJOB e1 ran ${m.phase} ms into a second (GETJOB up to ${m.gap} ms later): order uncertain`;
    },
  };
}
