import type { Milliseconds } from './commands/types.js';
import type { AddJobOptions } from './commands/addjob.js';
import type { RunOptions } from './pool/types.js';
import * as v from './commands/validate.js';

/**
 * The options of a {@link Jobs} handle, set once with `use`/`with` or per call with the fluent
 * methods (`jobs.timeout(1000).replicate(2).add(…)`). Durations are milliseconds.
 *
 * @example
 * ```ts
 * const config: JobsConfig = { replicate: 2, retry: 60_000, ttl: 86_400_000 };
 * const jobs = connect({ defaults: config });
 * await jobs.add('hi', 'emails', { delay: 5000 }); // per call, over the defaults
 * ```
 */
export interface JobsConfig {
  /**
   * How long a call may wait on the server, in ms: for `add`, the synchronous replication
   * (ADDJOB's timeout); for `get`, how long to block (GETJOB TIMEOUT; `0` = forever).
   * @defaultValue 5000 for add; 0 (forever) for get
   */
  timeout?: Milliseconds | undefined;
  /** Copies of each job in the cluster. @defaultValue the server's: min(3, cluster size) */
  replicate?: number | undefined;
  /** Queue the job only after this long. Whole seconds (a multiple of 1000). @defaultValue 0 */
  delay?: Milliseconds | undefined;
  /**
   * Deliver the job again if it is not acknowledged this long after it was queued ("retry
   * after"). `0` = at-most-once, with a single copy (REPLICATE 1 unless `replicate` says otherwise,
   * which is then refused). Whole seconds. @defaultValue the server's: ttl/10, at most 5 min
   */
  retry?: Milliseconds | undefined;
  /** Delete the job after this long, whatever happens. Whole seconds. @defaultValue 1 day */
  ttl?: Milliseconds | undefined;
  /** Refuse new jobs (`MaxLenError`) while the queue holds this many. */
  maxLen?: number | undefined;
  /** Reply before replication completes. @defaultValue false */
  async?: boolean | undefined;
  /** How many jobs `getMany` takes at most when no count is given. @defaultValue 1 */
  count?: number | undefined;
  /** Abandons waiting calls (`get`, `wait`, `request`) when it aborts. */
  signal?: AbortSignal | undefined;
}

/** The option names of a {@link JobsConfig}. @internal */
export const JOBS_CONFIG_KEYS: readonly (keyof JobsConfig)[] = [
  'timeout',
  'replicate',
  'delay',
  'retry',
  'ttl',
  'maxLen',
  'async',
  'count',
  'signal',
];

/**
 * A duration Disque keeps in whole seconds: the rule of `commands/validate.ts` ({@link v.seconds}),
 * refusing a value it would round, so that a handle's options are what the server applies.
 */
function wholeSeconds(name: string, value: unknown, min: number): number {
  v.seconds(name, value, { min, exact: true });
  return value as number;
}

/**
 * Validates a partial config, naming the bad option as the caller wrote it: `config.retry` for
 * `jobs.with({ retry })`, `retry` for the fluent `jobs.retry(ms)` (`name` `''`). Returns a copy
 * without undefined values.
 * @internal
 */
export function validateConfig(config: unknown, name = 'config'): JobsConfig {
  const c = v.options<JobsConfig>(name || 'config', config, JOBS_CONFIG_KEYS);
  const out: JobsConfig = {};
  const at = (key: keyof JobsConfig): string => (name ? `${name}.${key}` : key);
  if (c.timeout !== undefined) out.timeout = v.millis(at('timeout'), c.timeout);
  if (c.replicate !== undefined) out.replicate = v.integer(at('replicate'), c.replicate, 1, 65535);
  if (c.delay !== undefined) out.delay = wholeSeconds(at('delay'), c.delay, 0);
  if (c.retry !== undefined) out.retry = wholeSeconds(at('retry'), c.retry, 0);
  if (c.ttl !== undefined) out.ttl = wholeSeconds(at('ttl'), c.ttl, 1000);
  if (c.maxLen !== undefined) out.maxLen = v.integer(at('maxLen'), c.maxLen, 1);
  if (c.async !== undefined) out.async = v.flag(at('async'), c.async);
  if (c.count !== undefined) out.count = v.integer(at('count'), c.count, 1);
  if (c.signal !== undefined) {
    if (!(c.signal instanceof AbortSignal)) v.fail(at('signal'), 'an AbortSignal', c.signal);
    out.signal = c.signal;
  }
  return out;
}

/** What {@link Jobs.add} sends for a config: ADDJOB's options and the Pool's run options. @internal */
export interface Adding {
  readonly options: AddJobOptions;
  readonly run: RunOptions;
}

/** ADDJOB's options and the run options of an add under `config`. @internal */
export function adding(config: JobsConfig): Adding {
  return {
    options: addJobOptions(config),
    // At-most-once jobs (RETRY 0) are sent again only when certainly not applied.
    run: { retry: config.retry === 0 ? 'unsent' : 'at-least-once', signal: config.signal },
  };
}

/** The ADDJOB options a config gives. @internal */
export function addJobOptions(config: JobsConfig): AddJobOptions {
  const { timeout, replicate, delay, retry, ttl, maxLen } = config;
  const o: AddJobOptions = {};
  if (timeout !== undefined) o.timeout = timeout;
  if (replicate !== undefined) o.replicate = replicate;
  if (delay !== undefined) o.delay = delay;
  if (retry !== undefined) o.retry = retry;
  if (ttl !== undefined) o.ttl = ttl;
  if (maxLen !== undefined) o.maxLen = maxLen;
  if (config.async) o.async = true;
  return o;
}
