import type { FunnelJob } from '../funnel-job.js';
import type { FunnelEngine } from './engine.js';
import type { FailurePolicy } from './options.js';

/**
 * The three ways of consuming a funnel, each a thin loop over the one {@link FunnelEngine}:
 * take a job, run the user's code, tell the settle rule what happened.
 * @internal
 * @module
 */

/**
 * The `for await` driver: the job yielded last is done when the loop asks for the next one;
 * on `return()` (break, throw, early exit, close) the current job is abandoned.
 */
export async function* iterate<T>(engine: FunnelEngine<T>): AsyncGenerator<FunnelJob<T>, void, undefined> {
  engine.enter();
  let current: FunnelJob<T> | undefined;
  try {
    for (;;) {
      if (current) {
        // The loop asked for the next job: the body finished with this one.
        engine.rule.done(current);
        current = undefined;
      }
      const job = await engine.next();
      if (!job) return;
      current = job;
      yield job;
    }
  } finally {
    engine.exit();
    if (current) engine.rule.abandoned(current);
  }
}

/** The `process()` driver: `concurrency` loops; resolve → done, throw → failed. */
export async function processJobs<T>(
  engine: FunnelEngine<T>,
  handler: (job: FunnelJob<T>) => unknown,
  concurrency: number,
  policy: FailurePolicy,
): Promise<void> {
  const worker = async (): Promise<void> => {
    engine.enter();
    try {
      for (;;) {
        // Buffered jobs are taken without a promise; only an empty buffer waits.
        const job = engine.closed ? undefined : (engine.take() ?? (await engine.next()));
        if (!job) return;
        try {
          const done = handler(job);
          // A synchronous handler costs no extra turn of the microtask queue.
          if (isThenable(done)) await done;
        } catch (error) {
          await engine.rule.failed(job, error, policy);
        }
        engine.rule.done(job);
      }
    } finally {
      engine.exit();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await engine.closing;
}

/** The `processBatch()` driver: up to `size` jobs per call; resolve → all done, throw → all failed. */
export async function processBatches<T>(
  engine: FunnelEngine<T>,
  handler: (jobs: FunnelJob<T>[]) => unknown,
  size: number,
  concurrency: number,
): Promise<void> {
  const worker = async (): Promise<void> => {
    engine.enter();
    try {
      for (;;) {
        const first = await engine.next();
        if (!first) return;
        const batch = [first, ...engine.takeMany(size - 1)];
        try {
          await handler(batch);
          await engine.rule.batchDone(batch);
        } catch (error) {
          await engine.rule.batchFailed(batch, error);
        }
      }
    } finally {
      engine.exit();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await engine.closing;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
