/**
 * Every error disque-ts raises is a {@link DisqueError}. Errors the server sent are
 * {@link ReplyError}s, with one subclass per error prefix Disque uses; client-side problems
 * are {@link ArgumentError}, {@link TimeoutError} and {@link ConnectionError}.
 *
 * Messages never contain passwords, job bodies or command arguments: only the command name.
 * @module
 */

/**
 * Options accepted by every error constructor: the standard `cause`, and the command.
 *
 * @example
 * ```ts
 * throw new TimeoutError('No reply within 5000 ms', { command: 'GETJOB', cause: err });
 * ```
 */
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

  /**
   * Creates the error (the library does; user code seldom needs to).
   * @param code - the server's error prefix, or a client code
   * @param message - what happened; never a password, a body or command arguments
   */
  constructor(code: string, message: string, options: DisqueErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.command = options.command;
  }

  /**
   * Whether trying the same command again later (or on another node) can succeed: `true` for
   * connection failures and for `-LEAVING`, `-LOADING`, `-PAUSED`, `-NOREPL`, `-MAXLEN`, `-OOM`.
   *
   * @example
   * ```ts
   * catch (err) { if (err instanceof DisqueError && err.retryable) await later(); else throw err; }
   * ```
   */
  get retryable(): boolean {
    return false;
  }
}

/**
 * An error reply from the server (`-PREFIX text`). `code` is the prefix, `message` the full text.
 * Prefixes without a subclass of their own (`ERR`, anything new) arrive as this class.
 *
 * @example
 * ```ts
 * try { await conn.call('NOSUCHCOMMAND'); }
 * catch (err) { if (err instanceof ReplyError) console.log(err.code, err.message); } // ERR unknown command…
 * ```
 */
export class ReplyError extends DisqueError {
  override name = 'ReplyError';

  /**
   * `false`, except for `ERR max number of clients reached`, which a client can outlast.
   *
   * @example
   * ```ts
   * fromReplyError('ERR max number of clients reached').retryable; // true
   * ```
   */
  override get retryable(): boolean {
    // The one ERR a client can outlast: the server is at its connection limit.
    return this.message.includes('max number of clients reached');
  }
}

/**
 * `-NOJOB`: the node does not know the job (WORKING on a job it does not hold).
 *
 * @example
 * ```ts
 * try { await jobs.working(job); }
 * catch (err) { if (!(err instanceof NoJobError)) throw err; } // acked, expired or deleted: stop working on it
 * ```
 */
export class NoJobError extends ReplyError {
  override name = 'NoJobError';
}

/**
 * `-BADID`: a job id in the request is malformed. The typed methods check ids before sending, so
 * this comes from raw calls or from ids made elsewhere.
 *
 * @example
 * ```ts
 * await conn.call('SHOW', 'D-not-a-job-id'); // rejects with BadIdError
 * ```
 */
export class BadIdError extends ReplyError {
  override name = 'BadIdError';
}

/**
 * `-PAUSED`: the queue is paused for input on this node; retry later or on another node.
 *
 * @example
 * ```ts
 * await conn.pause('emails', 'in');
 * await conn.addJob('emails', 'hi'); // rejects with PausedError
 * ```
 */
export class PausedError extends ReplyError {
  override name = 'PausedError';
  /**
   * Always `true`: the queue may be resumed, and other nodes may accept the job meanwhile.
   *
   * @example
   * ```ts
   * fromReplyError('PAUSED Queue paused in input, try later').retryable; // true
   * ```
   */
  override get retryable(): boolean {
    return true;
  }
}

/**
 * `-LEAVING`: the node is leaving the cluster; use another node. The pool does, by itself.
 *
 * @example
 * ```ts
 * await conn.clusterLeaving(true);
 * await conn.getJob(['emails']); // rejects with LeavingError (it would block)
 * ```
 */
export class LeavingError extends ReplyError {
  override name = 'LeavingError';
  /**
   * Always `true`: another node can serve the command.
   *
   * @example
   * ```ts
   * if (err instanceof LeavingError && err.retryable) await pool.refresh();
   * ```
   */
  override get retryable(): boolean {
    return true;
  }
}

/**
 * `-NOREPL`: the job was not accepted at the requested replication level. The timeout variant
 * may still leave copies that get delivered, so a retry can produce a duplicate (at-least-once).
 *
 * @example
 * ```ts
 * // A one-node cluster cannot keep 3 copies:
 * await conn.addJob('emails', 'hi', { replicate: 3 }); // rejects with NoReplError
 * ```
 */
export class NoReplError extends ReplyError {
  override name = 'NoReplError';
  /**
   * Always `true`: nodes may come back, or another node may hold the copies.
   *
   * @example
   * ```ts
   * catch (err) { if (err instanceof NoReplError && err.retryable) await jobs.replicate(1).add(data, 'emails'); }
   * ```
   */
  override get retryable(): boolean {
    return true;
  }
}

/**
 * `-MAXLEN`: the queue is already at the MAXLEN given to ADDJOB (back-pressure).
 *
 * @example
 * ```ts
 * try { await jobs.maxLen(10_000).add(data, 'emails'); }
 * catch (err) { if (err instanceof MaxLenError) await slowDown(); else throw err; }
 * ```
 */
export class MaxLenError extends ReplyError {
  override name = 'MaxLenError';
  /**
   * Always `true`: the queue shrinks as consumers take jobs.
   *
   * @example
   * ```ts
   * fromReplyError('MAXLEN Queue is already longer than the specified MAXLEN count').retryable; // true
   * ```
   */
  override get retryable(): boolean {
    return true;
  }
}

/**
 * `-TOOLATE`: WORKING refused because half of the job's TTL has elapsed.
 *
 * @example
 * ```ts
 * try { await jobs.working(job); }
 * catch (err) { if (err instanceof TooLateError) await jobs.nack(job); else throw err; } // cannot be postponed
 * ```
 */
export class TooLateError extends ReplyError {
  override name = 'TooLateError';
}

/**
 * `-NOAUTH`: the server requires a password and this connection has not authenticated.
 *
 * @example
 * ```ts
 * const conn = new Connection({ port: 7711 }); // the server has requirepass
 * await conn.ping(); // rejects with AuthError: pass `password`, or use a disque://:secret@host URL
 * ```
 */
export class AuthError extends ReplyError {
  override name = 'AuthError';
}

/**
 * `-LOADING`: the server is loading its AOF; retry shortly.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof LoadingError) await new Promise((r) => setTimeout(r, 1000)); }
 * ```
 */
export class LoadingError extends ReplyError {
  override name = 'LoadingError';
  /**
   * Always `true`: the node answers once its AOF is loaded.
   *
   * @example
   * ```ts
   * fromReplyError('LOADING Disque is loading the dataset in memory').retryable; // true
   * ```
   */
  override get retryable(): boolean {
    return true;
  }
}

/**
 * `-OOM`: the server is above its `maxmemory` (ADDJOB, ENQUEUE, NACK).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof OomError) console.warn(`${err.command} refused: node out of memory`); }
 * ```
 */
export class OomError extends ReplyError {
  override name = 'OomError';
  /**
   * Always `true`: memory frees as jobs are consumed, and other nodes may have room.
   *
   * @example
   * ```ts
   * fromReplyError("OOM command not allowed when used memory > 'maxmemory'.").retryable; // true
   * ```
   */
  override get retryable(): boolean {
    return true;
  }
}

/**
 * `-MISCONF`: the server cannot write its AOF (an operator problem: disk, permissions).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof MisconfError) alertOperator(err.message); }
 * ```
 */
export class MisconfError extends ReplyError {
  override name = 'MisconfError';
}

/**
 * A bad argument, detected before anything was sent. `argument` names it.
 *
 * @example
 * ```ts
 * await conn.addJob('', 'x'); // rejects: ArgumentError: Expected `queue` to be a non-empty string, got `` (string)
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

/**
 * An operation did not finish within the time it was given: `jobs.get` with a `timeout` and no
 * job, `jobs.request` with no reply, `jobs.wait`, no free exclusive connection, `meet()`.
 *
 * @example
 * ```ts
 * try { await jobs.timeout(5000).get('emails'); }
 * catch (err) { if (!(err instanceof TimeoutError)) throw err; } // nothing came in 5 s
 * ```
 */
export class TimeoutError extends DisqueError {
  override name = 'TimeoutError';

  constructor(message: string, options: DisqueErrorOptions = {}) {
    super('TIMEOUT', message, options);
  }
}

/**
 * The connection to a node failed, was closed, or could not be made. `node` is `host:port`.
 *
 * @example
 * ```ts
 * catch (err) {
 *   if (err instanceof ConnectionError && !err.sent) await conn.addJob('emails', 'hi'); // certainly not applied
 * }
 * ```
 */
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

  /**
   * Always `true`: the node may come back, and the pool fails over to another one.
   *
   * @example
   * ```ts
   * new ConnectionError('ADDJOB failed on 10.0.0.5:7711: ECONNRESET', { sent: true }).retryable; // true
   * ```
   */
  override get retryable(): boolean {
    return true;
  }
}

/**
 * No node of the cluster could be reached (or every node is leaving), or a command pinned to one
 * node with `strict` found it down.
 *
 * @example
 * ```ts
 * const pool = new Pool({ nodes: '127.0.0.1:1' });
 * await pool.ready(); // rejects with NoNodeAvailableError
 * ```
 */
export class NoNodeAvailableError extends DisqueError {
  override name = 'NoNodeAvailableError';

  constructor(message: string, options: DisqueErrorOptions = {}) {
    super('NONODE', message, options);
  }

  /**
   * Always `true`: the pool keeps probing, and recovers when a node answers again.
   *
   * @example
   * ```ts
   * catch (err) { if (err instanceof NoNodeAvailableError && err.retryable) setTimeout(retry, 5000); }
   * ```
   */
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
 * @example
 * ```ts
 * const err = fromReplyError('PAUSED Queue paused in input', 'ADDJOB');
 * err instanceof PausedError; // true; err.code === 'PAUSED', err.retryable === true
 * ```
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
