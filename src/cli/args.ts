/**
 * Command-line parsing for `disque-ts`, on Node's `util.parseArgs`: options (`--name value`,
 * `--name=value`, `-n value`, `--flag`, `--no-flag`), positionals, and `--` to end options.
 * This module adds the command split (global options, the command name, then its arguments) and
 * usage errors in the CLI's words.
 * @internal
 * @module
 */
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: exit code 2. @internal */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One option a command accepts. @internal */
export interface OptionSpec {
  /** `string` takes a value; `boolean` does not (and has a `--no-…` form). */
  readonly type: 'string' | 'boolean';
  /** A one-letter alias (`-n`). */
  readonly short?: string;
  /** What the value is, for the help text (`ms`, `host:port,…`). */
  readonly value?: string;
  /** One line for the help text. */
  readonly description: string;
}

/** Options by long name. @internal */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A parsed command line. @internal */
export interface ParsedArgs {
  /** Values by long name: strings for value options, booleans for flags. */
  readonly options: Readonly<Record<string, string | boolean>>;
  /** Everything else, in order. */
  readonly positionals: readonly string[];
}

/** The parseArgs options of our specs. */
function nodeOptions(specs: OptionSpecs): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [
      name,
      s.short ? { type: s.type, short: s.short } : { type: s.type },
    ]),
  );
}

/** parseArgs's errors, in the CLI's words (and with the value a string option expects). */
function usageError(err: unknown, specs: OptionSpecs): UsageError {
  const { code, message } = err as { code?: string; message?: string };
  const quoted = /'(-{1,2}[^' ]+)/.exec(message ?? '')?.[1] ?? '';
  const spec = specs[quoted.replace(/^--?/, '')];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`Unknown option \`${quoted}\``);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return spec?.type === 'boolean' || /does not take an argument/.test(message ?? '')
      ? new UsageError(`\`${quoted}\` takes no value`)
      : new UsageError(`\`${quoted}\` needs a value${spec?.value ? ` (${spec.value})` : ''}`);
  return new UsageError(message ?? String(err));
}

/**
 * Parses `argv` against `specs` (strictly: an unknown option or a missing value is a
 * {@link UsageError}).
 * @internal
 */
export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  try {
    const { values, positionals } = nodeParseArgs({
      args: [...argv],
      options: nodeOptions(specs),
      strict: true,
      allowPositionals: true,
      allowNegative: true,
    });
    return { options: values as Record<string, string | boolean>, positionals };
  } catch (err) {
    throw usageError(err, specs);
  }
}

/**
 * Splits a command line at its command name: the options before it (parsed against `globals`),
 * the name, and the rest, unparsed (it is parsed against the command's own options).
 * @internal
 */
export function splitCommand(
  argv: readonly string[],
  globals: OptionSpecs,
): { options: ParsedArgs['options']; command: string | undefined; rest: readonly string[] } {
  // Tokens show where the first positional is, values of `--nodes x` and all.
  const { tokens = [] } = nodeParseArgs({
    args: [...argv],
    options: nodeOptions(globals),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  const at = first === undefined ? argv.length : first.index;
  const { options } = parseArgs(argv.slice(0, at), globals);
  const command = first?.kind === 'positional' ? first.value : argv[at + 1];
  return { options, command, rest: argv.slice(first?.kind === 'positional' ? at + 1 : at + 2) };
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration: a number of milliseconds, or a number with a unit (`250ms`, `30s`, `5m`, `1h`, `2d`).
 * @throws UsageError naming the option
 * @internal
 */
export function parseDuration(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(ms))
    throw new UsageError(`\`${name}\` expects a duration like 1500, 250ms, 30s, 5m or 1h, got \`${text}\``);
  return ms;
}

/**
 * A whole number within bounds.
 * @throws UsageError naming the option
 * @internal
 */
export function parseInteger(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(
      `\`${name}\` expects a whole number ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got \`${text}\``,
    );
  return n;
}
