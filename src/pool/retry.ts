import pRetry from 'p-retry';
import {
  ConnectionError,
  LeavingError,
  LoadingError,
  NoNodeAvailableError,
  NoReplError,
  PausedError,
} from '../errors.js';
import { isPausedRefusal } from './paused-queues.js';
import type { NodeState } from '../nodes.js';

/**
 * When a failed command may be sent again (to another node):
 * - `'idempotent'`: after any connection failure, and after `-LEAVING` / `-LOADING`. For commands
 *   whose repetition is harmless (reads, ACKJOB, NACK, WORKING, GETJOB — a job delivered into a
 *   dead socket is re-queued by Disque after its RETRY).
 * - `'unsent'`: only when the command certainly was not applied: the connection failed before it
 *   was written, or the node refused it up front (`-LEAVING`, `-LOADING`, the NOREPL "unable to
 *   hold a copy" variant). ADDJOB uses this, so a retry never creates a duplicate job.
 * - `'at-least-once'`: for ADDJOB of an at-least-once job (RETRY > 0): like `'idempotent'`, and
 *   also after `-NOREPL`. A job added twice is delivered twice, which at-least-once delivery
 *   already allows (consumers of such jobs must tolerate duplicates); at-most-once jobs
 *   (RETRY 0) use `'unsent'`, which never duplicates.
 * - `'never'`.
 *
 * @example
 * ```ts
 * await pool.run(ADDJOB, ['emails', 'hi', { retry: 0, replicate: 1 }], { retry: 'unsent' }); // never twice
 * await pool.run(QLEN, ['emails'], { retry: 'never', node: nodeId, strict: true }); // this node or nothing
 * ```
 */
export type RetryPolicy = 'idempotent' | 'at-least-once' | 'unsent' | 'never';

/** One call through the pool, across its attempts. @internal */
export interface CallState {
  /** Nodes that failed this call with a retryable error: other nodes first. */
  readonly avoid: Set<NodeState>;
  readonly signal: AbortSignal | undefined;
  /** Until when the call may wait for a node to come up (set by its first wait). */
  waitUntil: number | undefined;
}

/** Whether an error says the node refused the command before applying it. @internal */
export function refusedUpFront(err: unknown): boolean {
  if (err instanceof LeavingError || err instanceof LoadingError) return true;
  // "…since I'm unable to hold a copy of the message for the following reason: …": this node
  // could not take part at all; another node can.
  return err instanceof NoReplError && err.message.includes('unable to hold a copy');
}

/** Whether `policy` allows sending again a command that failed with `err`. @internal */
export function mayRetry(policy: RetryPolicy, err: unknown): boolean {
  if (policy === 'never') return false;
  if (refusedUpFront(err) || err instanceof NoNodeAvailableError) return true;
  // ADDJOB refused by a node whose queue is paused: nothing applied, another node may take it;
  // unless the Pool itself refused it, knowing no other node can (see paused-queues.ts).
  if (err instanceof PausedError) return !isPausedRefusal(err);
  if (err instanceof NoReplError) return policy === 'at-least-once';
  if (err instanceof ConnectionError) return policy !== 'unsent' || !err.sent;
  return false;
}

/** The retry settings of a pool. @internal */
export interface RetrySettings {
  readonly retries: number;
  readonly minRetryDelay: number;
  readonly maxRetryDelay: number;
}

/**
 * How long a call that finds no node up waits for one: as long as its retries would take
 * (their delays without jitter), and at least `maxRetryDelay`.
 * @internal
 */
export function noNodeWait({ retries, minRetryDelay, maxRetryDelay }: RetrySettings): number {
  let total = 0;
  for (let i = 0; i < retries - 1; i++) total += Math.min(maxRetryDelay, minRetryDelay * 2 ** i);
  return Math.max(total, maxRetryDelay);
}

/**
 * Runs `attempt` until it succeeds or may not be retried: on another node (the attempt avoids
 * those in `call.avoid`), with p-retry's exponential backoff and jitter. The first attempt runs
 * directly: p-retry's bookkeeping is for the rare failure, not for every command on the hot path.
 * `stopped` tells when the pool closed meanwhile.
 * @internal
 */
export async function withRetries<R>(
  settings: RetrySettings,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  stopped: () => boolean,
  attempt: (call: CallState) => Promise<R>,
): Promise<R> {
  const call: CallState = { avoid: new Set(), signal, waitUntil: undefined };
  try {
    return await attempt(call);
  } catch (error) {
    return retryAfter(settings, policy, signal, stopped, call, error, attempt);
  }
}

/**
 * After a failed first attempt of `call`: rejects with `error` unless `policy` allows another,
 * else runs the remaining attempts with p-retry's exponential backoff and jitter.
 * @internal
 */
export function retryAfter<R>(
  settings: RetrySettings,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  stopped: () => boolean,
  call: CallState,
  error: unknown,
  attempt: (call: CallState) => Promise<R>,
): Promise<R> {
  if (policy === 'never' || !retryable(policy, call, error, stopped)) return Promise.reject(error);
  return pRetry(() => attempt(call), {
    retries: Math.max(0, settings.retries - 1),
    minTimeout: settings.minRetryDelay,
    maxTimeout: settings.maxRetryDelay,
    factor: 2,
    randomize: true,
    unref: true,
    ...(signal ? { signal } : {}),
    shouldRetry: ({ error }) => retryable(policy, call, error, stopped),
  });
}

/** Whether a failed attempt may be retried; a call that already waited its fill for a node may not. */
function retryable(policy: RetryPolicy, call: CallState, error: unknown, stopped: () => boolean): boolean {
  return (
    !stopped() &&
    mayRetry(policy, error) &&
    !(error instanceof NoNodeAvailableError && call.waitUntil !== undefined && Date.now() >= call.waitUntil)
  );
}
