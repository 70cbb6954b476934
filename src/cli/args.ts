/**
 * Command-line parsing for `disque-ts`: options (`--name value`, `--name=value`, `-n value`,
 * `--flag`, `--no-flag`), positionals, and `--` to end options.
 * @internal
 * @module
 */

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

/**
 * Parses `argv` against `specs`. With `stopAtPositional`, parsing stops at the first positional
 * (the command name), which is returned with everything after it in `positionals`.
 * @throws UsageError for an unknown option or a missing value
 * @internal
 */
export function parseArgs(
  argv: readonly string[],
  specs: OptionSpecs,
  { stopAtPositional = false }: { stopAtPositional?: boolean } = {},
): ParsedArgs {
  const options: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(specs).flatMap(([name, s]) => (s.short ? [[s.short, name]] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      if (stopAtPositional) {
        positionals.push(...argv.slice(i));
        break;
      }
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      const long = byShort.get(arg.slice(1, 2));
      if (long === undefined) throw new UsageError(`Unknown option \`${arg}\``);
      name = long;
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    }
    const spec = specs[name];
    if (spec === undefined && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`\`--${name}\` takes no value`);
      options[name.slice(3)] = false;
      continue;
    }
    if (spec === undefined) throw new UsageError(`Unknown option \`--${name}\``);
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`\`--${name}\` takes no value`);
      options[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      throw new UsageError(`\`--${name}\` needs a value${spec.value ? ` (${spec.value})` : ''}`);
    options[name] = value;
  }
  return { options, positionals };
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
