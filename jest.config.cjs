/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (no type check here: `npm run typecheck` does that once for everything).
  transform: {
    '^.+\\.(t|j)s$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
    '^.+\\.mjs$': '<rootDir>/test/transforms/esm-to-cjs.cjs',
  },
  // p-retry and is-network-error ship ESM only: let ts-jest turn them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
  // Sources import with NodeNext's '.js' suffix; jest resolves them to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/no-unhandled-rejections.ts'],
  // Ends every run with how many tests ran against real Disque, the embedded server, a fake
  // server, or no server (each test file declares it: test/helpers/target.ts).
  reporters: ['default', '<rootDir>/test/setup/target-reporter.cjs'],
  testTimeout: 30000,
};
