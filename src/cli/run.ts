/**
 * `disque-ts`, the command line: {@link run} parses the arguments, runs one command and returns
 * the exit code. bin.ts wires it to the process; tests call it in-process.
 * @internal
 * @module
 */
import { connect, type Jobs } from '../jobs.js';
import { ArgumentError, DisqueError, NoNodeAvailableError } from '../errors.js';
import { parseArgs, splitCommand, UsageError } from './args.js';
import { EXIT, type CliCommand, type CliIo, type Context } from './command.js';
import { commandHelp, GLOBAL_OPTIONS, mainHelp } from './help.js';
import { toJson } from './format.js';
import { statusCommand } from './commands/status.js';
import { topCommand } from './commands/top.js';
import { addCommand } from './commands/add.js';
import { peekCommand } from './commands/peek.js';
import { getCommand } from './commands/get.js';
import { ackCommand } from './commands/ack.js';
import { pauseCommand } from './commands/pause.js';
import { jobsCommand } from './commands/jobs.js';
import { meetCommand } from './commands/meet.js';
import { serverCommand } from './commands/server.js';
import { dashboardCommand } from './commands/dashboard.js';

export type { CliIo, KeyInput } from './command.js';

/** Every command, in the order `--help` lists them. @internal */
export const COMMANDS: readonly CliCommand[] = [
  statusCommand,
  topCommand,
  addCommand,
  peekCommand,
  getCommand,
  ackCommand,
  pauseCommand,
  jobsCommand,
  meetCommand,
  serverCommand,
  dashboardCommand,
];

function exitCode(err: unknown, signal: AbortSignal | undefined): number {
  if (err instanceof UsageError || err instanceof ArgumentError) return EXIT.usage;
  if (err instanceof NoNodeAvailableError) return EXIT.unreachable;
  if (signal?.aborted) return EXIT.interrupted;
  return EXIT.failed;
}

function report(err: unknown, io: CliIo, json: boolean, command: string | undefined): void {
  const e = err instanceof Error ? err : new Error(String(err));
  if (json) {
    const code = e instanceof DisqueError ? e.code : e instanceof UsageError ? 'USAGE' : undefined;
    io.stderr(`${toJson({ error: { name: e.name, code, message: e.message } })}\n`);
    return;
  }
  io.stderr(`disque-ts: ${e instanceof UsageError ? '' : `${e.name}: `}${e.message}\n`);
  if (e instanceof UsageError || e instanceof ArgumentError)
    io.stderr(`Run 'disque-ts ${command ?? ''}${command ? ' ' : ''}--help' for usage.\n`);
}

/**
 * Runs `disque-ts` with these arguments (without `node` and the script) and resolves to the exit
 * code: 0 ok, 1 the operation failed, 2 bad usage, 3 no node reachable, 130 interrupted.
 * Never throws; everything is written to `io`.
 * @internal
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  let json = argv.includes('--json');
  let name: string | undefined;
  let jobs: Jobs<string> | undefined;
  try {
    const global = splitCommand(argv, GLOBAL_OPTIONS);
    const first = global.command;
    const rest = first === 'help' ? global.rest.slice(1) : global.rest;
    name = first === 'help' ? global.rest[0] : first;
    if (name === undefined) {
      if (global.options['help'] === true || first === 'help') {
        io.stdout(mainHelp(COMMANDS));
        return EXIT.ok;
      }
      io.stderr(mainHelp(COMMANDS));
      return EXIT.usage;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      name = undefined; // the help to suggest is the main one: `frobnicate --help` does not exist
      throw new UsageError(
        `Unknown command \`${first === 'help' ? global.rest[0] : first}\`; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    if (first === 'help') {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    // The command's own options win over global ones of the same name (server --nodes N).
    const local = parseArgs(rest, { ...GLOBAL_OPTIONS, ...command.options });
    const options = { ...global.options, ...local.options };
    json = options['json'] === true;
    if (options['help'] === true) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    const [min, max] = command.arity;
    const count = local.positionals.length;
    if (count < min || count > max)
      throw new UsageError(
        `\`${command.name}\` takes ${min === max ? min : count < min ? `at least ${min}` : `at most ${max}`} argument${(count < min ? min : max) === 1 ? '' : 's'}: disque-ts ${command.name} ${command.usage}`,
      );
    const ownNodes = 'nodes' in command.options;
    const nodesOption = ownNodes ? global.options['nodes'] : options['nodes'];
    const nodes = typeof nodesOption === 'string' ? nodesOption : env['DISQUE_NODES'] || undefined;
    const password =
      typeof options['password'] === 'string' ? options['password'] : env['DISQUE_PASSWORD'] || undefined;
    const ctx: Context = {
      args: local.positionals,
      options,
      io,
      json,
      nodes,
      password,
      out: (...lines) => io.stdout(lines.map((l) => `${l}\n`).join('')),
      async jobs() {
        if (!jobs) {
          jobs = connect({
            nodes: nodes ?? '127.0.0.1:7711',
            ...(password === undefined ? {} : { password }),
            connectTimeout: 2000,
            retries: 2,
            maxRetryDelay: 500,
          });
          await jobs.pool.ready();
        }
        return jobs;
      },
    };
    return await command.run(ctx);
  } catch (err) {
    report(err, io, json, name);
    return exitCode(err, io.signal);
  } finally {
    await jobs?.close().catch(() => undefined);
  }
}
