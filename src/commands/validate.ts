import { ArgumentError } from '../errors.js';
import { isJobId } from '../job-id.js';

/**
 * Argument checks shared by the command builders. Each throws an {@link ArgumentError} naming the
 * argument, before anything is sent, with p-queue's wording: "Expected `x` to be …, got `v` (type)".
 * @internal
 * @module
 */

/** A value shown in an error message: short, and never a whole body. */
function show(value: unknown): string {
  if (typeof value === 'string')
    return `\`${value.length > 60 ? `${value.slice(0, 60)}…` : value}\` (string)`;
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (typeof value === 'bigint') return `\`${value}n\` (bigint)`;
  if (value === null) return '`null`';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `\`${String(value)}\` (${typeof value})`;
}

/** Throws the standard ArgumentError for `name`. */
export function fail(name: string, expected: string, value: unknown): never {
  throw new ArgumentError(name, `Expected \`${name}\` to be ${expected}, got ${show(value)}`);
}

/** A queue name: a non-empty string or Buffer. */
export function queueName(name: string, value: unknown): string | Buffer {
  if ((typeof value === 'string' || Buffer.isBuffer(value)) && value.length > 0) return value;
  return fail(name, 'a non-empty string', value);
}

/** A non-empty list of queue names. */
export function queueList(name: string, value: unknown): (string | Buffer)[] {
  if (!Array.isArray(value) || value.length === 0)
    return fail(name, 'a non-empty list of queue names', value);
  // Array.from visits the holes of a sparse array (as undefined), which map() would skip.
  return Array.from(value as unknown[], (q, i) => queueName(`${name}[${i}]`, q));
}

/** A job body: a string or a Buffer (empty is allowed, as in Disque). */
export function body(name: string, value: unknown): string | Buffer {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  return fail(name, 'a string or a Buffer', value);
}

/** A job id of the shape the server accepts (`D-`, 40 characters, dashes at 10 and 35). */
export function jobId(name: string, value: unknown): string {
  if (typeof value === 'string' && isJobId(value)) return value;
  return fail(name, 'a Disque job id (D-xxxxxxxx-…-xxxx, 40 characters)', value);
}

/** A list of job ids (may be empty: Disque answers 0). */
export function jobIds(name: string, value: readonly unknown[]): string[] {
  // Acks pass hundreds of ids: check them without building a name per id, or copying the list.
  for (let i = 0; i < value.length; i++) {
    const id = value[i];
    if (typeof id !== 'string' || !isJobId(id)) jobId(`${name}[${i}]`, id);
  }
  return value as string[];
}

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
  return fail(name, `an integer ${range}`, value);
}

/** A duration in milliseconds: a non-negative integer (0 allowed unless `min` says otherwise). */
export function millis(name: string, value: unknown, min = 0): number {
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= min &&
    value <= Number.MAX_SAFE_INTEGER
  )
    return value;
  return fail(name, `a whole number of milliseconds >= ${min}`, value);
}

/**
 * The one rule from milliseconds to the whole seconds Disque keeps DELAY, RETRY and TTL in:
 * validates `value` as a whole number of milliseconds >= `min` and rounds **up**, so a positive
 * value never becomes 0 (RETRY 0 would mean at-most-once, and TTL 0 is refused): 1 ms → 1 s,
 * 1000 ms → 1 s, 1001 ms → 2 s. With `exact` (the `Jobs` options), a value the rounding would
 * change is refused instead, naming the argument and what it would have become.
 *
 * @example
 * ```ts
 * seconds('options.retry', 1500); // 2
 * seconds('retry', 1500, { exact: true }); // ArgumentError: would become 2 s
 * ```
 */
export function seconds(name: string, value: unknown, { min = 0, exact = false } = {}): number {
  const ms = millis(name, value, min);
  const s = Math.ceil(ms / 1000);
  if (exact && s * 1000 !== ms)
    throw new ArgumentError(
      name,
      `Expected \`${name}\` to be whole seconds in ms (Disque keeps it in seconds): ${ms} ms would become ${s} s`,
    );
  return s;
}

/** A boolean flag. */
export function flag(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return fail(name, 'a boolean', value);
}

/** An options object whose keys are all known. */
export function options<T extends object>(
  name: string,
  value: unknown,
  known: readonly string[],
): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail(name, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw new ArgumentError(
        `${name}.${key}`,
        `Unknown option \`${key}\` in \`${name}\`; expected one of ${known.join(', ')}`,
      );
  }
  return value as Partial<T>;
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  return fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
}
