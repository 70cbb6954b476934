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
  /**
   * Whether the command is on the produce/consume hot path (ADDJOB, GETJOB, ACKJOB, FASTACK, NACK,
   * WORKING): the Pool sends hot commands over its lean pipelined connections. @defaultValue false
   */
  readonly hot?: boolean | undefined;
  /**
   * How long the server may rightly hold the reply to this call, in ms (GETJOB's TIMEOUT, ADDJOB's
   * replication timeout; `Infinity` when it may block until served). A transport's command
   * timeout runs on top of it. Absent: 0, the server answers at once.
   */
  hold?(...a: A): Milliseconds;
  /**
   * Whether this call keeps its connection busy until other nodes answer (a synchronously
   * replicated ADDJOB: Disque blocks the client until the replicas confirm, and commands
   * pipelined behind it wait). Only on a cluster: with one node nothing is replicated. The Pool
   * gives such calls connections of their own. Absent: false.
   */
  holdsConnection?(...a: A): boolean;
  /**
   * The queue this call adds a job to (ADDJOB). A node whose queue is paused for input refuses
   * it (`-PAUSED`) and refuses to hold its replicas: the Pool skips such nodes. Absent: the call
   * adds to no queue.
   */
  addsTo?(...a: A): string;
  /**
   * How many nodes must hold a copy before this call is answered (ADDJOB: 1 with ASYNC, else its
   * REPLICATE); `undefined` for the server's default, min(3, cluster size). Read with `addsTo`.
   */
  copiesAtOnce?(...a: A): number | undefined;
}

/**
 * How long the server may hold the reply to `command` called with `args`, in ms.
 *
 * @example
 * ```ts
 * serverHold(GETJOB, [['q'], { timeout: 1500 }]); // 1500
 * serverHold(QLEN, ['q']); // 0
 * ```
 */
export function serverHold<A extends readonly unknown[]>(
  command: Command<A, unknown>,
  args: A,
): Milliseconds {
  return command.hold ? command.hold(...args) : 0;
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
