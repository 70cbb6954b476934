/**
 * What keeps the dashboard safe by default: who may see it (a token, or loopback only), which
 * requests may act (POST + CSRF token + same origin), and the headers every answer carries.
 * @internal
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Host names that reach only this machine. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The strict policy: scripts and styles only from our own files, nothing inline, no frames. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Whether an address or host name reaches only this machine (where the dashboard may run
 * without a token).
 *
 * @example
 * ```ts
 * isLoopback('127.0.0.1'); // true
 * isLoopback('0.0.0.0'); // false: every interface
 * ```
 */
export const isLoopback = (host: string): boolean =>
  LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Compares secrets in constant time (digests first, so lengths leak nothing either). */
function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** The host name of the Host header, without the port. */
function hostName(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

/** Secrets and checks of one dashboard. @internal */
export class Guard {
  /** Per-process key: sessions and CSRF tokens die with the process. */
  readonly #key = randomBytes(32);
  readonly #token: string | undefined;
  readonly #allowedHosts: ReadonlySet<string>;
  readonly #cookie: string;

  constructor(token: string | undefined, allowedHosts: readonly string[], cookiePath: string) {
    this.#token = token;
    this.#allowedHosts = new Set(allowedHosts.map((h) => h.toLowerCase()));
    this.#cookie = cookiePath;
  }

  get tokenRequired(): boolean {
    return this.#token !== undefined;
  }

  #mac(purpose: string): string {
    return createHmac('sha256', this.#key).update(purpose).digest('base64url');
  }

  /** The CSRF token the page carries and every action must send back (X-CSRF-Token). */
  get csrfToken(): string {
    return this.#mac('csrf');
  }

  /**
   * Whether the Host header is acceptable. Without a token, only loopback names (and
   * `allowedHosts`) are: a DNS-rebinding page on another name cannot read the dashboard.
   */
  hostAllowed(req: IncomingMessage): boolean {
    const name = hostName(req);
    if (this.#allowedHosts.has(name)) return true;
    return this.#token !== undefined || LOOPBACK_HOSTS.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name);
  }

  /** Whether the request is authenticated: no token configured, a Bearer token, or a session cookie. */
  authenticated(req: IncomingMessage): boolean {
    if (this.#token === undefined) return true;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && sameSecret(auth.slice(7).trim(), this.#token)) return true;
    const session = cookies(req).get('disque_dashboard');
    return session !== undefined && sameSecret(session, this.#mac('session'));
  }

  /** Checks a login attempt; on success sets the session cookie (HttpOnly, SameSite=Strict). */
  login(token: string, res: ServerResponse, secure: boolean): boolean {
    if (this.#token === undefined || !sameSecret(token, this.#token)) return false;
    res.setHeader(
      'Set-Cookie',
      `disque_dashboard=${this.#mac('session')}; Path=${this.#cookie}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
    );
    return true;
  }

  /**
   * Why a state-changing request must be refused, or `undefined` when it may go on: it must come
   * from our own page (CSRF token header, same Origin, same-origin fetch metadata).
   */
  actionRefusal(req: IncomingMessage, checkCsrf = true): string | undefined {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        return 'bad Origin';
      }
      if (host !== req.headers.host) return 'cross-origin request';
    } else if (origin === 'null') return 'cross-origin request';
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'cross-site request';
    if (checkCsrf) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameSecret(sent, this.csrfToken)) return 'missing or wrong CSRF token';
    }
    return undefined;
  }
}

/** Headers every answer carries. @internal */
export function secureHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin'); // no-referrer would make forms send `Origin: null`
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * An error as the page may show it: name and message, with any secret replaced. Disque errors
 * never carry the password; this guards against a message that would.
 * @internal
 */
export function redact(
  err: unknown,
  secrets: readonly (string | undefined)[],
): { name: string; message: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  let message = e.message;
  for (const secret of secrets) if (secret) message = message.split(secret).join('***');
  return { name: e.name, message };
}
