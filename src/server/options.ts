/**
 * Options of the embedded server and their defaults.
 */

/**
 * Options of {@link startServer} (and, except `port`/`nodeId`, of {@link startCluster}).
 *
 * @example
 * ```ts
 * // A password-protected node whose timers run 10x faster than real time.
 * const server = await startServer({ port: 0, password: 'secret', timeScale: 10 });
 * ```
 */
export interface ServerOptions {
  /**
   * Interface to listen on.
   * @defaultValue `'127.0.0.1'`
   */
  readonly host?: string | undefined;
  /**
   * TCP port; `0` picks a free one (read it back from the handle).
   * @defaultValue `0`
   */
  readonly port?: number | undefined;
  /**
   * Disque's `requirepass`: clients must `AUTH` before any other command.
   * @defaultValue none
   */
  readonly password?: string | undefined;
  /**
   * Node id (40 lowercase hex characters). Random by default, like a Disque node started in an empty
   * directory.
   */
  readonly nodeId?: string | undefined;
  /**
   * Disque's `cluster-node-timeout` in milliseconds: an unreachable peer is flagged PFAIL after
   * this long, then FAIL once a majority agrees.
   * @defaultValue `15000`
   */
  readonly nodeTimeout?: number | undefined;
  /**
   * How long (ms) an empty, unpaused queue with no blocked client may stay idle before it is
   * evicted. Disque uses 300 s.
   * @defaultValue `300000`
   */
  readonly queueIdleEvictMs?: number | undefined;
  /**
   * Speed of the server's clock: `10` runs every server timer (RETRY, DELAY, TTL, timeouts,
   * failure detection, federation back-off) ten times faster, and the server *reports* times as if
   * they had really elapsed (TTL, ctime, TIME). For tests of slow behaviours. All servers started
   * with the same `timeScale` in one process share one clock.
   * @defaultValue `1`
   */
  readonly timeScale?: number | undefined;
  /**
   * Disque's `maxmemory` (bytes). Memory use is *estimated* (a baseline plus the jobs, queues and
   * request bytes held), and Disque's thresholds apply to the estimate: above 75 % ADDJOB keeps no
   * local copy (`-NOREPL ... I'm out of memory` on a lone node), above 95 % ADDJOB/ENQUEUE/NACK
   * fail with `-OOM`.
   * @defaultValue `1073741824` (1 GiB)
   */
  readonly maxMemory?: number | undefined;
  /**
   * Disque's `dir`: where `nodes.conf` (the node's identity and peers) and, with `appendonly`, the
   * AOF are kept. Without it the node keeps nothing on disk and a restart forgets who it was.
   * @defaultValue none
   */
  readonly dir?: string | undefined;
  /**
   * Disque's `appendonly`: log every job change to `dir/appendonly.aof` and replay it at start, so
   * jobs survive a restart. Needs `dir`.
   * @defaultValue `false`
   */
  readonly appendonly?: boolean | undefined;
  /**
   * Disque's `appendfsync`: `always` (fsync every write), `everysec` or `no`.
   * @defaultValue `'everysec'`
   */
  readonly appendfsync?: 'always' | 'everysec' | 'no' | undefined;
  /**
   * How nodes talk to each other: `'memory'` (nodes of this process only, the fastest) or `'tcp'`
   * (a TCP cluster bus on port + 10000 like Disque's, reaching nodes in other processes).
   * @defaultValue `'memory'`
   */
  readonly clusterBus?: 'memory' | 'tcp' | undefined;
  /** The config file this node was started with (CONFIG REWRITE writes it back). @internal */
  readonly configFile?: string | undefined;
}

/** Fully resolved options. @internal */
export interface ResolvedServerOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string | undefined;
  readonly nodeId: string | undefined;
  readonly nodeTimeout: number;
  readonly queueIdleEvictMs: number;
  readonly timeScale: number;
  readonly maxMemory: number;
  readonly dir: string | undefined;
  readonly appendonly: boolean;
  readonly appendfsync: 'always' | 'everysec' | 'no';
  readonly clusterBus: 'memory' | 'tcp';
  readonly configFile: string | undefined;
}

/** Defaults, in one place. @internal */
export const DEFAULT_SERVER_OPTIONS = {
  host: '127.0.0.1',
  port: 0,
  nodeTimeout: 15000,
  queueIdleEvictMs: 300000,
  timeScale: 1,
  maxMemory: 1073741824,
} as const;

/** Validates options and fills defaults. @internal */
export function resolveServerOptions(o: ServerOptions = {}): ResolvedServerOptions {
  const port = o.port ?? DEFAULT_SERVER_OPTIONS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`Expected \`port\` to be an integer between 0 and 65535, got \`${String(port)}\``);
  }
  if (o.nodeId !== undefined && !/^[0-9a-f]{40}$/.test(o.nodeId)) {
    throw new TypeError(`Expected \`nodeId\` to be 40 lowercase hex characters, got \`${o.nodeId}\``);
  }
  if (o.clusterBus !== undefined && o.clusterBus !== 'memory' && o.clusterBus !== 'tcp') {
    throw new TypeError(`Expected \`clusterBus\` to be 'memory' or 'tcp', got \`${String(o.clusterBus)}\``);
  }
  if (o.appendonly === true && (o.dir === undefined || o.dir === '')) {
    throw new TypeError('Expected `dir` to be set when `appendonly` is true (the AOF lives there)');
  }
  const positive = (name: string, v: number | undefined, d: number): number => {
    const x = v ?? d;
    if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x)) {
      throw new TypeError(`Expected \`${name}\` to be a positive number, got \`${String(x)}\``);
    }
    return x;
  };
  return {
    host: o.host ?? DEFAULT_SERVER_OPTIONS.host,
    port,
    password: o.password === '' ? undefined : o.password,
    nodeId: o.nodeId,
    nodeTimeout: positive('nodeTimeout', o.nodeTimeout, DEFAULT_SERVER_OPTIONS.nodeTimeout),
    queueIdleEvictMs: positive(
      'queueIdleEvictMs',
      o.queueIdleEvictMs,
      DEFAULT_SERVER_OPTIONS.queueIdleEvictMs,
    ),
    timeScale: positive('timeScale', o.timeScale, DEFAULT_SERVER_OPTIONS.timeScale),
    maxMemory: positive('maxMemory', o.maxMemory, DEFAULT_SERVER_OPTIONS.maxMemory),
    dir: o.dir,
    appendonly: o.appendonly ?? false,
    appendfsync: o.appendfsync ?? 'everysec',
    clusterBus: o.clusterBus ?? 'memory',
    configFile: o.configFile,
  };
}
