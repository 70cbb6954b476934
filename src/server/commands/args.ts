/**
 * Argument helpers shared by the commands: Disque's number parsing (C `strtoll`/`strtoul` rules)
 * and case-insensitive keywords.
 * @internal
 */

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const ULONG_MAX = 18446744073709551615n;

function isCSpace(c: number | undefined): boolean {
  return c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
}

/** The bytes up to the first NUL, as C string functions see them. */
function cString(b: Buffer): Buffer {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

/** Parses `[+-]digits`; null when the whole string is not consumed. Empty parses as 0 (as in C). */
function parseDecimal(b: Buffer): { neg: boolean; value: bigint } | null {
  const s = cString(b);
  if (isCSpace(s[0])) return null;
  if (s.length === 0) return { neg: false, value: 0n };
  let i = 0;
  let neg = false;
  if (s[0] === 0x2b || s[0] === 0x2d) {
    neg = s[0] === 0x2d;
    i = 1;
  }
  if (i >= s.length) return null;
  let v = 0n;
  for (; i < s.length; i++) {
    const c = s[i] ?? 0;
    if (c < 0x30 || c > 0x39) return null;
    v = v * 10n + BigInt(c - 0x30);
    if (v > ULONG_MAX + 1n) return null;
  }
  return { neg, value: v };
}

/** Disque's `getLongLongFromObject`: a 64-bit signed integer, or null. @internal */
export function parseLongLong(b: Buffer): bigint | null {
  const d = parseDecimal(b);
  if (d === null) return null;
  const v = d.neg ? -d.value : d.value;
  if (v > LLONG_MAX || v < LLONG_MIN) return null;
  return v;
}

/** Like {@link parseLongLong} but as a JS number (values beyond 2^53 lose precision). @internal */
export function parseInteger(b: Buffer): number | null {
  const v = parseLongLong(b);
  return v === null ? null : Number(v);
}

/** Disque's scan cursor parsing (`strtoul`: a leading `-` wraps around). @internal */
export function parseCursor(b: Buffer): bigint | null {
  const d = parseDecimal(b);
  if (d === null || d.value > ULONG_MAX) return null;
  if (!d.neg) return d.value;
  return d.value === 0n ? 0n : ULONG_MAX + 1n - d.value;
}

/** Lowercase keyword text of an argument (for option matching). @internal */
export function keyword(b: Buffer | undefined): string {
  return b === undefined ? '' : b.toString('latin1').toLowerCase();
}

/** The argument as text (node ids, job ids, hosts). @internal */
export function text(b: Buffer | undefined): string {
  return b === undefined ? '' : b.toString('latin1');
}
