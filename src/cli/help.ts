/**
 * Help texts of `disque-ts`.
 * @internal
 * @module
 */
import type { OptionSpecs } from './args.js';
import type { CliCommand } from './command.js';

/** Options every command accepts. @internal */
export const GLOBAL_OPTIONS: OptionSpecs = {
  nodes: {
    type: 'string',
    value: 'host:port,…',
    description: 'nodes to connect to (default $DISQUE_NODES, else 127.0.0.1:7711)',
  },
  password: {
    type: 'string',
    value: 'secret',
    description: 'password of the nodes (default $DISQUE_PASSWORD)',
  },
  json: { type: 'boolean', description: 'print JSON (for scripts)' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

function optionLines(specs: OptionSpecs): string[] {
  const entries = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ` <${s.value ?? 'value'}>` : ''}`;
    return [flag, s.description] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

const EXIT_CODES = `Exit codes: 0 ok, 1 the operation failed, 2 bad usage, 3 no node reachable, 130 interrupted.`;

/** `disque-ts --help`. @internal */
export function mainHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: disque-ts <command> [arguments] [options]',
    '',
    'A command line for Disque clusters (and the embedded Disque-compatible server).',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    `Run 'disque-ts <command> --help' for the command's own options.`,
    EXIT_CODES,
    '',
  ].join('\n');
}

/** `disque-ts <command> --help`. @internal */
export function commandHelp(command: CliCommand): string {
  const own = Object.keys(command.options);
  const globals = Object.fromEntries(Object.entries(GLOBAL_OPTIONS).filter(([name]) => !own.includes(name)));
  return [
    `Usage: disque-ts ${command.name} ${command.usage}`.trimEnd(),
    '',
    command.description,
    '',
    ...(own.length > 0 ? ['Options:', ...optionLines(command.options), ''] : []),
    'Global options:',
    ...optionLines(globals),
    '',
    EXIT_CODES,
    '',
  ].join('\n');
}
