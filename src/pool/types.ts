import type { NodeView } from '../nodes.js';
import type { Affinity } from '../affinity.js';
import type { RetryPolicy } from './retry.js';
import type { NodeSwitch } from './routing.js';

/**
 * Events of a {@link Pool}.
 *
 * @example
 * ```ts
 * pool.on('node:down', (node, error) => console.warn(`${node.address} down: ${error.message}`));
 * pool.on('node:up', (node) => console.info(`${node.address} up`));
 * pool.on('error', (error) => console.error(error)); // a failed background refresh
 * ```
 */
export interface PoolEvents {
  /** A node answers (again), or was discovered. */
  'node:up': (node: NodeView) => void;
  /** A node stopped answering. */
  'node:down': (node: NodeView, error: Error) => void;
  /** A consumer moved its blocking connection to the node producing most of its jobs. */
  'node:switch': (change: NodeSwitch) => void;
  /** A background task (refresh, probe) failed; the pool carries on. */
  error: (error: Error) => void;
}

/**
 * Per-node connection counts.
 *
 * @example
 * ```ts
 * for (const { node, shared, inUse, idle, pending } of pool.stats())
 *   console.log(node.address, { shared, inUse, idle, pending });
 * ```
 */
export interface NodeStats {
  /** The node. */
  readonly node: NodeView;
  /** Shared connections open. */
  readonly shared: number;
  /** Exclusive connections in use (blocking GETJOB). */
  readonly inUse: number;
  /** Exclusive connections idle in the pool. */
  readonly idle: number;
  /** Callers waiting for an exclusive connection. */
  readonly pending: number;
}

/**
 * Options of {@link Pool.run}.
 *
 * @example
 * ```ts
 * const ctl = new AbortController();
 * await pool.run(INFO, [], { node: 'a1b2c3d4', strict: true, retry: 'never', signal: ctl.signal });
 * ```
 */
export interface RunOptions {
  /** When the command may be sent again after a failure. @defaultValue 'idempotent' */
  retry?: RetryPolicy | undefined;
  /** Prefer this node (id, id prefix or `host:port`) while it is usable. */
  node?: string | undefined;
  /** Only ever use `node`: fail with {@link NoNodeAvailableError} rather than go elsewhere. */
  strict?: boolean | undefined;
  /** Abandons the call (no further retries). */
  signal?: AbortSignal | undefined;
}

/**
 * Options of one blocking GETJOB through the pool.
 *
 * @example
 * ```ts
 * const affinity = pool.affinity();
 * const jobs = await pool.getJob(['emails'], { timeout: 1000 }, { affinity, signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface BlockingOptions {
  /** Abandons the call: the connection is destroyed (never returned armed to the pool). */
  signal?: AbortSignal | undefined;
  /** Node affinity state of the consumer making the call. */
  affinity?: Affinity | undefined;
}
