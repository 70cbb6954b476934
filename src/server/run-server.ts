/**
 * Runs what {@link parseServerArgs} parsed: one node in this process (a drop-in `disque-server`:
 * TCP cluster bus, nodes.conf and AOF in `dir`, logfile, DISQUE_MEET), or with `--nodes N` a
 * cluster of N node processes. Shared by `disque-ts-server` and `disque-ts server`.
 * @internal
 */
import dns from 'node:dns/promises';
import fs from 'node:fs';
import path from 'node:path';
import { defaultSettings } from './config.js';
import { resolveServerOptions } from './options.js';
import { respCall } from './resp-call.js';
import type { ServerArgs } from './server-args.js';
import { startCluster } from './start-cluster.js';
import { advertisedHost, createNode, EmbeddedNode } from './start-server.js';

/** A running server, as the command lines print it. @internal */
export interface RunningServer {
  readonly nodes: readonly { readonly nodeId: string; readonly host: string; readonly port: number }[];
  close(): Promise<void>;
}

const LEVELS = ['debug', 'verbose', 'notice', 'warning'];

/** Disque-style log lines (`pid:M 03 Dec 09:30:00.123 * text`) to the logfile or `fallback`. */
export function makeLogger(
  file: string | undefined,
  level: string,
  fallback: (line: string) => void,
): (lvl: string, text: string) => void {
  const min = LEVELS.indexOf(level);
  return (lvl, text) => {
    if (LEVELS.indexOf(lvl) < min) return;
    const d = new Date();
    const stamp = `${d.toUTCString().slice(5, 11)} ${d.toISOString().slice(11, 23)}`;
    const mark = lvl === 'warning' ? '#' : lvl === 'notice' ? '*' : lvl === 'verbose' ? '-' : '.';
    const line = `${process.pid}:M ${stamp} ${mark} ${text}`;
    if (file === undefined) fallback(line);
    else {
      try {
        fs.appendFileSync(file, `${line}\n`);
      } catch {
        fallback(line);
      }
    }
  };
}

/**
 * DISQUE_MEET: waits until each peer's name resolves and it answers, then meets it, retrying
 * forever in the background (a compose file starts every container at once).
 */
function meetWhenUp(
  node: EmbeddedNode,
  addrs: readonly string[],
  password: string | undefined,
  log: (l: string, t: string) => void,
): void {
  for (const addr of addrs) {
    const i = addr.lastIndexOf(':');
    const hasPort = i > 0 && /^\d+$/.test(addr.slice(i + 1));
    const name = hasPort ? addr.slice(0, i) : addr;
    const port = hasPort ? Number(addr.slice(i + 1)) : 7711;
    const attempt = async (): Promise<void> => {
      while (!node.closed) {
        try {
          const { address } = await dns.lookup(name, { family: 4 });
          await respCall(address, port, ['PING'], password, 1000);
          node.node.cluster.meet(address, port);
          log('notice', `Meeting ${name} (${address}:${port})`);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 500).unref());
        }
      }
    };
    void attempt();
  }
}

/** Starts one node in this process from the parsed settings. @internal */
export async function runSingleNode(args: ServerArgs, out: (line: string) => void): Promise<RunningServer> {
  const s = args.settings;
  const dir = path.resolve(s.dir);
  fs.mkdirSync(dir, { recursive: true });
  const logfile = s.logfile === '' ? undefined : path.resolve(dir, s.logfile);
  const log = makeLogger(logfile, s.loglevel, out);
  for (const w of args.warnings) log('warning', w);
  const options = resolveServerOptions({
    host: s.bind,
    port: s.port,
    password: s.requirepass === '' ? undefined : s.requirepass,
    nodeTimeout: s.clusterNodeTimeout,
    maxMemory: s.maxmemory,
    dir,
    appendonly: s.appendonly,
    appendfsync: s.appendfsync,
    clusterBus: 'tcp',
    configFile: args.configFile === undefined ? undefined : path.resolve(args.configFile),
  });
  const node = createNode(options);
  node.settings = {
    ...node.settings,
    logfile: s.logfile,
    loglevel: s.loglevel,
    maxmemoryPolicy: s.maxmemoryPolicy,
    dir,
    clusterPort: s.clusterPort,
    bindSourceAddr: s.bindSourceAddr,
  };
  const embedded = new EmbeddedNode(node);
  await embedded.listen(options.host, options.port);
  if (node.cluster.myself.host === '') node.cluster.myself.host = advertisedHost(options.host);
  log(
    'notice',
    `Node ${node.id} (disque-ts embedded server) ready, port ${node.port}, cluster bus port ${s.clusterPort !== 0 ? s.clusterPort : node.port + 10000}`,
  );
  if (node.persistence?.aofEnabled === true) log('notice', `AOF loaded: ${node.jobs.size} jobs`);
  meetWhenUp(embedded, args.meet, options.password, log);
  return {
    nodes: [{ nodeId: node.id, host: options.host, port: node.port }],
    close: () => embedded.close(),
  };
}

/** Starts what the command line asks for: one node here, or N node processes. @internal */
export async function runServer(args: ServerArgs, out: (line: string) => void): Promise<RunningServer> {
  if (args.nodes === 1) return runSingleNode(args, out);
  const s = args.settings;
  const defaults = defaultSettings();
  for (const w of args.warnings) out(`warning: ${w}`);
  const ports = s.port === 0 ? undefined : Array.from({ length: args.nodes }, (_, i) => s.port + i);
  const c = await startCluster({
    nodes: args.nodes,
    processes: true,
    host: s.bind,
    ...(ports !== undefined ? { ports } : {}),
    ...(s.requirepass !== '' ? { password: s.requirepass } : {}),
    nodeTimeout: s.clusterNodeTimeout,
    maxMemory: s.maxmemory,
    ...(s.dir !== defaults.dir ? { dir: path.resolve(s.dir) } : {}),
    ...(s.appendonly ? { appendonly: true, appendfsync: s.appendfsync } : {}),
  });
  return { nodes: c.nodes, close: () => c.close() };
}
