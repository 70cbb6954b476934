/**
 * Every Disque command as a pure pair of functions: `args` (validate and build the argv) and
 * `reply` (parse the reply). {@link Connection} runs them; they are exported for users who drive
 * their own transport.
 * @module
 */
export type { Arg, Command, Milliseconds } from './types.js';
export { ADDJOB, DEFAULT_ADDJOB_TIMEOUT, type AddJobOptions } from './addjob.js';
export { GETJOB, GETJOB_BUFFER, type GetJobOptions } from './getjob.js';
export { ACKJOB, FASTACK, NACK, ENQUEUE, DEQUEUE, DELJOB, type JobIdsCommandName } from './job-ids.js';
export { WORKING } from './working.js';
export {
  QLEN,
  QPEEK,
  QPEEK_BUFFER,
  QSTAT,
  PAUSE,
  type QueueStat,
  type PauseState,
  type PauseOption,
  type PauseOptions,
} from './queue.js';
export { SHOW, SHOW_BUFFER } from './show.js';
export {
  QSCAN,
  JSCAN,
  JSCAN_ALL,
  type ScanOptions,
  type QScanOptions,
  type JScanOptions,
  type ScanPage,
} from './scan.js';
export { HELLO, INFO, PING, AUTH, type Hello, type HelloNode, type Info } from './server.js';
export {
  CLUSTER_MEET,
  CLUSTER_NODES,
  CLUSTER_LEAVING_GET,
  CLUSTER_LEAVING_SET,
  CLUSTER_FORGET,
  CLUSTER_MYID,
  CLUSTER_INFO,
  type ClusterNode,
} from './cluster.js';
