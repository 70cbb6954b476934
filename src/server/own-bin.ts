/**
 * Where the `disque-ts-server` script of this installation is, to spawn node processes. Works from
 * the CommonJS build (`__dirname`), the ES module build (the module's own URL, read from a stack
 * trace because `import.meta` does not compile to CommonJS), and from the TypeScript sources under
 * a test runner (then the built `dist/cjs/server/bin.js` of the checkout is used).
 * @internal
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function thisModuleDir(): string | undefined {
  if (typeof __dirname === 'string') return __dirname;
  const stack = new Error().stack ?? '';
  const m = /(file:\/\/[^\s)]+?)\/own-bin\.js/.exec(stack);
  return m?.[1] !== undefined ? path.dirname(fileURLToPath(`${m[1]}/own-bin.js`)) : undefined;
}

/**
 * The absolute path of bin.js; `DISQUE_TS_SERVER_BIN` overrides it. Throws when there is none
 * (running from sources without `npm run build`).
 * @internal
 */
export function ownServerBin(): string {
  const override = process.env['DISQUE_TS_SERVER_BIN'];
  if (override !== undefined && override !== '') return override;
  const dir = thisModuleDir();
  const candidates: string[] = [];
  if (dir !== undefined) {
    candidates.push(path.join(dir, 'bin.js'));
    // Sources (src/server) under ts-jest: the build of the same checkout.
    candidates.push(path.resolve(dir, '..', '..', 'dist', 'cjs', 'server', 'bin.js'));
  }
  candidates.push(path.resolve(process.cwd(), 'dist', 'cjs', 'server', 'bin.js'));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(
    `Cannot find disque-ts-server (looked at ${candidates.join(', ')}): run \`npm run build\` first`,
  );
}
