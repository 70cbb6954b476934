#!/usr/bin/env node
/**
 * `disque-ts-server --port 7711 [--host 127.0.0.1] [--nodes N] [--password x]`: runs the embedded
 * Disque-compatible server until SIGINT/SIGTERM.
 */
import { parseCliArgs, runCli, USAGE } from './cli.js';

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const stop = await runCli(opts, (line) => process.stdout.write(`${line}\n`));
  // Timers of the server are unref'd: keep the process alive until a signal arrives.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const shutdown = (): void => {
    clearInterval(keepAlive);
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`disque-ts-server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
