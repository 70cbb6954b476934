/**
 * Guards that turn raw RESP2 replies (as ioredis hands them over with `stringNumbers`, in Buffer
 * mode or not) into plain values, and fail with a clear error when the shape is not Disque's.
 * @module
 */

import { DisqueError } from './errors.js';

/**
 * A raw RESP2 reply: simple/bulk strings arrive as string or Buffer, integers as decimal strings.
 * What {@link Connection.call} resolves to, and what a {@link Command}'s `reply` parses.
 *
 * @example
 * ```ts
 * const raw: RawReply = await conn.call('QLEN', 'emails'); // '3'
 * const len = QLEN.reply(raw); // 3
 * ```
 */
export type RawReply = string | Buffer | number | bigint | null | RawReply[];

/**
 * A reply that is not of the shape Disque documents (a broken or foreign server, or a proxy in the
 * way).
 *
 * @example
 * ```ts
 * QLEN.reply(['not', 'a', 'number']); // throws ProtocolError: Unexpected reply: expected an integer, got an array of 3
 * ```
 */
export class ProtocolError extends DisqueError {
  override name = 'ProtocolError';
  constructor(message: string, command?: string) {
    super('PROTOCOL', message, { command });
  }
}

function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return `an array of ${raw.length}`;
  if (Buffer.isBuffer(raw)) return 'a bulk string';
  return typeof raw;
}

/** Throws a {@link ProtocolError}: `what` was expected, `raw` came. */
export function unexpected(what: string, raw: unknown): never {
  throw new ProtocolError(`Unexpected reply: expected ${what}, got ${describe(raw)}`);
}

/** A string reply (simple or bulk). */
export function asString(raw: RawReply): string {
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  return unexpected('a string', raw);
}

/** A string or null bulk. */
export function asNullableString(raw: RawReply): string | null {
  return raw === null ? null : asString(raw);
}

/** A bulk string as bytes. */
export function asBuffer(raw: RawReply): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  return unexpected('a bulk string', raw);
}

/** An integer reply that fits a double exactly (counters, lengths). */
export function asInteger(raw: RawReply): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    const n = Number(raw.toString());
    if (Number.isInteger(n)) return n;
  }
  return unexpected('an integer', raw);
}

/** An integer reply that may exceed 2^53 (SHOW `ctime`). */
export function asBigInt(raw: RawReply): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    const text = raw.toString();
    if (/^-?\d+$/.test(text)) return BigInt(text);
  }
  return unexpected('an integer', raw);
}

/** An integer or a null bulk. */
export function asNullableInteger(raw: RawReply): number | null {
  return raw === null ? null : asInteger(raw);
}

/** An array reply. `null` (a null array) becomes `[]` when `nullAsEmpty`. */
export function asArray(raw: RawReply, nullAsEmpty = false): RawReply[] {
  if (Array.isArray(raw)) return raw;
  if (raw === null && nullAsEmpty) return [];
  return unexpected('an array', raw);
}

/** A flat `[key, value, key, value…]` array as a Map, keys as strings, order kept. */
export function pairs(raw: RawReply): Map<string, RawReply> {
  const items = asArray(raw);
  if (items.length % 2 !== 0) unexpected('a key/value array', raw);
  const map = new Map<string, RawReply>();
  for (let i = 0; i < items.length; i += 2) map.set(asString(items[i] as RawReply), items[i + 1] as RawReply);
  return map;
}

/** `"additional-deliveries"` → `"additionalDeliveries"`. */
export function camelCase(key: string): string {
  return key.replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A reply value kept as it came, for fields this version does not know (a newer server): see the
 * `extra` of {@link JobInfo} and {@link QueueStat}.
 *
 * @example
 * ```ts
 * const info = await conn.show(id);
 * const extra: Readonly<Record<string, ReplyValue>> = info?.extra ?? {}; // {} on Disque 1.0
 * ```
 */
export type ReplyValue = string | number | bigint | null | ReplyValue[];

/** Converts a raw value of an unknown field into a plain value (Buffers become strings). */
export function plain(raw: RawReply): ReplyValue {
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  if (Array.isArray(raw)) return raw.map(plain);
  return raw;
}

/** The fields of `map` not in `known`, camelCased, for `extra`. */
export function extraFields(
  map: Map<string, RawReply>,
  known: ReadonlySet<string>,
): Record<string, ReplyValue> {
  const extra: Record<string, ReplyValue> = {};
  for (const [key, value] of map) if (!known.has(key)) extra[camelCase(key)] = plain(value);
  return extra;
}
