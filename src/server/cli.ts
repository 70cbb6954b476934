/**
 * The `disque-ts-server` command line: argument parsing and the run loop (bin.ts only calls it).
 * @internal
 */
import { startCluster } from './start-cluster.js';
import { startServer } from './start-server.js';

/** Parsed command line. @internal */
export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly nodes: number;
  readonly password: string | undefined;
  readonly nodeTimeout: number | undefined;
  readonly help: boolean;
}

/** @internal */
export const USAGE = `Usage: disque-ts-server [--port 7711] [--host 127.0.0.1] [--nodes N] [--password secret]
                        [--node-timeout ms]

Starts an embedded Disque-compatible server (N nodes on consecutive ports, already joined)
and runs until SIGINT/SIGTERM. --port 0 picks free ports.`;

function intArg(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min || n > max) {
    throw new TypeError(`Expected ${name} to be an integer between ${min} and ${max}, got \`${String(v)}\``);
  }
  return n;
}

/** Parses `argv` (without node and script). @internal */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let port = 7711;
  let host = '127.0.0.1';
  let nodes = 1;
  let password: string | undefined;
  let nodeTimeout: number | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case '--port':
      case '-p':
        port = intArg('--port', value(), 0, 65535);
        break;
      case '--host':
      case '-h': {
        const v = value();
        if (v === undefined || v === '') throw new TypeError('Expected --host to be followed by an address');
        host = v;
        break;
      }
      case '--nodes':
      case '-n':
        nodes = intArg('--nodes', value(), 1, 64);
        break;
      case '--password':
      case '--requirepass':
        password = value();
        if (password === undefined) throw new TypeError('Expected --password to be followed by a password');
        break;
      case '--node-timeout':
        nodeTimeout = intArg('--node-timeout', value(), 1, 2 ** 31 - 1);
        break;
      case '--help':
        help = true;
        break;
      default:
        throw new TypeError(`Unknown argument \`${String(a)}\``);
    }
  }
  return { port, host, nodes, password, nodeTimeout, help };
}

/** Starts the server(s); resolves with a function that stops them. @internal */
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
