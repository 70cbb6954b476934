#!/usr/bin/env node
// Packs the package as npm would publish it, installs the tarball in a scratch project, and
// checks that a consumer can `import` it (ESM), `require` it (CommonJS) and type-check against it
// in both module systems. Run after `npm run build`: `npm run test:exports`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'disque-ts-exports-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
let failed = 0;
const check = (name, fn) => {
  try {
    fn();
    console.log(`ok - ${name}`);
  } catch (err) {
    failed++;
    console.log(`not ok - ${name}\n${err.stdout ?? ''}${err.message}`);
  }
};

try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', scratch], root)
    .trim()
    .split('\n')
    .pop();
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', path.join(scratch, tarball)], scratch);
  // The consumer type-checks with the same compiler the project uses.
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const ts = (file, body) => fs.writeFileSync(path.join(scratch, file), body);

  ts(
    'esm.mjs',
    `import { Connection, ArgumentError, ADDJOB } from 'disque-ts';
import { startServer } from 'disque-ts/server';
import { createDashboard } from 'disque-ts/dashboard';
import http from 'node:http';
const server = await startServer({ port: 0 });
const dashboard = createDashboard({ nodes: \`127.0.0.1:\${server.port}\` });
const web = http.createServer(dashboard).listen(0, '127.0.0.1');
await new Promise((r) => web.once('listening', r));
const metrics = await (await fetch(\`http://127.0.0.1:\${web.address().port}/metrics\`)).text();
if (!/^disque_node_up\\{.*\\} 1$/m.test(metrics)) throw new Error('dashboard metrics failed');
web.close();
await dashboard.close();
const conn = new Connection({ port: server.port });
const id = await conn.addJob('q', 'hello');
const [job] = await conn.getJob(['q'], { nohang: true });
if (job?.id !== id || job.body !== 'hello') throw new Error('round trip failed');
if (ADDJOB.args('q', 'b')[0] !== 'ADDJOB') throw new Error('commands missing');
if (!(await conn.addJob('', 'x').catch((e) => e) instanceof ArgumentError)) throw new Error('no ArgumentError');
await conn.close();
await server.close();
console.log('esm ok');
`,
  );
  ts(
    'cjs.cjs',
    `const { Connection, ArgumentError, Pool, QLEN } = require('disque-ts');
const { startServer } = require('disque-ts/server');
const { createDashboard } = require('disque-ts/dashboard');
const http = require('node:http');
(async () => {
  const server = await startServer({ port: 0 });
  const dashboard = createDashboard({ nodes: \`127.0.0.1:\${server.port}\` });
  const web = http.createServer(dashboard).listen(0, '127.0.0.1');
  await new Promise((r) => web.once('listening', r));
  const config = await (await fetch(\`http://127.0.0.1:\${web.address().port}/api/config\`)).json();
  if (config.pageSize !== 50) throw new Error('dashboard api failed');
  web.close();
  await dashboard.close();
  const conn = new Connection({ port: server.port });
  const id = await conn.addJob('q', Buffer.from([0, 255]));
  const [job] = await conn.getJobBuffer(['q'], { nohang: true });
  if (job.id !== id || !job.body.equals(Buffer.from([0, 255]))) throw new Error('round trip failed');
  if (typeof ArgumentError !== 'function') throw new Error('no ArgumentError');
  // The Pool uses p-retry, which ships ESM only: it must work from require() too.
  const pool = await Pool.connect({ nodes: \`127.0.0.1:\${server.port}\` });
  if ((await pool.run(QLEN, ['q'])) !== 0) throw new Error('pool failed');
  await pool.close();
  await conn.close();
  await server.close();
  console.log('cjs ok');
})().catch((err) => { console.error(err); process.exit(1); });
`,
  );
  const consumerTs = `import { Connection, type Job, type JobInfo, NoJobError } from 'disque-ts';
import { startServer, type ServerHandle } from 'disque-ts/server';
import { createDashboard, type Dashboard } from 'disque-ts/dashboard';
import { connect, enableTracing, type SdkCounters } from 'disque-ts';
export async function use(): Promise<void> {
  const handle = connect();
  const dashboard: Dashboard = createDashboard({ pool: handle.pool, collectors: [handle.metrics()] });
  const counters: SdkCounters = handle.metrics().snapshot();
  const stop: () => void = await enableTracing(handle);
  void [dashboard, counters, stop];
  const server: ServerHandle = await startServer({ port: 0 });
  const conn = new Connection({ port: server.port });
  const jobs: Job[] = await conn.getJob(['q'], { timeout: 10, count: 2 });
  const info: JobInfo | null = await conn.show('D-00000000-000000000000000000000000-0001');
  const ctime: bigint | undefined = info?.ctime;
  const len: number = await conn.qlen('q');
  void [jobs, ctime, len, NoJobError];
  await conn.close();
  await server.close();
}
`;
  fs.mkdirSync(path.join(scratch, 'ts-esm'));
  fs.mkdirSync(path.join(scratch, 'ts-cjs'));
  fs.writeFileSync(path.join(scratch, 'ts-esm', 'consumer.mts'), consumerTs);
  fs.writeFileSync(path.join(scratch, 'ts-cjs', 'consumer.cts'), consumerTs);
  const tscArgs = [
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--types',
    'node',
    '--typeRoots',
    path.join(root, 'node_modules', '@types'),
  ];

  // moduleResolution node10 ignores `exports`: `disque-ts/server` types come from typesVersions.
  fs.mkdirSync(path.join(scratch, 'ts-node10'));
  fs.writeFileSync(path.join(scratch, 'ts-node10', 'consumer.ts'), consumerTs);
  const node10Args = tscArgs.map((a) => (a === 'nodenext' ? 'node10' : a));
  node10Args[node10Args.indexOf('--module') + 1] = 'commonjs';
  node10Args.push('--target', 'es2022');

  const installed = path.join(scratch, 'node_modules', 'disque-ts');
  const shipped = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? shipped(full) : [full];
    });
  const files = shipped(installed);

  check('import (ESM) from the packed tarball', () => run(process.execPath, ['esm.mjs'], scratch));
  check('require (CommonJS) from the packed tarball', () => run(process.execPath, ['cjs.cjs'], scratch));
  check('types resolve for an ESM consumer', () =>
    run(process.execPath, [tsc, ...tscArgs, 'ts-esm/consumer.mts'], scratch),
  );
  check('types resolve for a CommonJS consumer', () =>
    run(process.execPath, [tsc, ...tscArgs, 'ts-cjs/consumer.cts'], scratch),
  );
  check('types resolve under moduleResolution node10 (typesVersions), disque-ts/server included', () =>
    run(process.execPath, [tsc, ...node10Args, 'ts-node10/consumer.ts'], scratch),
  );
  check('every shipped source map points at shipped files', () => {
    const missing = [];
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(fs.readFileSync(map, 'utf8'));
      for (const source of sources) {
        const target = path.resolve(path.dirname(map), source);
        if (!fs.existsSync(target)) missing.push(`${path.relative(installed, map)} -> ${source}`);
      }
    }
    if (missing.length > 0)
      throw new Error(`${missing.length} map sources not shipped, e.g. ${missing.slice(0, 3).join('; ')}`);
  });
  check('the shipped docs link only to shipped files', () => {
    const broken = [];
    for (const doc of files.filter((f) => f.endsWith('.md'))) {
      const text = fs.readFileSync(doc, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // URL, anchor
        const file = path.resolve(path.dirname(doc), decodeURI(target.split('#')[0]));
        if (!fs.existsSync(file)) broken.push(`${path.relative(installed, doc)} -> ${target}`);
      }
    }
    if (broken.length > 0) throw new Error(`links to files not in the package: ${broken.join('; ')}`);
  });
  check('the package has its LICENSE', () => {
    if (!fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8').startsWith('MIT License'))
      throw new Error('no MIT LICENSE');
  });
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
console.log(`${failed ? 'FAILED' : 'all export checks passed'}`);
process.exit(failed ? 1 : 0);
