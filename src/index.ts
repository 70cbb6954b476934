/**
 * disque-ts: a typed client for Disque, the distributed in-memory job queue.
 *
 * @example
 * ```ts
 * import { Connection } from 'disque-ts';
 * const conn = new Connection({ port: 7711 });
 * await conn.addJob('emails', 'hello');
 * ```
 * @module disque-ts
 */
export { Connection, DEFAULT_PORT, DEFAULT_COMMAND_TIMEOUT, type ConnectionOptions } from './connection.js';
export { ConnectionCommands } from './connection-commands.js';
export * from './commands/index.js';
export type { Job, JobInfo, JobState } from './job.js';
export {
  DisqueError,
  ReplyError,
  NoJobError,
  BadIdError,
  PausedError,
  LeavingError,
  NoReplError,
  MaxLenError,
  TooLateError,
  AuthError,
  LoadingError,
  OomError,
  MisconfError,
  ArgumentError,
  TimeoutError,
  ConnectionError,
  fromReplyError,
  type DisqueErrorOptions,
} from './errors.js';
export { ProtocolError, type RawReply, type ReplyValue } from './replies.js';
export { isJobId, jobIdNodePrefix, jobIdIsAtLeastOnce, JOB_ID_LENGTH } from './job-id.js';
export { parseAddress, parseNodeList, type NodeAddress } from './address.js';
export {
  Pool,
  type PoolOptions,
  type PoolEvents,
  type RetryPolicy,
  type NodeStats,
  type NodeSwitch,
  type BlockingOptions,
  type RunOptions,
} from './pool.js';
export { Affinity, type AffinityOptions, type AffinitySwitch } from './affinity.js';
export { formatAddress, PRIORITY_UNUSABLE, type NatMap, type NodeView } from './nodes.js';
export { meet, meetFromEnv, type MeetOptions, type MeetResult, type MetNode } from './meet.js';
export {
  status,
  listJobs,
  type ClusterStatus,
  type NodeStatus,
  type QueueStatus,
  type QueueNodeStatus,
  type StatusOptions,
  type StatusSource,
  type ListJobsOptions,
  type ListedJob,
} from './status.js';
export { NoNodeAvailableError } from './errors.js';
export { Jobs } from './jobs.js';
export { FluentOptions } from './fluent-options.js';
export { connect, type ConnectOptions } from './connect.js';
export type { JobRef } from './job-ref.js';
export type { WaitOptions } from './wait.js';
export type { JobsConfig } from './options.js';
export { json, string, buffer, DecodeError, type Codec, type UndecodedJob } from './codec.js';
export {
  Funnel,
  type FunnelOptions,
  type ProcessOptions,
  type BatchOptions,
  type FunnelStats,
  type FunnelEvents,
  type JobSource,
  MAX_CONCURRENCY,
} from './funnel.js';
export type { FunnelJob } from './funnel-job.js';
export { SdkMetrics, type SdkCounters } from './metrics/sdk-metrics.js';
export {
  exposition,
  PROMETHEUS_CONTENT_TYPE,
  type MetricFamily,
  type MetricsCollector,
  type Labels,
} from './metrics/exposition.js';
export { clusterCollector, type ClusterCollectorOptions } from './metrics/cluster-collector.js';
export {
  enableTracing,
  type TracingOptions,
  type TraceApi,
  type TraceTracer,
  type TraceSpan,
  type TraceSpanContext,
} from './telemetry/tracing.js';
