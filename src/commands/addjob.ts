import type { Arg, Command, Milliseconds } from './types.js';
import type { RawReply } from '../replies.js';
import { asString } from '../replies.js';
import * as v from './validate.js';
import { ArgumentError } from '../errors.js';

/**
 * Options of ADDJOB. Durations in milliseconds; see each for how it goes on the wire.
 *
 * @example
 * ```ts
 * await conn.addJob('emails', body, { replicate: 2, retry: 60_000, ttl: 86_400_000, maxLen: 10_000 });
 * // ADDJOB emails <body> 5000 REPLICATE 2 RETRY 60 TTL 86400 MAXLEN 10000
 * ```
 */
export interface AddJobOptions {
  /**
   * How long to wait for synchronous replication, in ms. `0` waits forever, which can block for
   * good on a cluster with a dead node: prefer a bound.
   * @defaultValue 5000
   */
  timeout?: Milliseconds | undefined;
  /** Copies to keep in the cluster (1-65535). @defaultValue the server's: min(3, cluster size) */
  replicate?: number | undefined;
  /** Wait this long before queueing the job. Sent as seconds, rounded up. @defaultValue 0 */
  delay?: Milliseconds | undefined;
  /**
   * Re-queue the job if not acknowledged this long after it was queued. `0` means at-most-once:
   * then `replicate` defaults to 1 (sent as REPLICATE 1, which Disque requires with RETRY 0), and
   * any other `replicate` is an {@link ArgumentError}.
   * Sent as seconds, rounded up, so a positive value never becomes 0.
   * @defaultValue the server's: ttl/10, at most 5 minutes
   */
  retry?: Milliseconds | undefined;
  /** Delete the job after this long, whatever its state. Sent as seconds, rounded up. @defaultValue 1 day */
  ttl?: Milliseconds | undefined;
  /** Refuse the job (`MaxLenError`) if the queue already holds this many jobs. */
  maxLen?: number | undefined;
  /** Reply at once and replicate in the background. @defaultValue false */
  async?: boolean | undefined;
}

/**
 * The ADDJOB timeout used when none is given, in ms.
 *
 * @example
 * ```ts
 * ADDJOB.args('emails', 'hi'); // ['ADDJOB', 'emails', 'hi', DEFAULT_ADDJOB_TIMEOUT]: 5000
 * ```
 */
export const DEFAULT_ADDJOB_TIMEOUT = 5000;

const KNOWN = ['timeout', 'replicate', 'delay', 'retry', 'ttl', 'maxLen', 'async'] as const;

/**
 * Builds ADDJOB's option words. Shared with the fluent Jobs options, which validate the same way.
 * @internal
 */
export function addJobOptionArgs(o: AddJobOptions, name = 'options'): Arg[] {
  const out: Arg[] = [];
  const retry = o.retry === undefined ? undefined : v.seconds(`${name}.retry`, o.retry);
  if (o.replicate !== undefined) {
    const replicate = v.integer(`${name}.replicate`, o.replicate, 1, 65535);
    if (retry === 0 && replicate > 1)
      throw new ArgumentError(
        `${name}.replicate`,
        `Expected \`${name}.replicate\` to be 1 with \`${name}.retry\` 0 (at most once: a single copy), got \`${replicate}\``,
      );
    out.push('REPLICATE', replicate);
  } else if (retry === 0) {
    // At most once means a single copy: Disque refuses RETRY 0 with its default REPLICATE
    // (min(3, cluster size)) unless REPLICATE 1 is explicit, so say it for the caller.
    out.push('REPLICATE', 1);
  }
  let delay: number | undefined;
  let ttl: number | undefined;
  if (o.delay !== undefined) out.push('DELAY', (delay = v.seconds(`${name}.delay`, o.delay)));
  if (retry !== undefined) out.push('RETRY', retry);
  if (o.ttl !== undefined) out.push('TTL', (ttl = v.seconds(`${name}.ttl`, o.ttl, { min: 1 })));
  if (o.maxLen !== undefined) out.push('MAXLEN', v.integer(`${name}.maxLen`, o.maxLen, 1));
  if (o.async !== undefined && v.flag(`${name}.async`, o.async)) out.push('ASYNC');
  // Disque refuses this too, but only after a round trip and with a less precise message.
  if (delay !== undefined && ttl !== undefined && delay >= ttl)
    throw new ArgumentError(
      `${name}.delay`,
      `Expected \`${name}.delay\` (${delay}s) to be shorter than \`${name}.ttl\` (${ttl}s): the job would never be delivered`,
    );
  return out;
}

/**
 * `ADDJOB queue body timeout [REPLICATE n] [DELAY s] [RETRY s] [TTL s] [MAXLEN n] [ASYNC]` → the job id.
 *
 * @example
 * ```ts
 * ADDJOB.args('emails', 'hi', { retry: 30_000 }); // ['ADDJOB', 'emails', 'hi', 5000, 'RETRY', 30]
 * ```
 */
export const ADDJOB = {
  name: 'ADDJOB',
  binary: false,
  args(queue: string | Buffer, body: string | Buffer, options?: AddJobOptions): Arg[] {
    const o = v.options<AddJobOptions>('options', options, KNOWN);
    const timeout = o.timeout === undefined ? DEFAULT_ADDJOB_TIMEOUT : v.millis('options.timeout', o.timeout);
    return ['ADDJOB', v.queueName('queue', queue), v.body('body', body), timeout, ...addJobOptionArgs(o)];
  },
  reply(raw: RawReply): string {
    return asString(raw);
  },
  hot: true,
  /** Its replication timeout: `0` waits until replicated. */
  hold(_queue: string | Buffer, _body: string | Buffer, options?: AddJobOptions): Milliseconds {
    const timeout = options?.timeout ?? DEFAULT_ADDJOB_TIMEOUT;
    return timeout === 0 ? Number.POSITIVE_INFINITY : timeout;
  },
  /** Synchronous replication to other nodes (replicate > 1, or the server's default of up to 3). */
  holdsConnection(_queue: string | Buffer, _body: string | Buffer, options?: AddJobOptions): boolean {
    return !options?.async && (options?.replicate === undefined || options.replicate > 1);
  },
  addsTo(queue: string | Buffer, _body: string | Buffer, _options?: AddJobOptions): string {
    return String(queue);
  },
  /** 1 with ASYNC (one copy before the reply), else REPLICATE (undefined: the server's default). */
  copiesAtOnce(_queue: string | Buffer, _body: string | Buffer, options?: AddJobOptions): number | undefined {
    return options?.async ? 1 : options?.replicate;
  },
} as const satisfies Command<[string | Buffer, string | Buffer, AddJobOptions?], string>;
