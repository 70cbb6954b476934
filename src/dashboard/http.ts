/**
 * Small HTTP helpers of the dashboard: answers with the secure headers, JSON bodies with a limit.
 * @internal
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArgumentError } from '../errors.js';
import { secureHeaders } from './security.js';

/** Sends a complete answer. @internal */
export function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  secureHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** Sends JSON (bigints as strings). @internal */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(
    res,
    status,
    'application/json; charset=utf-8',
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  );
}

/** A request body that went over the limit. @internal */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** Reads the request body, up to `limit` bytes. @internal */
export function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Over the limit: stop keeping it, answer at once (413), and let the rest drain unread.
      if (size > limit) reject(new BodyTooLargeError(`request body over ${limit} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Reads a JSON object body (Content-Type application/json only). @internal */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
    throw new ArgumentError('body', 'Expected a JSON body (Content-Type: application/json)');
  let value: unknown;
  try {
    value = JSON.parse((await readBody(req)).toString('utf8'));
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw err;
    throw new ArgumentError('body', 'Expected the body to be valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ArgumentError('body', 'Expected the body to be a JSON object');
  return value as Record<string, unknown>;
}
