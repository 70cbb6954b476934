#!/usr/bin/env node
/**
 * The `disque-ts` executable: runs {@link run} on the process's arguments and streams.
 * @internal
 * @module
 */
import { run } from './run.js';

const controller = new AbortController();
const stop = (): void => controller.abort();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

void run(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  rows: process.stdout.rows,
  stdin: process.stdin.isTTY ? process.stdin : undefined,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  // Should anything still hold the event loop, do not hang a shell script on it.
  setTimeout(() => process.exit(code), 1000).unref();
});
