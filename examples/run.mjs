#!/usr/bin/env node
// Runs an example: `node examples/run.mjs <name> [arguments]` (`npm run demo` runs `demo`).
// Compiles src/ and examples/ with tsconfig.examples.json (incrementally: fast when nothing
// changed) into node_modules/.cache/disque-ts-examples, then runs the example's compiled file.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [name = 'demo', ...args] = process.argv.slice(2);
const source = path.join(root, 'examples', `${name}.ts`);
if (!fs.existsSync(source)) {
  const names = fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.ts') && f !== 'local-disque.ts')
    .map((f) => f.slice(0, -3));
  console.error(`No example \`${name}\`. Examples: ${names.join(', ')}`);
  process.exit(2);
}
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const cache = path.join(root, 'node_modules', '.cache', 'disque-ts-examples');
// The first compilation takes a while (about 10 s on a small VM): say so rather than sit silent.
const first = !fs.existsSync(path.join(cache, '.tsbuildinfo'));
const compiling = Date.now();
console.error(
  first
    ? 'Compiling src/ and examples/ with tsc (first run: about 10 s; later runs reuse it)…'
    : 'Compiling what changed in src/ and examples/…',
);
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.examples.json')], {
    stdio: 'inherit',
  });
} catch {
  process.exit(1);
}
console.error(`Compiled in ${((Date.now() - compiling) / 1000).toFixed(1)} s; running ${name}.\n`);
const compiled = path.join(cache, 'examples', `${name}.js`);
const child = spawn(process.execPath, [compiled, ...args], { stdio: 'inherit' });
// Ctrl-C reaches the child too (same process group): let it shut down by itself.
process.on('SIGINT', () => undefined);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
