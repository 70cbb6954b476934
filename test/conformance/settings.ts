/**
 * How each transcript is replayed. Most run in real time; the ones that wait on long Disque
 * timers run on a faster server clock (`timeScale`), with the scenario's sleeps and poll timeouts
 * scaled by the harness, so the *virtual* timeline — and therefore TTLs, re-queue times, idle
 * times and failure detection — is the recorded one.
 */
import { ScaledClock } from '../../src/server/clock.js';
import type { TranscriptStep } from './recorder.js';
import type { ReplaySettings } from './harness.js';

/**
 * 310 s in ~12 s. Not faster: step 23 expects `ttl` ≈ 86090, i.e. 306-315 s elapsed since the
 * ADDJOB, and every real millisecond of step latency costs EVICTION_SCALE virtual ones.
 */
const EVICTION_SCALE = 25;
/** Clock speed for scenarios that merely wait a few seconds. */
const FAST = 4;

/**
 * Waits until the server clock (at `scale`) is between `from` and `to` ms into a second. Disque
 * keeps expiry times and queue access times in whole seconds, so a few outcomes depend on where
 * in a second a step runs; aligning the start makes the recorded outcome the deterministic one.
 */
async function alignToSecond(scale: number, from: number, to: number): Promise<void> {
  const clock = new ScaledClock(scale);
  const phase = (): number => Math.floor(clock.now()) % 1000;
  // The window may wrap around the second (e.g. 980..1030).
  const inside = (): boolean =>
    to <= 1000 ? phase() >= from && phase() < to : phase() >= from || phase() < to - 1000;
  while (!inside()) await new Promise((r) => setTimeout(r, 1));
}

export const SETTINGS: Readonly<Record<string, ReplaySettings>> = {
  // Step 43 adds a job with TTL 2 and step 46 (1.3 s later) expects it to still exist (-TOOLATE).
  // Its expiry is the *second* creation+2, so it can be deleted as early as 1 s after creation
  // if the job was created late in a second — for real Disque as well. Start early in a second.
  '07-nack-working-enqueue': { timeScale: FAST, before: () => alignToSecond(FAST, 0, 80) },
  // Sleeps and DELAY/RETRY waits of a few seconds: a 4x clock keeps the suite fast.
  '03-addjob-options': { timeScale: FAST },
  '09-pause': { timeScale: FAST },
  '23-leaving-cluster': { timeScale: FAST },
  // ~18 s of Disque time: a killed replica becomes PFAIL after cluster-node-timeout (15 s), then
  // FAIL; later SHOWs expect `ttl` ≈ 86380, i.e. 16-25 s really elapsed for the server. At 5x the
  // real latency of the ~40 steps adds little virtual time even on a busy machine.
  '24-node-failure': { timeScale: 5 },
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
 * (virtual) second; a run whose timing still makes the order uncertain is repeated, with the start
 * shifted by what that run measured.
 */
function evictionSettings(): ReplaySettings {
  const target = 650; // ms into a second for the ADDJOB of e1
  let start = 550; // start phase that lands the ADDJOB near `target`, corrected after a bad run
  const phaseOf = (steps: readonly TranscriptStep[]): { phase: number; gap: number } | undefined => {
    const show = steps.find((st) => st.i === 23)?.reply;
    const add = steps.find((st) => st.i === 4);
    const get = steps.find((st) => st.i === 5);
    const kv = Array.isArray(show?.v) ? (show.v as { v?: unknown }[]) : [];
    const at = kv.findIndex((x) => x.v === 'ctime');
    if (at < 0 || add === undefined || get === undefined) return undefined;
    return {
      phase: Number(BigInt(String(kv[at + 1]?.v)) / 1000000n) % 1000,
      gap: (Number(get['t_ms']) - Number(add['t_ms']) + 1) * EVICTION_SCALE,
    };
  };
  return {
    timeScale: EVICTION_SCALE,
    before: () => alignToSecond(EVICTION_SCALE, start, start + 50),
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
