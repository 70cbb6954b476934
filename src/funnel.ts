/**
 * The Funnel: queues as async iterators and workers. The engine lives in `src/funnel/`, one
 * file per concern; this module keeps the public names where they always were.
 * @module
 */
export { Funnel } from './funnel/funnel.js';
export {
  MAX_CONCURRENCY,
  type FunnelOptions,
  type ProcessOptions,
  type BatchOptions,
  type FunnelStats,
  type FunnelEvents,
} from './funnel/options.js';
export type { JobSource } from './funnel/job-source.js';
