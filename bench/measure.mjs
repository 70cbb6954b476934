// Measuring helpers shared by the benchmark scripts: rates, quantiles, in-flight loops, RSS.
import { performance } from 'node:perf_hooks';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const quantile = (xs, q) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Runs `fn` `n` times with `concurrency` calls in flight. */
export async function inFlight(n, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
}

/** Jobs per second of `fn`, which handles `n` jobs. */
export async function rate(n, fn) {
  const t0 = performance.now();
  await fn();
  return n / ((performance.now() - t0) / 1000);
}

/** RSS in bytes after a full GC when node runs with --expose-gc (less noise between samples). */
export function settledRss() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().rss;
}

export const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

let queueCounter = 0;
/** A queue name nobody else uses. */
export const freshQueue = (label) => `bench-${label}-${process.pid}-${queueCounter++}`;

/**
 * Runs every variant of a scenario `rounds` times, interleaved (a, b, c, a, b, c…) so that a
 * slow spell of the machine hits all of them alike, and returns the median of each. A first,
 * uncounted round warms up every variant (JIT, connections opened on first use).
 */
export async function interleaved(rounds, variants) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = -1; r < rounds; r++)
    for (const [name, run] of Object.entries(variants)) {
      const value = await run();
      if (r >= 0) samples[name].push(value);
    }
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
}
