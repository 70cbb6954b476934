/**
 * The embedded Disque-compatible server (`disque-ts/server`): real TCP nodes in your process,
 * for tests, development and demos.
 * @packageDocumentation
 */
export { startServer, type ServerHandle } from './start-server.js';
export {
  startCluster,
  type ClusterHandle,
  type ClusterNodeInfo,
  type ClusterOptions,
  type RestartOptions,
} from './start-cluster.js';
export type { ServerOptions } from './options.js';
