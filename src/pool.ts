/**
 * The Pool lives in `src/pool/` (see docs/architecture.md); this path keeps older imports working.
 * @module
 */
export * from './pool/pool.js';
