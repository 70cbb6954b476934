// Runs TypeScript in a plain `node` process, with no build and no extra package:
//   node test/reliability/register-ts.cjs test/reliability/worker-child.ts [args…]
// (`node --require …/register-ts.cjs` also works for .ts files required from CommonJS; a .ts entry
// point cannot be given to node directly: package.json's "type": "module" sends it to the ESM loader).
// Each .ts file is transpiled to CommonJS with typescript.transpileModule (no type check: that is
// `npm run typecheck`'s job), and NodeNext-style relative imports of `./x.js` resolve to `./x.ts`.
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (parent && parent.filename && /^\.{1,2}\//.test(request) && request.endsWith('.js')) {
    const candidate = path.resolve(path.dirname(parent.filename), `${request.slice(0, -3)}.ts`);
    if (fs.existsSync(candidate)) return candidate;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

Module._extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  module._compile(outputText, filename);
};

if (require.main === module) {
  const [script, ...args] = process.argv.slice(2);
  if (!script) throw new Error('usage: node register-ts.cjs file.ts [args…]');
  const file = path.resolve(script);
  process.argv = [process.argv[0], file, ...args];
  require(file);
}
