import * as C from './commands/index.js';
import type { Milliseconds } from './commands/types.js';
import type { Pool } from './pool.js';
import { TimeoutError } from './errors.js';
import { idOf, type JobRef } from './job-ref.js';
import * as v from './commands/validate.js';
import { sleep } from './sleep.js';

/**
 * Options of {@link Jobs.wait}.
 *
 * @example
 * ```ts
 * await jobs.wait(id, { timeout: 30_000, signal: AbortSignal.timeout(60_000) });
 * ```
 */
export interface WaitOptions {
  /** Give up after this long (TimeoutError), in ms; `0` waits forever. @defaultValue 0 */
  timeout?: Milliseconds | undefined;
  /** Abandons the wait. */
  signal?: AbortSignal | undefined;
}

/**
 * The polling under {@link Jobs.wait}: resolves once a copy of the job is `acked`, or once every
 * node that had a copy no longer knows it. SHOW first on the node that created the job (routed by
 * id), then on each node the job was delivered to, with back-off (10 ms doubling to 1 s). A node
 * that cannot be reached is asked again on the next round: it may still hold the job.
 * @param signal - the handle's signal, used when `options.signal` is not given
 */
export async function waitForAck(
  pool: Pool,
  job: JobRef,
  options: WaitOptions,
  signal: AbortSignal | undefined,
): Promise<void> {
  const id = idOf(job, 'job');
  const o = v.options<WaitOptions>('options', options, ['timeout', 'signal']);
  const timeout = o.timeout === undefined ? 0 : v.millis('options.timeout', o.timeout);
  const abort = o.signal ?? signal;
  const deadline = timeout > 0 ? Date.now() + timeout : Infinity;
  let holders: Set<string> | undefined;
  for (let delay = 10; ; delay = Math.min(delay * 2, 1000)) {
    abort?.throwIfAborted();
    if (holders === undefined) {
      const info = await pool.runOnJob(C.SHOW, id).catch(() => undefined);
      if (info === null || info?.state === 'acked') return;
      if (info) holders = new Set(info.nodesDelivered);
    } else {
      for (const node of [...holders]) {
        const info = await pool
          .run(C.SHOW, [id], { node, strict: true, retry: 'never' })
          .catch(() => undefined); // unreachable: cannot tell yet
        if (info?.state === 'acked') return;
        if (info === null) holders.delete(node);
      }
      if (holders.size === 0) return;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new TimeoutError(`Job ${id} was not acknowledged within ${timeout} ms`);
    await sleep(Math.min(delay, left), abort);
  }
}
