/**
 * Shared pieces of the reliability suites: the short/soak scale, the figures printed at the end
 * of a run, bounded waits, and an unhandled-rejection collector.
 */

/** `SOAK=1` (npm run test:soak) scales every count up. */
export const SOAK = process.env['SOAK'] === '1';

/** `short` in `npm test`, `soak` in `npm run test:soak`. */
export function scale<T>(short: T, soak: T): T {
  return SOAK ? soak : short;
}

/** Prints one line of figures, outside jest's console decoration so that it is easy to grep. */
export function report(suite: string, figures: Record<string, string | number>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  process.stdout.write(`\n[reliability${SOAK ? ' soak' : ''}] ${suite} — ${text}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `every` ms until it is true; throws after `timeout` ms with `what`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeout: number,
  every = 50,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** Marker of a promise that did not settle within its bound. */
export const HUNG: unique symbol = Symbol('hung');

/** Settles with the promise's outcome, or `HUNG` after `ms`. Never rejects. */
export async function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<typeof HUNG>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      bound,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects unhandled rejections while installed. */
export class UnhandledCollector {
  readonly reasons: unknown[] = [];
  readonly #listener = (reason: unknown): void => {
    this.reasons.push(reason);
  };
  install(): void {
    process.on('unhandledRejection', this.#listener);
  }
  uninstall(): void {
    process.off('unhandledRejection', this.#listener);
  }
}

/** A seeded PRNG (mulberry32): the same seed gives the same faults. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: `RELIABILITY_SEED`, else one drawn now (printed with the figures). */
export function runSeed(): number {
  const env = process.env['RELIABILITY_SEED'];
  return env !== undefined && env !== '' ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}
