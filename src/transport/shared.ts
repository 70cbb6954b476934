import net, { type Socket } from 'node:net';
import tls, { type ConnectionOptions as TlsOptions } from 'node:tls';
import { ConnectionError, TimeoutError, type DisqueError } from '../errors.js';
import { explainSocketFailure } from './socket-error.js';

/*
 * What the transports share: defaults, the deadline arithmetic, the one way a ConnectionError or
 * a reply TimeoutError is worded, TLS and AUTH. (The defaults are public: see src/index.ts.)
 */

/**
 * Disque's default port.
 *
 * @example
 * ```ts
 * const conn = new Connection({ host: 'queue.internal', port: DEFAULT_PORT });
 * ```
 */
export const DEFAULT_PORT = 7711;

/**
 * The default {@link ConnectionOptions.commandTimeout}, in ms.
 *
 * @example
 * ```ts
 * const patient = new Connection({ commandTimeout: 3 * DEFAULT_COMMAND_TIMEOUT });
 * ```
 */
export const DEFAULT_COMMAND_TIMEOUT = 10_000;

/** The longest delay a Node.js timer takes (about 24.8 days); beyond it, no deadline is set. @internal */
export const MAX_TIMER = 2 ** 31 - 1;

/** `host:port`, with an IPv6 host in brackets (the one spelling, from nodes.ts). @internal */
export { formatAddress } from '../nodes.js';

/**
 * How long a command may wait for its reply: the command timeout on top of what the server may
 * hold it; `Infinity` when either is unbounded (`commandTimeout` 0, a GETJOB without TIMEOUT).
 * @internal
 */
export function replyLimit(commandTimeout: number, hold: number): number {
  return commandTimeout === 0 ? Number.POSITIVE_INFINITY : commandTimeout + hold;
}

/**
 * The ConnectionError of a command (or of the connection itself) that failed on `address`.
 * @internal
 */
export function connectionError(
  address: string,
  reason: unknown,
  {
    command,
    sent = false,
    cause = reason,
  }: { command?: string | undefined; sent?: boolean; cause?: unknown } = {},
): ConnectionError {
  // A system error's message names its code (ECONNREFUSED…); ours say what failed, with it.
  const why = explainSocketFailure(reason, undefined).reason;
  return new ConnectionError(`${command ?? 'Connection'} failed on ${address}: ${why}`, {
    node: address,
    command,
    cause,
    sent,
  });
}

/** The TimeoutError of a command with no reply within `ms`; its connection is dropped. @internal */
export function replyTimeout(address: string, command: string, ms: number): DisqueError {
  return new TimeoutError(
    `${command} got no reply from ${address} within ${ms} ms; the connection was dropped`,
    { command },
  );
}

/** Node's TLS options from the `tls` option (`true` for defaults), or undefined for plain TCP. @internal */
export function tlsOptions(option: boolean | TlsOptions | undefined): TlsOptions | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? {} : option;
}

/** Opens a TCP or TLS socket; resolves nothing: listen for `connectEvent`. @internal */
export function dial(
  host: string,
  port: number,
  tlsOption: boolean | TlsOptions | undefined,
): { socket: Socket; connectEvent: 'connect' | 'secureConnect' } {
  const secure = tlsOptions(tlsOption);
  if (!secure) return { socket: net.connect({ host, port }), connectEvent: 'connect' };
  return {
    socket: tls.connect({ ...secure, host, port, ...(net.isIP(host) ? {} : { servername: host }) }),
    connectEvent: 'secureConnect',
  };
}

/** AUTH as RESP2 bytes, to go out before anything else on a new socket. @internal */
export function authBytes(password: string): string {
  return `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n`;
}
