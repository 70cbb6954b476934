/**
 * What every `disque-ts` command is given and must provide.
 * @internal
 * @module
 */
import type { Jobs } from '../jobs.js';
import type { OptionSpecs } from './args.js';

/** Keyboard input, for `top` (q to quit): `process.stdin` or a stand-in. @internal */
export interface KeyInput {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
  setRawMode?(mode: boolean): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * Where the CLI reads and writes: the process (see bin.ts), or a test.
 * @internal
 */
export interface CliIo {
  /** Writes to standard output (text is written as is: lines end with `\n`). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Environment (`DISQUE_NODES`, `DISQUE_PASSWORD`). @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Whether stdout is a terminal: `top` refreshes in place only then. */
  isTTY?: boolean | undefined;
  /** Terminal height, to fit `top` on screen. */
  rows?: number | undefined;
  /** Keys typed (`top` quits on q and Ctrl-C). */
  stdin?: KeyInput | undefined;
  /** Aborted on Ctrl-C / SIGTERM: `top`, `server` and a waiting `get` stop. */
  signal?: AbortSignal | undefined;
}

/** What a command runs with. @internal */
export interface Context {
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  /** Options, global and the command's. */
  readonly options: Readonly<Record<string, string | boolean>>;
  readonly io: CliIo;
  /** `--json`: print JSON for scripts. */
  readonly json: boolean;
  /** The node list (`--nodes`, `DISQUE_NODES`), if any. */
  readonly nodes: string | undefined;
  /** The password (`--password`, `DISQUE_PASSWORD`), if any. */
  readonly password: string | undefined;
  /** Prints lines to stdout. */
  out(...lines: string[]): void;
  /** A client connected to the cluster (exit code 3 if no node answers); closed after the command. */
  jobs(): Promise<Jobs<string>>;
}

/** A `disque-ts` command. @internal */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Arguments after the name, for the usage line (`<queue> <body>`). */
  readonly usage: string;
  /** What it does, printed by `--help`. */
  readonly description: string;
  readonly options: OptionSpecs;
  /** How many positional arguments it takes. */
  readonly arity: readonly [min: number, max: number];
  run(ctx: Context): Promise<number>;
}

/** Exit codes. @internal */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;
