/**
 * The TypeScript and JavaScript blocks of README.md and docs/*.md, for test/docs/snippets.test.ts.
 *
 * A block's info string says what the test does with it:
 * - ```` ```ts ```` — a whole program: type-checked (strict, as an ES module and as CommonJS) and
 *   run against an embedded 3-node cluster (DISQUE_NODES points at it; `port: 7711` is pointed at
 *   its first node). It must finish by itself.
 * - ```` ```ts no-run ```` — a whole program that cannot run here (waits for SIGTERM, needs hosts
 *   of a real deployment, is a test file of another runner): type-checked only.
 * - ```` ```ts fragment ```` — a piece of a program: type-checked with the context below declared
 *   (the handles, helpers and imports the prose around it has introduced).
 * Any other word is refused, so that no block is skipped without saying so.
 */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export type Kind = 'run' | 'no-run' | 'fragment';

export interface Snippet {
  /** `README.md:45`: file and line of the opening fence. */
  readonly where: string;
  readonly language: 'ts' | 'js';
  readonly kind: Kind;
  readonly code: string;
}

const LANGUAGES: Readonly<Record<string, 'ts' | 'js'>> = {
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
  cjs: 'js',
};

/** README.md, then every docs/*.md (new files included), relative to the root. */
export function documentFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Every ts/js block of `file`, with its kind. */
export function snippetsOf(file: string): Snippet[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]+)?(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[2] as string;
    let end = i + 1;
    while (end < lines.length && !(lines[end] as string).trim().startsWith(fence)) end++;
    const language = LANGUAGES[(open[3] ?? '').toLowerCase()];
    if (language) {
      const words = (open[4] ?? '').trim().split(/\s+/).filter(Boolean);
      const unknown = words.filter((w) => w !== 'fragment' && w !== 'no-run');
      if (unknown.length > 0)
        throw new Error(
          `${file}:${i + 1}: unknown code block marker ${unknown.join(' ')} (fragment, no-run)`,
        );
      found.push({
        where: `${file}:${i + 1}`,
        language,
        kind: words.includes('fragment') ? 'fragment' : words.includes('no-run') ? 'no-run' : 'run',
        code: lines.slice(i + 1, end).join('\n'),
      });
    }
    i = end;
  }
  return found;
}

/**
 * The context a fragment may use without declaring it, as the docs' prose introduces it: each
 * entry is declared only when the fragment uses the name and does not declare or import it.
 */
const CONTEXT: readonly { name: string; declare: string }[] = [
  { name: 'jobs', declare: "declare const jobs: import('disque-ts').Jobs<string>;" },
  { name: 'funnel', declare: "declare const funnel: import('disque-ts').Funnel<string>;" },
  { name: 'conn', declare: "declare const conn: import('disque-ts').Connection;" },
  { name: 'pool', declare: "declare const pool: import('disque-ts').Pool;" },
  { name: 'data', declare: 'declare const data: string;' },
  { name: 'handle', declare: 'declare function handle(body: string): Promise<void>;' },
  { name: 'resize', declare: 'declare function resize(body: string): Promise<void>;' },
  { name: 'sendEmail', declare: 'declare function sendEmail(to: string): Promise<void>;' },
  { name: 'later', declare: 'declare function later(): Promise<void>;' },
  { name: 'retrySoon', declare: 'declare function retrySoon(): Promise<void>;' },
  { name: 'publicName', declare: 'declare function publicName(host: string): string;' },
  // The package's own exports, as if imported at the top of the page.
  ...['connect', 'json', 'string', 'buffer', 'Connection', 'Pool', 'ADDJOB', 'GETJOB'].map((name) => ({
    name,
    declare: `import { ${name} } from 'disque-ts';`,
  })),
];

/** Whether `code` declares or imports `name` itself. */
function declares(code: string, name: string): boolean {
  return new RegExp(`\\b(const|let|var|function|class)\\s+${name}\\b|import[^;]*\\b${name}\\b[^;]*from`).test(
    code,
  );
}

/** Whether `code` uses the identifier `name` (not as a property: `.name`). */
function uses(code: string, name: string): boolean {
  return new RegExp(`(^|[^.\\w$])${name}\\b`).test(code.replace(/\/\/.*$/gm, ''));
}

/** The declarations a fragment needs from {@link CONTEXT}, jest's globals included. */
export function contextFor(snippet: Snippet): string[] {
  if (snippet.kind === 'run') return [];
  const lines = CONTEXT.filter((c) => uses(snippet.code, c.name) && !declares(snippet.code, c.name)).map(
    (c) => c.declare,
  );
  if (
    /^(beforeAll|afterAll|test|describe)\(/m.test(snippet.code) &&
    !/from '(vitest|node:test)'/.test(snippet.code)
  )
    lines.unshift('/// <reference types="jest" />');
  return lines;
}

/** The `import … ;` statements at the top of `code` (they may span lines), and the rest. */
export function splitImports(code: string): { imports: string; body: string } {
  const lines = code.split('\n');
  let end = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('//')) continue;
    if (!line.startsWith('import ')) break;
    while (i < lines.length && !(lines[i] as string).trimEnd().endsWith(';')) i++;
    end = i + 1;
  }
  return { imports: lines.slice(0, end).join('\n'), body: lines.slice(end).join('\n') };
}
