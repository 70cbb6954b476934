import { ArgumentError } from './errors.js';

/**
 * Node addresses: `host:port`, `[v6]:port`, bare hosts (port 7711), and `disque://` URLs.
 * @module
 */

/**
 * A node address with optional credentials, as {@link parseAddress} returns it.
 *
 * @example
 * ```ts
 * const seed: NodeAddress = { host: '10.0.0.5', port: 7711 };
 * const pool = new Pool({ nodes: [seed, 'disque-2:7711'] });
 * ```
 */
export interface NodeAddress {
  /** Host name or IP (IPv6 without brackets). */
  host: string;
  /** TCP port. */
  port: number;
  /** Password from a URL, if it had one. */
  password?: string;
  /** `true` for a `disques://` URL. */
  tls?: boolean;
}

const DEFAULT_PORT = 7711;

/** The name used in error messages: a string, else the default. */
function argumentName(name: unknown, fallback: string): string {
  return typeof name === 'string' && name !== '' ? name : fallback;
}

function port(text: string, entry: string, name: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535)
    throw new ArgumentError(name, `Invalid port in \`${entry}\`: expected 1-65535, got \`${text}\``);
  return n;
}

/**
 * Parses `host`, `host:port`, `[::1]:port` or `disque://[:password@]host[:port]` (`disques://` for TLS).
 * The port defaults to 7711.
 * @param text - the address
 * @param name - the argument name used in errors
 * @throws {@link ArgumentError} naming the bad entry
 * @example
 * ```ts
 * parseAddress('10.0.0.5'); // { host: '10.0.0.5', port: 7711 }
 * parseAddress('[::1]:7712'); // { host: '::1', port: 7712 }
 * parseAddress('disques://:secret@queue.internal'); // { host: 'queue.internal', port: 7711, password: 'secret', tls: true }
 * ```
 */
export function parseAddress(text: string, name = 'address'): NodeAddress {
  name = argumentName(name, 'address');
  if (typeof text !== 'string' || text.trim() === '')
    throw new ArgumentError(
      name,
      `Expected \`${name}\` to be a node address like host:port, got ${typeof text === 'string' ? `\`${text}\`` : text === null ? 'null' : typeof text}`,
    );
  const entry = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return parseUrl(entry, name);
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close === -1) throw new ArgumentError(name, `Invalid address \`${entry}\`: missing \`]\``);
    host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new ArgumentError(name, `Invalid address \`${entry}\``);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = entry.split(':').length - 1;
    if (colons > 1)
      throw new ArgumentError(name, `Invalid address \`${entry}\`: write IPv6 addresses as [addr]:port`);
    const [h, p] = entry.split(':');
    host = h ?? '';
    portText = p;
  }
  if (host === '' || /\s|\//.test(host)) throw new ArgumentError(name, `Invalid host in \`${entry}\``);
  return { host, port: portText === undefined ? DEFAULT_PORT : port(portText, entry, name) };
}

function parseUrl(text: string, name: string): NodeAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ArgumentError(name, `Invalid URL in \`${name}\``);
  }
  if (url.protocol !== 'disque:' && url.protocol !== 'disques:')
    throw new ArgumentError(
      name,
      `Unsupported URL scheme \`${url.protocol}\` in \`${name}\`: use disque:// or disques://`,
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new ArgumentError(name, `Missing host in the URL given as \`${name}\``);
  const address: NodeAddress = { host, port: url.port === '' ? DEFAULT_PORT : port(url.port, host, name) };
  if (url.password !== '') {
    try {
      address.password = decodeURIComponent(url.password);
    } catch {
      // Never quote it: it is a password.
      throw new ArgumentError(
        name,
        `Invalid percent-encoding in the password of the URL given as \`${name}\``,
      );
    }
  }
  if (url.protocol === 'disques:') address.tls = true;
  return address;
}

/**
 * Parses a node list such as `DISQUE_NODES`: addresses separated by commas (or spaces).
 * @param text - the list
 * @param name - the argument name used in errors
 * @throws {@link ArgumentError} naming the first bad entry, or when the list is empty
 * @example
 * ```ts
 * parseNodeList('10.0.0.5:7711,10.0.0.6'); // [{ host: '10.0.0.5', port: 7711 }, { host: '10.0.0.6', port: 7711 }]
 * parseNodeList(process.env.DISQUE_NODES ?? '127.0.0.1:7711');
 * ```
 */
export function parseNodeList(text: string, name = 'DISQUE_NODES'): NodeAddress[] {
  name = argumentName(name, 'DISQUE_NODES');
  if (typeof text !== 'string')
    throw new ArgumentError(name, `Expected \`${name}\` to be a string of host:port entries`);
  const entries = text.split(/[,\s]+/).filter((e) => e !== '');
  if (entries.length === 0)
    throw new ArgumentError(name, `\`${name}\` lists no nodes: expected host:port[,host:port…]`);
  return entries.map((entry, i) => parseAddress(entry, `${name}[${i}]`));
}
