import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Milliseconds } from '../commands/types.js';
import { ArgumentError } from '../errors.js';
import { optionNames } from '../option-names.js';
import * as v from '../commands/validate.js';
import { DEFAULT_COMMAND_TIMEOUT, DEFAULT_PORT, MAX_TIMER } from './shared.js';

/**
 * Options of a {@link Connection}.
 *
 * @example
 * ```ts
 * const conn = new Connection({ host: 'queue.internal', port: 7711, password: 'secret', connectTimeout: 2000 });
 * ```
 */
export interface ConnectionOptions {
  /** Host name or IP. @defaultValue '127.0.0.1' */
  host?: string | undefined;
  /** TCP port. @defaultValue 7711 */
  port?: number | undefined;
  /** Password for servers started with `requirepass` (sent with AUTH on every (re)connect). */
  password?: string | undefined;
  /** TLS: `true` for defaults, or Node's TLS options. @defaultValue no TLS */
  tls?: boolean | TlsOptions | undefined;
  /** How long to wait for the TCP connection, in ms. @defaultValue 10000 */
  connectTimeout?: Milliseconds | undefined;
  /**
   * How long a command may wait for its reply, in ms, counted from the call (a wait for the
   * connection included). A command with no reply in time rejects with a {@link TimeoutError}
   * naming it and the node, and the connection is dropped (a late reply must not be taken for
   * another command's): the other commands in flight fail with a {@link ConnectionError}, or with
   * `reconnect` go out again on a new socket, as after any dropped connection.
   *
   * Commands the server may rightly hold get their own wait on top: a blocking GETJOB its TIMEOUT,
   * ADDJOB its replication timeout. A GETJOB without TIMEOUT (or `timeout: 0`), and an ADDJOB with
   * `timeout: 0`, block until served, by design: no deadline applies to them.
   *
   * `0` turns the timeout off; `undefined` means the default.
   * @defaultValue 10000
   */
  commandTimeout?: Milliseconds | undefined;
  /**
   * Batch commands issued in the same tick into one write. The Connection's lean transport always
   * does (it costs nothing for a connection used for blocking GETJOB); the option is accepted for
   * compatibility and applies to the ioredis transport (the Pool's long-tail connections).
   * @defaultValue true
   */
  autoPipelining?: boolean | undefined;
  /**
   * How many reconnection attempts a command waits through before it fails with a
   * {@link ConnectionError}. Low by default so that a dead node is noticed quickly. Also how many
   * times a command is sent again after the connection dropped before its reply (with
   * `reconnect`): it is written at most 1 + maxRetriesPerRequest times, then fails with a
   * {@link ConnectionError} whose `sent` is true (it may have been applied, even several times).
   * @defaultValue 2
   */
  maxRetriesPerRequest?: number | undefined;
  /** Do not connect until the first command (or {@link Connection.connect}). @defaultValue false */
  lazyConnect?: boolean | undefined;
  /**
   * Reconnect after the connection drops. With `false` a dropped connection stays closed and every
   * command in flight fails at once with a {@link ConnectionError}; the Pool uses this and
   * replaces the connection itself. @defaultValue true
   */
  reconnect?: boolean | undefined;
}

/** Every option of {@link ConnectionOptions} (the compiler checks the list). @internal */
export const CONNECTION_OPTION_NAMES = optionNames<ConnectionOptions>({
  host: true,
  port: true,
  password: true,
  tls: true,
  connectTimeout: true,
  commandTimeout: true,
  autoPipelining: true,
  maxRetriesPerRequest: true,
  lazyConnect: true,
  reconnect: true,
});

/** The options of a {@link Connection} with their defaults applied. @internal */
export type ResolvedConnectionOptions = {
  host: string;
  port: number;
  password: string | undefined;
  tls: boolean | TlsOptions | undefined;
  connectTimeout: number;
  commandTimeout: number;
  autoPipelining: boolean;
  maxRetriesPerRequest: number;
  lazyConnect: boolean;
  reconnect: boolean;
};

/**
 * Validates a {@link ConnectionOptions} (an {@link ArgumentError} naming a bad or unknown
 * option) and applies the defaults.
 * @internal
 */
export function resolveConnectionOptions(options: ConnectionOptions): ResolvedConnectionOptions {
  v.options('options', options, CONNECTION_OPTION_NAMES);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0)
    throw new ArgumentError('options.host', 'Expected `options.host` to be a non-empty string');
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ArgumentError(
      'options.port',
      `Expected \`options.port\` to be an integer between 1 and 65535, got ${typeof port === 'number' ? `\`${port}\`` : typeof port}`,
    );
  if (options.password !== undefined && typeof options.password !== 'string')
    throw new ArgumentError('options.password', 'Expected `options.password` to be a string');
  const connectTimeout = options.connectTimeout ?? 10_000;
  if (!Number.isInteger(connectTimeout) || connectTimeout < 1)
    throw new ArgumentError(
      'options.connectTimeout',
      'Expected `options.connectTimeout` to be a positive integer of ms',
    );
  const commandTimeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
  if (!Number.isInteger(commandTimeout) || commandTimeout < 0 || commandTimeout > MAX_TIMER)
    throw new ArgumentError(
      'options.commandTimeout',
      `Expected \`options.commandTimeout\` to be an integer of ms between 0 (no timeout) and ${MAX_TIMER}, got ${typeof commandTimeout === 'number' ? `\`${commandTimeout}\`` : typeof commandTimeout}`,
    );
  const maxRetriesPerRequest = options.maxRetriesPerRequest ?? 2;
  if (!Number.isInteger(maxRetriesPerRequest) || maxRetriesPerRequest < 0)
    throw new ArgumentError(
      'options.maxRetriesPerRequest',
      'Expected `options.maxRetriesPerRequest` to be an integer >= 0',
    );
  return {
    host,
    port,
    password: options.password,
    tls: options.tls,
    connectTimeout,
    commandTimeout,
    autoPipelining: options.autoPipelining ?? true,
    maxRetriesPerRequest,
    lazyConnect: options.lazyConnect ?? false,
    reconnect: options.reconnect ?? true,
  };
}
