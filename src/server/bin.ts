#!/usr/bin/env node
/**
 * `disque-ts-server [/path/to/disque.conf] [--directive value ...] [--nodes N]`: a drop-in
 * `disque-server` (see server-args.ts), running until SIGINT/SIGTERM.
 */
import { parseServerArgs, SERVER_USAGE } from './server-args.js';
import { runServer } from './run-server.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseServerArgs(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${SERVER_USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${SERVER_USAGE}\n`);
    return;
  }
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const server = await runServer(args, out);
  // With a logfile (as disque-server configs have), stdout stays quiet: the log says it all.
  if (args.settings.logfile === '' || server.nodes.length > 1) {
    for (const n of server.nodes) out(`disque-ts-server: node ${n.nodeId} listening on ${n.host}:${n.port}`);
  }
  if (server.nodes.length > 1)
    out(`DISQUE_NODES=${server.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);
  // Timers of the server are unref'd: keep the process alive until a signal arrives.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // Started by startCluster({ processes: true }): die with the parent (its end of stdin closes).
  if (process.env['DISQUE_TS_EXIT_WITH_STDIN'] === '1') {
    process.stdin.on('end', shutdown);
    process.stdin.on('close', shutdown);
    process.stdin.resume();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`disque-ts-server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
