/**
 * The `disque-ts-server` command line: {@link parseServerArgs} (server-args.ts) does the parsing
 * and {@link runServer} (run-server.ts) the running; this file keeps the older, strict entry
 * points (`parseCliArgs`, `runCli`) that take only the embedded server's own options.
 * @internal
 */
import { parseServerArgs, SERVER_USAGE } from './server-args.js';
import { startCluster } from './start-cluster.js';
import { startServer } from './start-server.js';

/** Parsed command line (the strict subset). @internal */
export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly nodes: number;
  readonly password: string | undefined;
  readonly nodeTimeout: number | undefined;
  readonly help: boolean;
}

/** @internal */
export const USAGE = SERVER_USAGE;

/**
 * Parses `argv` (without node and script) with the full parser, and refuses what the strict
 * subset does not model: a config file, or an unknown directive (the bin only warns about those).
 * @internal
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const a = parseServerArgs(argv, {});
  if (a.warnings.length > 0) throw new TypeError(`Unknown argument: ${a.warnings.join('; ')}`);
  if (a.configFile !== undefined) throw new TypeError(`Unknown argument \`${a.configFile}\``);
  const s = a.settings;
  const given = (name: string): boolean => argv.some((x) => x === `--${name}`);
  return {
    port: s.port,
    host: s.bind,
    nodes: a.nodes,
    password: s.requirepass === '' ? undefined : s.requirepass,
    nodeTimeout: given('node-timeout') || given('cluster-node-timeout') ? s.clusterNodeTimeout : undefined,
    help: a.help,
  };
}

/** Starts the server(s) in this process; resolves with a function that stops them. @internal */
export async function runCli(o: CliOptions, log: (line: string) => void): Promise<() => Promise<void>> {
  const common = {
    host: o.host,
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.nodeTimeout !== undefined ? { nodeTimeout: o.nodeTimeout } : {}),
  };
  if (o.nodes === 1) {
    const s = await startServer({ ...common, port: o.port });
    log(`disque-ts-server: node ${s.nodeId} listening on ${s.host}:${s.port}`);
    return () => s.close();
  }
  const ports = o.port === 0 ? undefined : Array.from({ length: o.nodes }, (_, i) => o.port + i);
  const c = await startCluster({ ...common, nodes: o.nodes, ports });
  for (const n of c.nodes) log(`disque-ts-server: node ${n.nodeId} listening on ${n.host}:${n.port}`);
  log(`DISQUE_NODES=${c.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);
  return () => c.close();
}
