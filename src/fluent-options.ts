import type { Milliseconds } from './commands/types.js';
import type { JobsConfig } from './options.js';

/**
 * The fluent options of a {@link Jobs} handle. Each returns a new handle with one option set over
 * this one's, sharing its pool; this handle is unchanged. Durations are milliseconds.
 *
 * @typeParam Self - the handle each option returns
 * @example
 * ```ts
 * const id = await jobs.timeout(1000).replicate(2).retry(60_000).add('hello', 'greetings');
 * ```
 */
export abstract class FluentOptions<Self> {
  /** The handle with `config` merged over this one's. @internal */
  protected abstract fluent(config: JobsConfig): Self;

  /**
   * A handle whose calls wait at most `ms` on the server (add: replication; get: blocking).
   *
   * @example
   * ```ts
   * const job = await jobs.timeout(5000).get('emails'); // TimeoutError after 5 s without a job
   * ```
   */
  timeout(ms: Milliseconds): Self {
    return this.fluent({ timeout: ms });
  }
  /**
   * A handle adding jobs with `n` copies.
   *
   * @example
   * ```ts
   * await jobs.replicate(2).add('hi', 'emails'); // resolves once 2 nodes hold it
   * ```
   */
  replicate(n: number): Self {
    return this.fluent({ replicate: n });
  }
  /**
   * A handle adding jobs queued only after `ms` (whole seconds).
   *
   * @example
   * ```ts
   * await jobs.delay(60_000).add('send reminder', 'emails'); // delivered in a minute
   * ```
   */
  delay(ms: Milliseconds): Self {
    return this.fluent({ delay: ms });
  }
  /**
   * A handle adding jobs delivered again if not acked `ms` after queueing; 0 = at-most-once.
   *
   * @example
   * ```ts
   * await jobs.retry(30_000).add('resize 42.png', 'images');
   * await jobs.retry(0).replicate(1).add('ping', 'metrics'); // at most once
   * ```
   */
  retry(ms: Milliseconds): Self {
    return this.fluent({ retry: ms });
  }
  /**
   * A handle adding jobs that live at most `ms` (whole seconds).
   *
   * @example
   * ```ts
   * await jobs.ttl(3_600_000).add('flash sale', 'notifications'); // gone after an hour, delivered or not
   * ```
   */
  ttl(ms: Milliseconds): Self {
    return this.fluent({ ttl: ms });
  }
  /**
   * A handle refusing to add to a queue already holding `n` jobs.
   *
   * @example
   * ```ts
   * await jobs.maxLen(10_000).add('hi', 'emails'); // MaxLenError once 10 000 are queued
   * ```
   */
  maxLen(n: number): Self {
    return this.fluent({ maxLen: n });
  }
  /**
   * A handle adding jobs asynchronously (reply before replication).
   *
   * @example
   * ```ts
   * await jobs.async().add('page view', 'analytics'); // fast; replicated in the background
   * ```
   */
  async(enabled = true): Self {
    return this.fluent({ async: enabled });
  }
  /**
   * A handle whose `getMany` takes up to `n` jobs by default.
   *
   * @example
   * ```ts
   * const batch = await jobs.count(100).timeout(1000).getMany('events'); // up to 100 jobs
   * ```
   */
  count(n: number): Self {
    return this.fluent({ count: n });
  }
  /**
   * A handle whose waiting calls stop when `signal` aborts.
   *
   * @example
   * ```ts
   * const ctl = new AbortController();
   * process.once('SIGTERM', () => ctl.abort());
   * const job = await jobs.signal(ctl.signal).get('emails'); // rejects when aborted
   * ```
   */
  signal(signal: AbortSignal): Self {
    return this.fluent({ signal });
  }
}
