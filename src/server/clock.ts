/**
 * Time source of the embedded server. Every time the server reasons about (job ctime, TTL, RETRY,
 * DELAY, GETJOB/ADDJOB timeouts, queue idle time, failure detection) is read from a {@link Clock},
 * so a test can run minutes of Disque time in seconds with `timeScale`.
 * @internal
 */
import { performance } from 'node:perf_hooks';

/** Opaque timer handle. @internal */
export type TimerHandle = object;

type NodeTimer = ReturnType<typeof setTimeout>;

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

/** Longest delay Node's setTimeout takes (about 24.8 days); longer ones fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface PendingTimer {
  /** Virtual due time. */
  readonly due: number;
  readonly fn: () => void;
  timer: NodeTimer | undefined;
}

/**
 * Timers on a virtual time line: each runs at its virtual due time, never before it (Node may
 * fire a timer a little early, and a delay beyond Node's 24.8-day limit would fire after 1 ms and
 * spin: such timers are re-armed for the rest). Every timer is unref'd.
 */
abstract class TimerClock implements Clock {
  readonly #pending = new Set<PendingTimer>();

  abstract now(): number;
  abstract readonly scale: number;
  /** Real (`performance.now()`) time at which the clock will show virtual time `v`. */
  protected abstract perfAt(v: number): number;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: PendingTimer = { due: this.now() + Math.max(0, ms), fn, timer: undefined };
    this.#pending.add(t);
    this.#arm(t);
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    const t = handle as PendingTimer;
    if (!this.#pending.delete(t)) return;
    if (t.timer !== undefined) clearTimeout(t.timer);
    t.timer = undefined;
  }

  /** Re-arms every pending timer (the speed of the clock changed). */
  protected rearmAll(): void {
    for (const t of this.#pending) this.#arm(t);
  }

  #arm(t: PendingTimer): void {
    if (t.timer !== undefined) clearTimeout(t.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, this.perfAt(t.due) - performance.now()));
    t.timer = setTimeout(() => {
      t.timer = undefined;
      if (!this.#pending.has(t)) return;
      // Early (or a capped delay): wait for the rest; Node waits at least 1 ms, so no spinning.
      if (this.now() < t.due) {
        this.#arm(t);
        return;
      }
      this.#pending.delete(t);
      t.fn();
    }, delay);
    t.timer.unref();
  }
}

/**
 * A clock running `scale` times faster than real time. All clocks with the same scale agree with
 * each other (they share one origin), so separately started nodes of one test see the same time.
 * @internal
 */
export class ScaledClock extends TimerClock {
  static readonly #origins = new Map<number, { wall: number; perf: number }>();
  readonly #wall: number;
  readonly #perf: number;

  constructor(readonly scale = 1) {
    super();
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

  protected perfAt(v: number): number {
    return this.#perf + (v - this.#wall) / this.scale;
  }
}

/**
 * A clock that runs in real time except while it is told to fast-forward: `fastForward(ms, rate)`
 * makes the next `ms` virtual milliseconds pass `rate` times faster, after which it is back to
 * real time by itself. Pending timers are re-armed when the speed changes, so they fire at their
 * virtual due time whatever the speed in between.
 *
 * For tests that wait a long time for nothing in particular (a queue's 5-minute idle eviction,
 * a 15-second failure detection) but must measure the rest in real time: the latency of a loaded
 * machine is then never multiplied into virtual time, only the idle waits are compressed. Share
 * one instance between the nodes of a test.
 * @internal
 */
export class VariableClock extends TimerClock {
  /** Anchor of the current segment: real (performance) and virtual time. */
  #perf: number;
  #virtual: number;
  #rate = 1;
  /** Virtual time at which a fast-forward ends (Infinity when running in real time). */
  #fastUntil = Infinity;

  constructor(startAt = Date.now()) {
    super();
    this.#perf = performance.now();
    this.#virtual = startAt;
  }

  /** The current speed (1 = real time). */
  get scale(): number {
    this.#settle(performance.now());
    return this.#rate;
  }

  /** Whether a fast-forward is still running. */
  get fastForwarding(): boolean {
    return this.scale !== 1;
  }

  now(): number {
    const p = performance.now();
    this.#settle(p);
    return this.#virtual + (p - this.#perf) * this.#rate;
  }

  /**
   * Lets the next `ms` virtual milliseconds pass `rate` times faster (`rate` 1 ends a running
   * fast-forward). Returns the real milliseconds that takes.
   */
  fastForward(ms: number, rate: number): number {
    if (!(rate >= 1) || !Number.isFinite(rate) || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`Expected a rate >= 1 and a finite duration, got ${rate} and ${ms}`);
    }
    const p = performance.now();
    const v = this.now();
    this.#perf = p;
    this.#virtual = v;
    this.#rate = rate === 1 || ms === 0 ? 1 : rate;
    this.#fastUntil = this.#rate === 1 ? Infinity : v + ms;
    this.rearmAll();
    return this.#rate === 1 ? 0 : ms / rate;
  }

  protected perfAt(v: number): number {
    if (v <= this.#fastUntil) return this.#perf + (v - this.#virtual) / this.#rate;
    return this.#perf + (this.#fastUntil - this.#virtual) / this.#rate + (v - this.#fastUntil);
  }

  /** Ends a finished fast-forward: the anchor moves to its end, at real-time speed. */
  #settle(p: number): void {
    if (this.#fastUntil === Infinity) return;
    const end = this.#perf + (this.#fastUntil - this.#virtual) / this.#rate;
    if (p < end) return;
    this.#perf = end;
    this.#virtual = this.#fastUntil;
    this.#rate = 1;
    this.#fastUntil = Infinity;
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
