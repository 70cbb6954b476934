/**
 * Docs that run: every ts/js block of README.md and docs/*.md is type-checked with tsc (strict, as
 * an ES module and as CommonJS), and the whole programs among them run against an embedded 3-node
 * cluster. How a block is marked (fragment, no-run) is described in ./snippets.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { embeddedServer, noServer } from '../helpers/target.js';
import { contextFor, documentFiles, ROOT, snippetsOf, splitImports, type Snippet } from './snippets.js';

noServer('type-checking the docs');
embeddedServer('the docs snippets run against an embedded cluster', 'docs snippets run');

const WORK = path.join(ROOT, 'node_modules', '.cache', 'disque-ts-snippets');
const SRC = path.join(ROOT, 'src');
const snippets: Snippet[] = documentFiles().flatMap(snippetsOf);
/** tsc's complaints, by generated file name. */
const diagnostics = new Map<string, string[]>();
let cluster: ClusterHandle;

/** The file names of snippet `i`: ES module and CommonJS variants. */
const files = (i: number, s: Snippet): { esm: string; cjs: string } =>
  s.language === 'ts' ? { esm: `s${i}.mts`, cjs: `s${i}.cts` } : { esm: `s${i}.mjs`, cjs: `s${i}.cjs` };

/** The snippet as an ES module: its context, then the code (top-level await allowed). */
function esmSource(s: Snippet): string {
  return [...contextFor(s), s.code, 'export {};', ''].join('\n');
}

/** As CommonJS, which has no top-level await: the imports, then the rest inside a function. */
function cjsSource(s: Snippet): string {
  const { imports, body } = splitImports(s.code);
  const context = contextFor(s);
  const refs = context.filter((l) => l.startsWith('///'));
  const rest = context.filter((l) => !l.startsWith('///'));
  // Context imports stay at the top; declarations go inside, next to the code that uses them.
  const ctxImports = rest.filter((l) => l.startsWith('import '));
  const ctxDeclares = rest.filter((l) => !l.startsWith('import '));
  // A module with exports of its own (a config file) has no top-level await to wrap.
  const wrap = !/^export /m.test(body);
  return [
    ...refs,
    ...ctxImports,
    imports,
    ...ctxDeclares,
    ...(wrap ? ['export async function snippet(): Promise<void> {', body, '}'] : [body]),
    '',
  ].join('\n');
}

/** The snippet as a program to run: imports pointed at src/, the body in an async main. */
function runnableSource(s: Snippet, port: number): string {
  const relative = (to: string): string => {
    const r = path.relative(WORK, to).split(path.sep).join('/');
    return r.startsWith('.') ? r : `./${r}`;
  };
  const { imports, body } = splitImports(s.code);
  const pointed = imports
    .replace(/from 'disque-ts\/server'/g, `from '${relative(path.join(SRC, 'server', 'index.js'))}'`)
    .replace(/from 'disque-ts\/dashboard'/g, `from '${relative(path.join(SRC, 'dashboard', 'index.js'))}'`)
    .replace(/from 'disque-ts'/g, `from '${relative(path.join(SRC, 'index.js'))}'`);
  // The docs show Disque's default port; here it is the embedded cluster's first node.
  const code = body.replace(/\bport: 7711\b/g, `port: ${port}`);
  return [
    pointed,
    '(async () => {',
    code,
    '})().then(',
    '  () => process.exit(0),',
    '  (err: unknown) => { console.error(err); process.exit(1); },',
    ');',
    '',
  ].join('\n');
}

beforeAll(() => {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const names: string[] = [];
  snippets.forEach((s, i) => {
    const { esm, cjs } = files(i, s);
    fs.writeFileSync(path.join(WORK, esm), esmSource(s));
    fs.writeFileSync(path.join(WORK, cjs), cjsSource(s));
    names.push(esm, cjs);
  });
  // Test runners the docs show and this project does not install: just enough of their API.
  fs.writeFileSync(
    path.join(WORK, 'context.d.ts'),
    `declare module 'vitest' {
  type Hook = (fn: () => unknown) => void;
  export const beforeAll: Hook, afterAll: Hook;
  export function test(name: string, fn: () => unknown): void;
}
declare module 'vitest/node' {
  export interface TestProject { provide(key: string, value: unknown): void }
}
`,
  );
  fs.writeFileSync(
    path.join(WORK, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'es2022',
        lib: ['es2023'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        noEmit: true,
        skipLibCheck: true,
        allowJs: true,
        checkJs: true,
        types: ['node'],
        // The package's entry points, from the sources (no build needed).
        paths: {
          'disque-ts': [path.join(SRC, 'index.ts')],
          'disque-ts/server': [path.join(SRC, 'server', 'index.ts')],
          'disque-ts/dashboard': [path.join(SRC, 'dashboard', 'index.ts')],
        },
      },
      files: ['context.d.ts', ...names],
    }),
  );
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  let out = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(WORK, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: WORK,
      stdio: 'pipe',
    });
  } catch (err) {
    out = String((err as { stdout?: Buffer }).stdout ?? err);
  }
  for (const line of out.split('\n')) {
    const match = /^(s\d+\.[cm][tj]s)\((\d+),\d+\): (.*)$/.exec(line);
    if (!match) continue;
    const list = diagnostics.get(match[1] as string) ?? [];
    list.push(`line ${match[2]}: ${match[3]}`);
    diagnostics.set(match[1] as string, list);
  }
  // Anything tsc said about other files (src/, the context) fails every snippet.
  const other = out.split('\n').filter((l) => /error TS/.test(l) && !/^s\d+\./.test(l));
  if (other.length > 0) diagnostics.set('*', other);
}, 120_000);

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
});
afterAll(async () => {
  await cluster?.close();
});

/** Runs a program with register-ts.cjs; resolves to its exit code and output. */
function runProgram(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'test', 'reliability', 'register-ts.cjs'), file], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('docs snippets', () => {
  test('README.md and every docs/*.md are read, and blocks are found', () => {
    expect(documentFiles()).toEqual(expect.arrayContaining(['README.md', 'docs/getting-started.md']));
    expect(snippets.filter((s) => s.kind === 'run').length).toBeGreaterThan(3);
  });

  test.each(snippets.map((s, i) => [s.where, s.kind, i] as const))(
    '%s (%s) type-checks, strict, as an ES module and as CommonJS',
    (_where, _kind, i) => {
      const s = snippets[i] as Snippet;
      const { esm, cjs } = files(i, s);
      expect({
        esm: diagnostics.get(esm) ?? [],
        cjs: diagnostics.get(cjs) ?? [],
        other: diagnostics.get('*') ?? [],
      }).toEqual({
        esm: [],
        cjs: [],
        other: [],
      });
    },
  );
});

describe('docs snippets run', () => {
  const runnable = snippets
    .map((s, i) => [s.where, i] as const)
    .filter(([, i]) => snippets[i]?.kind === 'run');
  test.each(runnable)(
    '%s runs to its end against an embedded 3-node cluster',
    async (_where, i) => {
      const s = snippets[i] as Snippet;
      const first = cluster.nodes[0];
      const file = path.join(WORK, `run${i}.ts`);
      fs.writeFileSync(file, runnableSource(s, first?.port ?? 0));
      const nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
      const { code, output } = await runProgram(file, { ...process.env, DISQUE_NODES: nodes });
      expect({ code, output }).toEqual({ code: 0, output: expect.any(String) as string });
    },
    40_000,
  );
});

describe('docs agree with package.json', () => {
  test('every "Node.js N or later" in the docs is the engines version', () => {
    const engines = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node.replace(/^>=\s*/, '');
    for (const file of documentFiles()) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const [, version] of text.matchAll(/Node(?:\.js)? (\d+(?:\.\d+)*) or later/g))
        expect({ file, version }).toEqual({ file, version: engines });
    }
  });
});
