/**
 * The Pool lives in `src/pool/` (see docs/architecture.md); this path keeps older imports working.
 * @module
 */
export * from './pool/pool.js';
export { POOL_DEFAULTS, POOL_OPTION_NAMES } from './pool/options.js';
