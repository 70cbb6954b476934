/**
 * JSON that keeps Buffers and bigints: a Buffer is written as `{"$b": base64}`, a bigint as
 * `{"$n": "123"}`. The AOF's line format (persistence.ts); human-readable, so a damaged file can
 * be inspected and cut at its last good line.
 * @internal
 */

/** Serializes a value, Buffers and bigints tagged. @internal */
export function toTaggedJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (Buffer.isBuffer(raw)) return { $b: raw.toString('base64') };
    if (typeof raw === 'bigint') return { $n: raw.toString() };
    return v;
  });
}

/** The reverse of {@link toTaggedJson}; throws on malformed JSON. @internal */
export function fromTaggedJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null) {
      const o = value as { $b?: unknown; $n?: unknown };
      if (typeof o.$b === 'string') return Buffer.from(o.$b, 'base64');
      if (typeof o.$n === 'string') return BigInt(o.$n);
    }
    return value;
  });
}
