/**
 * The one hook the SDK offers its instruments (metrics, tracing): observers registered per
 * {@link Pool}, told of adds, fetches, settlements, lease renewals and new funnels. Jobs calls
 * them only when some are registered, so an uninstrumented process pays one WeakMap lookup.
 * @internal
 * @module
 */
import type { Pool } from '../pool.js';
import type { Job } from '../job.js';
import type { Funnel } from '../funnel.js';

/** A funnel as the observers see it (any body type). @internal */
export type ObservedFunnel = Funnel<unknown>;

/** A job handed to a handler, as the observers see it. @internal */
export interface ObservedJob {
  readonly id: string;
  readonly queue: string;
  readonly attempts?: number;
}

/** What an instrument may watch or wrap. Every member is optional. @internal */
export interface SdkObserver {
  /**
   * Wraps one ADDJOB: calls `send` (possibly with another body, e.g. carrying trace context)
   * and resolves to the job id.
   */
  add?(
    queue: string,
    body: string | Buffer,
    send: (body: string | Buffer) => Promise<string>,
  ): Promise<string>;
  /** Jobs fetched by GETJOB, bodies not yet decoded (an observer may unwrap them in place). */
  fetched?(jobs: Job<string | Buffer>[]): void;
  /** ACKJOB / FASTACK / NACK / WORKING sent for `count` jobs. */
  settled?(kind: 'ack' | 'fastack' | 'nack' | 'working', count: number): void;
  /** A funnel was opened on a handle of this pool. */
  funnel?(funnel: ObservedFunnel, queues: readonly string[]): void;
  /** Runs one handler call (`run`) for `job`: a span around it, for instance. */
  handle?(job: ObservedJob, run: () => unknown): unknown;
}

const registry = new WeakMap<Pool, SdkObserver[]>();

/**
 * Registers an observer of everything done through `pool`; returns what removes it.
 * @internal
 */
export function observe(pool: Pool, observer: SdkObserver): () => void {
  const list = registry.get(pool) ?? [];
  list.push(observer);
  registry.set(pool, list);
  return () => {
    const at = list.indexOf(observer);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) registry.delete(pool);
  };
}

/** The observers of `pool`, or `undefined` when none: the fast path tests just that. @internal */
export function observersOf(pool: Pool): readonly SdkObserver[] | undefined {
  return registry.get(pool);
}

/** ADDJOB through every observer's `add` wrapper, outermost first. @internal */
export function observedAdd(
  observers: readonly SdkObserver[],
  queue: string,
  body: string | Buffer,
  send: (body: string | Buffer) => Promise<string>,
): Promise<string> {
  let next = send;
  for (const o of [...observers].reverse()) {
    const inner = next;
    if (o.add) next = (b) => (o.add as NonNullable<SdkObserver['add']>)(queue, b, inner);
  }
  return next(body);
}

/** Tells every observer (an observer's failure never fails the SDK call). @internal */
export function notify(observers: readonly SdkObserver[] | undefined, tell: (o: SdkObserver) => void): void {
  if (!observers) return;
  for (const o of observers)
    try {
      tell(o);
    } catch {
      // An instrument is never allowed to break the work it watches.
    }
}

/**
 * A handler wrapped by every observer's `handle` (the funnel calls this once per `process`).
 * Returns `handler` itself when nobody wraps, so an uninstrumented funnel runs exactly as before.
 * @internal
 */
export function observedHandler<J extends ObservedJob>(
  pool: Pool,
  handler: (job: J) => unknown,
): (job: J) => unknown {
  const observers = observersOf(pool)?.filter((o) => o.handle);
  if (!observers || observers.length === 0) return handler;
  return (job: J) => {
    let run = (): unknown => handler(job);
    for (const o of [...observers].reverse()) {
      const inner = run;
      run = () => (o.handle as NonNullable<SdkObserver['handle']>)(job, inner);
    }
    return run();
  };
}
