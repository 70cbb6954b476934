/**
 * Time source of the embedded server. Every time the server reasons about (job ctime, TTL, RETRY,
 * DELAY, GETJOB/ADDJOB timeouts, queue idle time, failure detection) is read from a {@link Clock},
 * so a test can run minutes of Disque time in seconds with `timeScale`.
 * @internal
 */
import { performance } from 'node:perf_hooks';

/** Opaque timer handle. @internal */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** @internal */
export interface Clock {
  /** Current time in (virtual) milliseconds since the Unix epoch; fractional. */
  now(): number;
  /** Runs `fn` after `ms` virtual milliseconds. The timer never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Virtual milliseconds per real millisecond (1 = real time). */
  readonly scale: number;
}

/**
 * A clock running `scale` times faster than real time. All clocks with the same scale agree with
 * each other (they share one origin), so separately started nodes of one test see the same time.
 * @internal
 */
export class ScaledClock implements Clock {
  static readonly #origins = new Map<number, { wall: number; perf: number }>();
  readonly #wall: number;
  readonly #perf: number;

  constructor(readonly scale = 1) {
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new TypeError(`Expected \`timeScale\` to be a positive number, got \`${scale}\``);
    }
    let origin = ScaledClock.#origins.get(scale);
    if (origin === undefined) {
      origin = { wall: Date.now(), perf: performance.now() };
      ScaledClock.#origins.set(scale, origin);
    }
    this.#wall = origin.wall;
    this.#perf = origin.perf;
  }

  now(): number {
    return this.#wall + (performance.now() - this.#perf) * this.scale;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms / this.scale));
    t.unref();
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle);
  }
}

/**
 * Timers owned by one component: `clear()` cancels all of them at once, so closing a node leaves
 * nothing scheduled (jest must be able to exit).
 * @internal
 */
export class TimerGroup {
  readonly #timers = new Set<TimerHandle>();
  #closed = false;

  constructor(readonly clock: Clock) {}

  /** Schedules `fn` once; returns a handle usable with `cancel`. */
  after(ms: number, fn: () => void): TimerHandle | undefined {
    if (this.#closed) return undefined;
    const h = this.clock.setTimeout(() => {
      this.#timers.delete(h);
      fn();
    }, ms);
    this.#timers.add(h);
    return h;
  }

  /** Runs `fn` every `ms` virtual milliseconds until `clear()`. */
  every(ms: number, fn: () => void): void {
    const tick = (): void => {
      fn();
      this.after(ms, tick);
    };
    this.after(ms, tick);
  }

  cancel(h: TimerHandle | undefined): void {
    if (h === undefined) return;
    this.clock.clearTimeout(h);
    this.#timers.delete(h);
  }

  clear(): void {
    this.#closed = true;
    for (const h of this.#timers) this.clock.clearTimeout(h);
    this.#timers.clear();
  }

  /** Re-arms a group after `clear()` (a restarted node). */
  reopen(): void {
    this.#closed = false;
  }
}
