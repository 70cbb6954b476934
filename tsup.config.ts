import { defineConfig } from 'tsup';

// Two formats from one source. p-retry (and its dependency) are ESM-only, so they are bundled
// into the output: `require('disque-ts')` then works on every Node >= 20, not only where
// require(esm) is available.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'server/index': 'src/server/index.ts',
    'server/bin': 'src/server/bin.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  noExternal: ['p-retry', 'is-network-error'],
});
