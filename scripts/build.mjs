#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with declarations, using tsc only.
// dist/cjs gets a package.json saying "commonjs", since the package itself is "type": "module".
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.json', 'tsconfig.cjs.json'])
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
fs.writeFileSync(path.join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
for (const bin of [
  ['server', 'bin.js'],
  ['cli', 'bin.js'],
])
  fs.chmodSync(path.join(root, 'dist', 'cjs', ...bin), 0o755);
console.log('built dist/esm and dist/cjs');
