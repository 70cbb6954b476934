import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Milliseconds } from '../commands/types.js';
import { ArgumentError } from '../errors.js';
import { optionNames } from '../option-names.js';
import * as v from '../commands/validate.js';
import { parseAddress, parseNodeList, type NodeAddress } from '../address.js';
import type { NatMap } from '../nodes.js';
import { DEFAULT_COMMAND_TIMEOUT, MAX_TIMER } from '../transport/shared.js';

/**
 * Options of a {@link Pool}.
 *
 * @example
 * ```ts
 * const pool = new Pool({
 *   nodes: 'disque-1:7711,disque-2:7711',
 *   password: process.env.DISQUE_PASSWORD,
 *   sharedConnections: 8, // many callers in flight on each node
 *   max: 64, // blocking consumers per node
 * });
 * ```
 */
export interface PoolOptions {
  /**
   * Seed nodes: `'host:port,host:port'`, or a list of addresses. The rest of the cluster is
   * discovered with HELLO. @defaultValue `process.env.DISQUE_NODES`, else `'127.0.0.1:7711'`
   */
  nodes?: string | readonly (string | NodeAddress)[] | undefined;
  /** Password of every node (`requirepass`). */
  password?: string | undefined;
  /** TLS for every connection. */
  tls?: boolean | TlsOptions | undefined;
  /** TCP connect timeout, in ms. @defaultValue 2000 */
  connectTimeout?: Milliseconds | undefined;
  /**
   * How long a command may wait for its reply, in ms (see {@link ConnectionOptions.commandTimeout}):
   * then it rejects with a {@link TimeoutError} (not retried: it may have been applied) and its
   * connection is dropped and replaced. Blocking GETJOBs and ADDJOB's replication wait get their
   * own timeout on top. `0` turns it off. @defaultValue 10000
   */
  commandTimeout?: Milliseconds | undefined;
  /** Rewrites the addresses HELLO reports (`'10.0.0.5:7711': { host: 'db.example', port: 7711 }`). */
  natMap?: NatMap | undefined;
  /** Discover the other nodes with HELLO. @defaultValue true */
  discover?: boolean | undefined;
  /**
   * How often the cluster view is refreshed with HELLO, in ms. Also the longest pause between
   * two probes of a node marked down: a node is probed at once when it fails, then after 50 ms,
   * doubling up to this. @defaultValue 5000
   */
  refreshInterval?: Milliseconds | undefined;
  /**
   * Shared (multiplexed) connections per node for short commands; another one opens only when the
   * least busy has 32 commands in flight. (Synchronously replicated ADDJOBs on a cluster, which
   * hold their connection until the replicas confirm, use replication lanes of their own.)
   * @defaultValue 4
   */
  sharedConnections?: number | undefined;
  /**
   * Send the hot commands (ADDJOB, GETJOB, ACKJOB, FASTACK, NACK, WORKING) over lean pipelined
   * sockets instead of ioredis, which measured at about half the speed of a minimal client on
   * them (see docs/performance.md). `false` sends everything through ioredis.
   * @defaultValue true
   */
  fastPath?: boolean | undefined;
  /** Exclusive connections (blocking GETJOB) kept open per node even when idle. @defaultValue 0 */
  min?: number | undefined;
  /** Most exclusive connections per node. @defaultValue 32 */
  max?: number | undefined;
  /** An idle exclusive connection is closed after this long, in ms. @defaultValue 30000 */
  idleTimeoutMillis?: Milliseconds | undefined;
  /** How long to wait for a free exclusive connection, in ms. @defaultValue 10000 */
  acquireTimeoutMillis?: Milliseconds | undefined;
  /**
   * Retries of a failed command on another node (p-retry, exponential backoff with jitter). A call
   * that finds every node marked down waits for one to answer its probe again, as long as its
   * retries would take (their delays without jitter) and at least `maxRetryDelay`, then fails with
   * {@link NoNodeAvailableError}. @defaultValue 6
   */
  retries?: number | undefined;
  /** First retry delay, in ms. @defaultValue 50 */
  minRetryDelay?: Milliseconds | undefined;
  /** Longest retry delay, in ms. @defaultValue 2000 */
  maxRetryDelay?: Milliseconds | undefined;
}

/** The options of a {@link Pool} with their defaults applied. @internal */
export type ResolvedPoolOptions = {
  [K in keyof Omit<PoolOptions, 'nodes' | 'password' | 'tls' | 'natMap'>]-?: NonNullable<PoolOptions[K]>;
} & {
  seeds: NodeAddress[];
  password: string | undefined;
  tls: boolean | TlsOptions | undefined;
  natMap: NatMap | undefined;
};

/** Every option of {@link PoolOptions} (the compiler checks the list). @internal */
export const POOL_OPTION_NAMES = optionNames<PoolOptions>({
  nodes: true,
  password: true,
  tls: true,
  connectTimeout: true,
  commandTimeout: true,
  natMap: true,
  discover: true,
  refreshInterval: true,
  sharedConnections: true,
  fastPath: true,
  min: true,
  max: true,
  idleTimeoutMillis: true,
  acquireTimeoutMillis: true,
  retries: true,
  minRetryDelay: true,
  maxRetryDelay: true,
});

function wholeNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ArgumentError(
      `options.${name}`,
      `Expected \`options.${name}\` to be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got ${typeof value === 'number' ? `\`${value}\`` : typeof value}`,
    );
  return value;
}

function seedsFrom(nodes: PoolOptions['nodes']): NodeAddress[] {
  if (nodes === undefined) {
    const env = process.env['DISQUE_NODES'];
    return env !== undefined && env.trim() !== '' ? parseNodeList(env) : [{ host: '127.0.0.1', port: 7711 }];
  }
  if (typeof nodes === 'string') return parseNodeList(nodes, 'options.nodes');
  if (!Array.isArray(nodes) || nodes.length === 0)
    throw new ArgumentError('options.nodes', 'Expected `options.nodes` to list at least one node');
  // Array.from visits the holes of a sparse array (as undefined), which map() would skip.
  return Array.from(nodes as readonly unknown[], (n: unknown, i) => {
    const name = `options.nodes[${i}]`;
    if (typeof n === 'string') return parseAddress(n, name);
    const { host, port } = (n ?? {}) as Partial<NodeAddress>;
    if (typeof host !== 'string' || typeof port !== 'number')
      throw new ArgumentError(name, `Expected \`${name}\` to be host:port or { host, port }`);
    return parseAddress(`${host.includes(':') ? `[${host}]` : host}:${port}`, name);
  });
}

/**
 * Every default of a {@link PoolOptions}, in one place (the TSDoc of each option repeats it).
 *
 * @example
 * ```ts
 * POOL_DEFAULTS.sharedConnections; // 4
 * ```
 */
export const POOL_DEFAULTS = Object.freeze({
  connectTimeout: 2000,
  commandTimeout: DEFAULT_COMMAND_TIMEOUT,
  discover: true,
  refreshInterval: 5000,
  sharedConnections: 4,
  fastPath: true,
  min: 0,
  max: 32,
  idleTimeoutMillis: 30_000,
  acquireTimeoutMillis: 10_000,
  retries: 6,
  minRetryDelay: 50,
  maxRetryDelay: 2000,
} as const);

/** The whole-number options: [lowest, highest] accepted. */
const RANGES = {
  connectTimeout: [1, Number.MAX_SAFE_INTEGER],
  commandTimeout: [0, MAX_TIMER],
  refreshInterval: [10, Number.MAX_SAFE_INTEGER],
  sharedConnections: [1, Number.MAX_SAFE_INTEGER],
  min: [0, Number.MAX_SAFE_INTEGER],
  max: [1, Number.MAX_SAFE_INTEGER],
  idleTimeoutMillis: [1, Number.MAX_SAFE_INTEGER],
  acquireTimeoutMillis: [1, Number.MAX_SAFE_INTEGER],
  retries: [0, Number.MAX_SAFE_INTEGER],
  minRetryDelay: [0, Number.MAX_SAFE_INTEGER],
  maxRetryDelay: [0, Number.MAX_SAFE_INTEGER],
} as const satisfies Partial<Record<keyof typeof POOL_DEFAULTS, readonly [number, number]>>;

/**
 * Validates a {@link PoolOptions} (an {@link ArgumentError} naming a bad or unknown option) and
 * applies {@link POOL_DEFAULTS}.
 * @internal
 */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  v.options('options', options, POOL_OPTION_NAMES);
  for (const key of ['fastPath', 'discover'] as const)
    if (options[key] !== undefined && typeof options[key] !== 'boolean')
      throw new ArgumentError(`options.${key}`, `Expected \`options.${key}\` to be a boolean`);
  const numbers = {} as Record<keyof typeof RANGES, number>;
  for (const [key, [min, max]] of Object.entries(RANGES) as [
    keyof typeof RANGES,
    readonly [number, number],
  ][])
    numbers[key] = wholeNumber(key, options[key], POOL_DEFAULTS[key], min, max);
  if (numbers.min > numbers.max)
    throw new ArgumentError(
      'options.min',
      `Expected \`options.min\` (${numbers.min}) to be at most \`options.max\` (${numbers.max})`,
    );
  return {
    ...numbers,
    seeds: seedsFrom(options.nodes),
    password: options.password,
    tls: options.tls,
    natMap: options.natMap,
    discover: options.discover ?? POOL_DEFAULTS.discover,
    fastPath: options.fastPath ?? POOL_DEFAULTS.fastPath,
  };
}
