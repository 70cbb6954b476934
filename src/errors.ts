/**
 * Every error disque-ts raises is a {@link DisqueError}. Errors the server sent are
 * {@link ReplyError}s, with one subclass per error prefix Disque uses; client-side problems
 * are {@link ArgumentError}, {@link TimeoutError} and {@link ConnectionError}.
 *
 * Messages never contain passwords, job bodies or command arguments: only the command name.
 * @module
 */

/** Options accepted by every error constructor (the standard `cause`). */
export interface DisqueErrorOptions {
  /** The error this one was raised for. */
  cause?: unknown;
  /** The Disque command that failed, upper case (`ADDJOB`). */
  command?: string | undefined;
}

/**
 * Base class of every error raised by disque-ts.
 *
 * @example
 * ```ts
 * try { await conn.working(id); }
 * catch (err) { if (err instanceof DisqueError && err.retryable) retryLater(); else throw err; }
 * ```
 */
export class DisqueError extends Error {
  override name = 'DisqueError';
  /** A short machine-readable code: the server's error prefix (`NOJOB`) or a client code (`ARGUMENT`). */
  readonly code: string;
  /** The command that failed, upper case, when there was one. */
  readonly command: string | undefined;

  constructor(code: string, message: string, options: DisqueErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.command = options.command;
  }

  /** Whether trying the same command again later (or on another node) can succeed. */
  get retryable(): boolean {
    return false;
  }
}

/**
 * An error reply from the server (`-PREFIX text`). `code` is the prefix, `message` the full text.
 * Prefixes without a subclass of their own (`ERR`, `MISCONF`, anything new) arrive as this class.
 */
export class ReplyError extends DisqueError {
  override name = 'ReplyError';

  override get retryable(): boolean {
    // The one ERR a client can outlast: the server is at its connection limit.
    return this.message.includes('max number of clients reached');
  }
}

/** `-NOJOB`: the node does not know the job (WORKING on a job it does not hold). */
export class NoJobError extends ReplyError {
  override name = 'NoJobError';
}

/** `-BADID`: a job id in the request is malformed. */
export class BadIdError extends ReplyError {
  override name = 'BadIdError';
}

/** `-PAUSED`: the queue is paused for input on this node; retry later or on another node. */
export class PausedError extends ReplyError {
  override name = 'PausedError';
  override get retryable(): boolean {
    return true;
  }
}

/** `-LEAVING`: the node is leaving the cluster; use another node. */
export class LeavingError extends ReplyError {
  override name = 'LeavingError';
  override get retryable(): boolean {
    return true;
  }
}

/**
 * `-NOREPL`: the job was not accepted at the requested replication level. The timeout variant
 * may still leave copies that get delivered, so a retry can produce a duplicate (at-least-once).
 */
export class NoReplError extends ReplyError {
  override name = 'NoReplError';
  override get retryable(): boolean {
    return true;
  }
}

/** `-MAXLEN`: the queue is already at the MAXLEN given to ADDJOB (back-pressure). */
export class MaxLenError extends ReplyError {
  override name = 'MaxLenError';
  override get retryable(): boolean {
    return true;
  }
}

/** `-TOOLATE`: WORKING refused because half of the job's TTL has elapsed. */
export class TooLateError extends ReplyError {
  override name = 'TooLateError';
}

/** `-NOAUTH`: the server requires a password and this connection has not authenticated. */
export class AuthError extends ReplyError {
  override name = 'AuthError';
}

/** `-LOADING`: the server is loading its AOF; retry shortly. */
export class LoadingError extends ReplyError {
  override name = 'LoadingError';
  override get retryable(): boolean {
    return true;
  }
}

/** `-OOM`: the server is above its `maxmemory` (ADDJOB, ENQUEUE, NACK). */
export class OomError extends ReplyError {
  override name = 'OomError';
  override get retryable(): boolean {
    return true;
  }
}

/** `-MISCONF`: the server cannot write its AOF. */
export class MisconfError extends ReplyError {
  override name = 'MisconfError';
}

/**
 * A bad argument, detected before anything was sent. `argument` names it.
 *
 * @example
 * ```ts
 * conn.addJob('', 'x'); // throws ArgumentError: Expected `queue` to be a non-empty string, got `` (string)
 * ```
 */
export class ArgumentError extends DisqueError {
  override name = 'ArgumentError';
  /** The name of the offending argument or option (`queue`, `options.retry`, `ids[2]`). */
  readonly argument: string;

  constructor(argument: string, message: string, options: DisqueErrorOptions = {}) {
    super('ARGUMENT', message, options);
    this.argument = argument;
  }
}

/** An operation did not finish within the time it was given. */
export class TimeoutError extends DisqueError {
  override name = 'TimeoutError';

  constructor(message: string, options: DisqueErrorOptions = {}) {
    super('TIMEOUT', message, options);
  }
}

/** The connection to a node failed, was closed, or could not be made. `node` is `host:port`. */
export class ConnectionError extends DisqueError {
  override name = 'ConnectionError';
  /** The node's address, `host:port`. */
  readonly node: string | undefined;
  /**
   * Whether the command had been written to the socket, so that the server may have applied it
   * although no reply came. `false` means it certainly was not applied and is safe to send again.
   */
  readonly sent: boolean;

  constructor(
    message: string,
    options: DisqueErrorOptions & { node?: string | undefined; sent?: boolean | undefined } = {},
  ) {
    super('CONNECTION', message, options);
    this.node = options.node;
    this.sent = options.sent ?? false;
  }

  override get retryable(): boolean {
    return true;
  }
}

/** No node of the cluster could be reached (or every node is leaving). */
export class NoNodeAvailableError extends DisqueError {
  override name = 'NoNodeAvailableError';

  constructor(message: string, options: DisqueErrorOptions = {}) {
    super('NONODE', message, options);
  }

  override get retryable(): boolean {
    return true;
  }
}

type ReplyErrorClass = new (code: string, message: string, options?: DisqueErrorOptions) => ReplyError;

/** The error class for each prefix Disque sends (shared/disque-reference SPEC §9). */
const REPLY_ERROR_CLASSES: Readonly<Record<string, ReplyErrorClass>> = {
  NOJOB: NoJobError,
  BADID: BadIdError,
  PAUSED: PausedError,
  LEAVING: LeavingError,
  NOREPL: NoReplError,
  MAXLEN: MaxLenError,
  TOOLATE: TooLateError,
  NOAUTH: AuthError,
  LOADING: LoadingError,
  OOM: OomError,
  MISCONF: MisconfError,
};

/**
 * Turns the text of an error reply (`NOJOB Job not known…`) into its typed error.
 * The prefix is the first word; an unknown prefix gives a plain {@link ReplyError}.
 *
 * @param text - the error line without the leading `-`
 * @param command - the command that received it
 * @param cause - the original error object, kept as `cause`
 */
export function fromReplyError(text: string, command?: string, cause?: unknown): ReplyError {
  const space = text.indexOf(' ');
  const code = space === -1 ? text : text.slice(0, space);
  // Own keys only: a reply such as `-constructor …` or `-toString` must not pick up Object's.
  const Class = Object.hasOwn(REPLY_ERROR_CLASSES, code)
    ? (REPLY_ERROR_CLASSES[code] as ReplyErrorClass)
    : ReplyError;
  return new Class(code || 'ERR', text || 'ERR', { command, cause });
}
