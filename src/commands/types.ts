import type { RawReply } from '../replies.js';

/**
 * One argument on the wire. Numbers are sent as their decimal text.
 *
 * @example
 * ```ts
 * const args: Arg[] = ['emails', 10]; // sent as "emails" "10"
 * await conn.call('QPEEK', ...args);
 * ```
 */
export type Arg = string | Buffer | number;

/**
 * A Disque command as two pure functions: `args` validates typed arguments and builds the argv
 * (command name first); `reply` turns the raw reply into a typed value. No I/O happens here.
 *
 * @example
 * ```ts
 * QLEN.args('jobs');      // ['QLEN', 'jobs']
 * QLEN.reply('3');        // 3
 * ```
 */
export interface Command<A extends readonly unknown[], R> {
  /** The command name as sent, upper case. */
  readonly name: string;
  /**
   * Whether the reply carries job bodies (or other binary data) and must be read as Buffers so
   * they round-trip byte for byte.
   */
  readonly binary: boolean;
  /** Validates the arguments and builds the full argv, command name first. */
  args(...a: A): Arg[];
  /** Parses the raw reply. */
  reply(raw: RawReply): R;
}

/**
 * Durations are milliseconds throughout the API; this alias marks them in signatures.
 *
 * @example
 * ```ts
 * const retry: Milliseconds = 60_000; // Disque keeps RETRY in seconds: sent as RETRY 60
 * await jobs.retry(retry).add('resize image-42.png', 'images');
 * ```
 */
export type Milliseconds = number;
