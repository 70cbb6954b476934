// Jest transformer for the plain ES modules the tests load (the reference recorder, record.mjs):
// TypeScript's transpiler turns them into CommonJS, and `import.meta.url` into its CJS equivalent.
const ts = require('typescript');

module.exports = {
  process(source, filename) {
    const code = source.replace(
      /\bimport\.meta\.url\b/g,
      "require('node:url').pathToFileURL(__filename).href",
    );
    const out = ts.transpileModule(code, {
      fileName: filename.replace(/\.mjs$/, '.js'),
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
      },
    });
    return { code: out.outputText };
  },
};
