/**
 * How each transcript is replayed. Most run in real time; the ones that wait on long Disque
 * timers run on a faster server clock (`timeScale`), with the scenario's sleeps and poll timeouts
 * scaled by the harness, so the *virtual* timeline — and therefore TTLs, re-queue times, idle
 * times and failure detection — is the recorded one.
 */
import { ScaledClock } from '../../src/server/clock.js';
import type { ReplaySettings } from './harness.js';

const EVICTION_SCALE = 50;

/**
 * Waits until the server clock (at `scale`) is between `from` and `to` ms into a second. Disque
 * keeps expiry times and queue access times in whole seconds, so a few outcomes depend on where
 * in a second a step runs; aligning the start makes the recorded outcome the deterministic one.
 */
async function alignToSecond(scale: number, from: number, to: number): Promise<void> {
  const clock = new ScaledClock(scale);
  const phase = (): number => Math.floor(clock.now()) % 1000;
  while (phase() < from || phase() >= to) await new Promise((r) => setTimeout(r, 1));
}

export const SETTINGS: Readonly<Record<string, ReplaySettings>> = {
  // Step 43 adds a job with TTL 2 and step 46 (1.3 s later) expects it to still exist (-TOOLATE).
  // Its expiry is the *second* creation+2, so it can be deleted as early as 1 s after creation
  // if the job was created late in a second — for real Disque as well. Start early in a second.
  '07-nack-working-enqueue': { before: () => alignToSecond(1, 0, 80) },
  // ~18 s of Disque time: a killed replica becomes PFAIL after cluster-node-timeout (15 s), then
  // FAIL; later SHOWs expect `ttl` ≈ 86380, i.e. that this much time really elapsed for the server.
  '24-node-failure': { timeScale: 10 },
  // 310 s of Disque time (queue eviction after 300 s idle, a RETRY 300 re-queue) in ~6 s.
  '30-queue-eviction-slow': {
    timeScale: EVICTION_SCALE,
    // Queue e1 is evicted (idle ≥ 300 whole seconds since its GETJOB) just before its job's RETRY
    // timer (300 s ± 250 ms after ADDJOB) re-creates it with fresh counters (jobs-in 1, jobs-out 0).
    // Which of the two comes first depends on where in a second the GETJOB happened — for real
    // Disque too. Start the run early in a (virtual) second, so the recorded order is the
    // deterministic outcome instead of a coin flip.
    before: () => alignToSecond(EVICTION_SCALE, 200, 300),
  },
};

/** Transcripts replayed at real speed on purpose, as timing checks of the real timers. */
export const REAL_TIME = ['05-getjob', '21-federation'];
