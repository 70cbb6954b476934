/**
 * Naming why a connection failed. ioredis rejects commands on a dead socket with its own words
 * ("Connection is closed.", "Reached the max retries per request limit") and reports the system
 * error that caused it (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`…) separately, on its `error`
 * event. {@link SocketErrorMemory} keeps that system error, and {@link explainSocketFailure} puts
 * it back in the message and in `cause`, as docs/errors.md promises.
 * @internal
 * @module
 */

/** A Node.js system error: `code` is `ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`… @internal */
export interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
}

/** Whether `err` is a Node.js system error (an `E…` code). @internal */
export function isSystemError(err: unknown): err is SystemError {
  // Duck-typed, not `instanceof Error`: errors made by Node's internals may come from another
  // realm (a vm context, jest's sandbox) whose Error is not ours.
  const { code, message } = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    message?: unknown;
  };
  return typeof message === 'string' && typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code);
}

/** ioredis's own words for "the socket is gone": they never say why. */
const GENERIC = /^(Connection is closed\.?|Reached the max retries per request limit\b)/;

/** Whether `err` is one of ioredis's errors that hide the socket's own error. @internal */
export function isGenericSocketError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'MaxRetriesPerRequestError' || GENERIC.test(err.message));
}

/**
 * The last system error a socket reported, until the connection is ready again (an error from
 * before the last successful connection does not explain a later failure).
 * @internal
 */
export class SocketErrorMemory {
  #last: SystemError | undefined;

  /** For the client's `error` event: keeps system errors, ignores the others. */
  readonly remember = (err: unknown): void => {
    if (isSystemError(err)) this.#last = err;
  };

  /** For the client's `ready` event. */
  readonly forget = (): void => {
    this.#last = undefined;
  };

  /** The system error kept, if any. */
  get last(): SystemError | undefined {
    return this.#last;
  }
}

/**
 * The reason to print and the `cause` to keep for a failed command or connection: the system
 * error when `err` is ioredis's generic text and the socket reported one (`connect ECONNREFUSED
 * 127.0.0.1:1`, `getaddrinfo ENOTFOUND nosuchhost.invalid`); else `err` itself.
 * @internal
 */
export function explainSocketFailure(
  err: unknown,
  lastSystemError: SystemError | undefined,
): { reason: string; cause: unknown } {
  if (lastSystemError !== undefined && isGenericSocketError(err))
    return { reason: withCode(lastSystemError), cause: lastSystemError };
  if (isSystemError(err)) return { reason: withCode(err), cause: err };
  return { reason: err instanceof Error ? err.message : String(err), cause: err };
}

/** The system error's message, which names its code; a code the message lacks is added. */
function withCode(err: SystemError): string {
  return err.message.includes(err.code) ? err.message : `${err.code}: ${err.message}`;
}
