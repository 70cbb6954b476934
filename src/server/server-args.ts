/**
 * The command line of `disque-ts-server` and `disque-ts server` (one parser for both):
 * `[CONFIGFILE] [--directive value ...]` as `disque-server` takes it, `DISQUE_*` environment
 * variables, and the embedded server's own options (`--nodes N`, and the short aliases
 * `--host`, `--password`, `--node-timeout`, `-p`, `-h`, `-n`).
 * @internal
 */
import {
  applyDirectives,
  defaultSettings,
  directivesFromArgv,
  directivesFromEnv,
  readConfigFile,
  type Directive,
  type ServerSettings,
} from './config.js';

/** What the command line asks for. @internal */
export interface ServerArgs {
  readonly settings: ServerSettings;
  /** Absolute path of the config file, if one was given. */
  readonly configFile: string | undefined;
  /** Number of nodes (one process each when more than one). */
  readonly nodes: number;
  /** Addresses from DISQUE_MEET / --meet to wait for and meet. */
  readonly meet: readonly string[];
  readonly help: boolean;
  /** Unknown directives, one message each (warned about, not fatal). */
  readonly warnings: readonly string[];
}

/** @internal */
export const SERVER_USAGE = `Usage: disque-ts-server [/path/to/disque.conf] [--directive value ...] [--nodes N]

Runs a Disque-compatible node (a development and test server). Takes what disque-server takes:
a config file and/or --port 7711 --bind 127.0.0.1 --dir ./data --appendonly yes ... and every
directive as DISQUE_<NAME> in the environment (DISQUE_PORT=3456 is --port 3456).
DISQUE_MEET="host-2 host-3:7712" (or --meet ...) waits for those peers and meets them.
--nodes N starts N node processes on consecutive ports, joined into one cluster.
Aliases: --host (bind), --password (requirepass), --node-timeout (cluster-node-timeout).
Directives: port bind dir logfile loglevel daemonize cluster-node-timeout appendonly
appendfsync requirepass maxmemory maxmemory-policy.`;

const ALIASES: Record<string, string> = {
  host: 'bind',
  password: 'requirepass',
  'node-timeout': 'cluster-node-timeout',
};

function positiveInt(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < min || n > max) {
    throw new TypeError(`Expected ${name} to be an integer between ${min} and ${max}, got \`${String(v)}\``);
  }
  return n;
}

/**
 * Parses the command line (without node and script) and the environment. Throws a TypeError
 * naming the option for a bad value; unknown directives come back as `warnings`.
 * @internal
 */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ServerArgs {
  let configFile: string | undefined;
  let rest = [...argv];
  if (rest.length > 0 && !rest[0]!.startsWith('-')) {
    configFile = rest[0];
    rest = rest.slice(1);
  }
  // Short flags of the old command line.
  rest = rest.map((a) => (a === '-p' ? '--port' : a === '-h' ? '--host' : a === '-n' ? '--nodes' : a));
  let nodes = 1;
  let help = false;
  const meet: string[] = splitMeet(env['DISQUE_MEET']);
  const directives: Directive[] = [];
  for (const d of directivesFromArgv(rest)) {
    const name = ALIASES[d.name] ?? d.name;
    if (name === 'nodes') {
      nodes = positiveInt('--nodes', d.args[0], 1, 64);
      if (d.args.length !== 1) throw new TypeError('Expected --nodes to be followed by one number');
    } else if (name === 'help') help = true;
    else if (name === 'meet') meet.push(...d.args.flatMap((a) => splitMeet(a)));
    else {
      if (d.args.length === 0) throw new TypeError(`Expected --${d.name} to be followed by a value`);
      directives.push({ ...d, name });
    }
  }
  const settings = defaultSettings();
  const warnings = [
    ...(configFile !== undefined ? applyDirectives(settings, readConfigFile(configFile)) : []),
    ...applyDirectives(settings, directivesFromEnv(env)),
    ...applyDirectives(settings, directives),
  ];
  return { settings, configFile, nodes, meet, help, warnings };
}

function splitMeet(v: string | undefined): string[] {
  return (v ?? '').split(/[\s,]+/).filter((a) => a !== '');
}

/**
 * The options `disque-ts server` declares to its own option parser (each forwarded as
 * `--name value` to {@link parseServerArgs}), with their help lines.
 * @internal
 */
export const SERVER_DIRECTIVE_OPTIONS: Readonly<Record<string, string>> = {
  nodes: 'number of node processes (default 1)',
  port: 'port of the first node (default 7711; 0 = any free)',
  host: 'interface to listen on (alias of --bind; default 127.0.0.1)',
  bind: 'interface to listen on',
  dir: 'where nodes.conf and the AOF live (node i of --nodes N: dir/node-i)',
  logfile: 'log file, relative to dir (default stdout)',
  loglevel: 'debug, verbose, notice, warning',
  'cluster-node-timeout': 'ms before an unreachable node is flagged PFAIL (default 15000)',
  'node-timeout': 'alias of --cluster-node-timeout',
  appendonly: 'yes: keep jobs in an AOF in dir, replayed at start',
  appendfsync: 'always, everysec or no',
  requirepass: 'clients must AUTH with this password',
  maxmemory: 'memory limit (bytes, or 100mb, 1gb)',
  'maxmemory-policy': 'acks (the only policy Disque has)',
  meet: 'wait for these peers (host[:port] ...) and meet them',
};
