import { EventEmitter } from 'eventemitter3';
import { createPool, type Pool as GenericPool } from 'generic-pool';
import pRetry from 'p-retry';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { inspect } from 'node:util';
import { Connection, DEFAULT_COMMAND_TIMEOUT, MAX_TIMER, type ConnectionOptions } from './connection.js';
import type { Command, Milliseconds } from './commands/types.js';
import type { GetJobOptions } from './commands/getjob.js';
import * as C from './commands/index.js';
import type { Job } from './job.js';
import {
  ArgumentError,
  ConnectionError,
  DisqueError,
  LeavingError,
  LoadingError,
  NoNodeAvailableError,
  NoReplError,
  TimeoutError,
} from './errors.js';
import { parseAddress, parseNodeList, type NodeAddress } from './address.js';
import { ClusterView, type NatMap, type NodeState, type NodeView } from './nodes.js';
import { Affinity, type AffinityOptions } from './affinity.js';
import { jobIdNodePrefix } from './job-id.js';
import { abortable } from './abortable.js';

/** Options of a {@link Pool}. */
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
   * Shared (multiplexed) connections per node for short commands. On a cluster a synchronously
   * replicated ADDJOB holds its connection until the replicas confirm, so producers need several.
   * @defaultValue 4
   */
  sharedConnections?: number | undefined;
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

/**
 * When a failed command may be sent again (to another node):
 * - `'idempotent'`: after any connection failure, and after `-LEAVING` / `-LOADING`. For commands
 *   whose repetition is harmless (reads, ACKJOB, NACK, WORKING, GETJOB — a job delivered into a
 *   dead socket is re-queued by Disque after its RETRY).
 * - `'unsent'`: only when the command certainly was not applied: the connection failed before it
 *   was written, or the node refused it up front (`-LEAVING`, `-LOADING`, the NOREPL "unable to
 *   hold a copy" variant). ADDJOB uses this, so a retry never creates a duplicate job.
 * - `'at-least-once'`: for ADDJOB of an at-least-once job (RETRY > 0): like `'idempotent'`, and
 *   also after `-NOREPL`. A job added twice is delivered twice, which at-least-once delivery
 *   already allows (consumers of such jobs must tolerate duplicates); at-most-once jobs
 *   (RETRY 0) use `'unsent'`, which never duplicates.
 * - `'never'`.
 */
export type RetryPolicy = 'idempotent' | 'at-least-once' | 'unsent' | 'never';

/** One call through the pool, across its attempts. */
interface CallState {
  /** Nodes that failed this call with a retryable error: other nodes first. */
  readonly avoid: Set<NodeState>;
  readonly signal: AbortSignal | undefined;
  /** Until when the call may wait for a node to come up (set by its first wait). */
  waitUntil: number | undefined;
}

/** A node switch decided by affinity. */
export interface NodeSwitch {
  /** The node id prefix the consumer read from (undefined before the first switch). */
  readonly from: string | undefined;
  /** The node id prefix it reads from now. */
  readonly to: string;
}

/** Events of a {@link Pool}. */
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

/** Per-node connection counts. */
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

/** Options of {@link Pool.run}. */
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

/** Options of one blocking GETJOB through the pool. */
export interface BlockingOptions {
  /** Abandons the call: the connection is destroyed (never returned armed to the pool). */
  signal?: AbortSignal | undefined;
  /** Node affinity state of the consumer making the call. */
  affinity?: Affinity | undefined;
}

type Resolved = {
  [K in keyof Omit<PoolOptions, 'nodes' | 'password' | 'tls' | 'natMap'>]-?: NonNullable<PoolOptions[K]>;
} & {
  seeds: NodeAddress[];
  password: string | undefined;
  tls: boolean | TlsOptions | undefined;
  natMap: NatMap | undefined;
};

const OPTION_NAMES: readonly string[] = [
  'nodes',
  'password',
  'tls',
  'connectTimeout',
  'commandTimeout',
  'natMap',
  'discover',
  'refreshInterval',
  'sharedConnections',
  'min',
  'max',
  'idleTimeoutMillis',
  'acquireTimeoutMillis',
  'retries',
  'minRetryDelay',
  'maxRetryDelay',
];

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
  return nodes.map((n: unknown, i) => {
    const name = `options.nodes[${i}]`;
    if (typeof n === 'string') return parseAddress(n, name);
    const { host, port } = (n ?? {}) as Partial<NodeAddress>;
    if (typeof host !== 'string' || typeof port !== 'number')
      throw new ArgumentError(name, `Expected \`${name}\` to be host:port or { host, port }`);
    return parseAddress(`${host.includes(':') ? `[${host}]` : host}:${port}`, name);
  });
}

function resolve(options: PoolOptions): Resolved {
  if (options === null || typeof options !== 'object')
    throw new ArgumentError('options', 'Expected `options` to be an object');
  for (const key of Object.keys(options))
    if (!OPTION_NAMES.includes(key))
      throw new ArgumentError(
        `options.${key}`,
        `Unknown option \`${key}\`; expected one of ${OPTION_NAMES.join(', ')}`,
      );
  const min = wholeNumber('min', options.min, 0);
  const max = wholeNumber('max', options.max, 32, 1);
  if (min > max)
    throw new ArgumentError(
      'options.min',
      `Expected \`options.min\` (${min}) to be at most \`options.max\` (${max})`,
    );
  return {
    seeds: seedsFrom(options.nodes),
    password: options.password,
    tls: options.tls,
    natMap: options.natMap,
    connectTimeout: wholeNumber('connectTimeout', options.connectTimeout, 2000, 1),
    commandTimeout: wholeNumber(
      'commandTimeout',
      options.commandTimeout,
      DEFAULT_COMMAND_TIMEOUT,
      0,
      MAX_TIMER,
    ),
    discover: options.discover ?? true,
    refreshInterval: wholeNumber('refreshInterval', options.refreshInterval, 5000, 10),
    sharedConnections: wholeNumber('sharedConnections', options.sharedConnections, 4, 1),
    min,
    max,
    idleTimeoutMillis: wholeNumber('idleTimeoutMillis', options.idleTimeoutMillis, 30_000, 1),
    acquireTimeoutMillis: wholeNumber('acquireTimeoutMillis', options.acquireTimeoutMillis, 10_000, 1),
    retries: wholeNumber('retries', options.retries, 6, 0),
    minRetryDelay: wholeNumber('minRetryDelay', options.minRetryDelay, 50, 0),
    maxRetryDelay: wholeNumber('maxRetryDelay', options.maxRetryDelay, 2000, 0),
  };
}

/** Whether an error says the node refused the command before applying it. */
function refusedUpFront(err: unknown): boolean {
  if (err instanceof LeavingError || err instanceof LoadingError) return true;
  // "…since I'm unable to hold a copy of the message for the following reason: …": this node
  // could not take part at all; another node can.
  return err instanceof NoReplError && err.message.includes('unable to hold a copy');
}

function mayRetry(policy: RetryPolicy, err: unknown): boolean {
  if (policy === 'never') return false;
  if (refusedUpFront(err) || err instanceof NoNodeAvailableError) return true;
  if (err instanceof NoReplError) return policy === 'at-least-once';
  if (err instanceof ConnectionError) return policy !== 'unsent' || !err.sent;
  return false;
}

/** Extra time a blocked GETJOB gets beyond its own TIMEOUT before the client gives up on the socket. */
const BLOCKING_GRACE = 1000;

/**
 * How often, at most, a consumer with affinity that receives nothing looks for a node holding its
 * queues' jobs, in ms; a longer blocking GETJOB is cut into slices this long.
 */
const AFFINITY_RECHECK = 1000;

/** First pause between two probes of a node marked down, in ms (then doubling to refreshInterval). */
const PROBE_MIN_DELAY = 50;

/**
 * Connections to every node of a Disque cluster.
 *
 * - Seeds come from `options.nodes` or `DISQUE_NODES`; the rest is discovered with HELLO and
 *   refreshed every `refreshInterval`.
 * - Short commands share a few multiplexed connections per node (the least busy one is used);
 *   blocking GETJOBs take an exclusive connection from a per-node generic-pool.
 * - Commands go to the usable node with the lowest HELLO priority, spread at random among
 *   equals. Commands about a job go to the node that created it (the prefix in its id).
 * - A dead or leaving node is marked and skipped; the command is retried on another node with
 *   p-retry, following its {@link RetryPolicy}. Down nodes are probed and come back on their own.
 *
 * @example
 * ```ts
 * const pool = await Pool.connect({ nodes: '10.0.0.1:7711,10.0.0.2:7711' });
 * const id = await pool.run(ADDJOB, ['emails', 'hi', { replicate: 2 }], { retry: 'unsent' });
 * const jobs = await pool.getJob(['emails'], { timeout: 1000 });
 * await pool.close();
 * ```
 */
export class Pool extends EventEmitter<PoolEvents> {
  readonly #options: Resolved;
  readonly #view: ClusterView;
  readonly #shared = new Map<NodeState, Connection[]>();
  readonly #exclusive = new Map<NodeState, GenericPool<Connection>>();
  /** Exclusive connections lent out (blocked in GETJOB), to cut them on close(). */
  readonly #borrowed = new Set<Connection>();
  #ready: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  /** Set once the first HELLO succeeded, so commands skip awaiting ready(). */
  #started = false;
  /** Nodes marked down and being probed again, each with the controller that stops its probes. */
  readonly #probing = new Map<NodeState, AbortController>();
  /** When each consumer last looked for a node holding its jobs (see #rehome). */
  readonly #rehomedAt = new WeakMap<Affinity, number>();
  /** Where a consumer reads while its preferred node has no jobs and this one has (see #rehome). */
  readonly #detours = new WeakMap<Affinity, NodeState>();
  /** Calls waiting for a node to be marked up (see #nodeUp). */
  readonly #upWaiters = new Set<() => void>();

  constructor(options: PoolOptions = {}) {
    super();
    this.#options = resolve(options);
    this.#view = new ClusterView(this.#options.seeds, this.#options.natMap);
  }

  /** Creates a pool and waits until it has reached a node. */
  static async connect(options: PoolOptions = {}): Promise<Pool> {
    const pool = new Pool(options);
    try {
      await pool.ready();
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /**
   * Resolves once a node answered HELLO and the cluster is discovered. Rejects with
   * {@link NoNodeAvailableError} when no seed answers. Called by every command; safe to call again.
   */
  ready(): Promise<void> {
    this.#ready ??= this.#start().catch((err: unknown) => {
      this.#ready = undefined; // a later call tries again
      throw err;
    });
    return this.#ready;
  }

  async #start(): Promise<void> {
    await this.refresh();
    this.#started = true;
    // Seeds that failed the first refresh: probed from now on (not before: a pool that never
    // started holds nothing open).
    for (const node of this.#view.all()) if (!node.up) this.#probe(node);
    this.#timer = setInterval(() => void this.#tick(), this.#options.refreshInterval);
    this.#timer.unref();
  }

  /** The nodes known, with their state. */
  nodes(): NodeView[] {
    return this.#view.all().map((n) => n.snapshot());
  }

  /**
   * Asks a reachable node for HELLO and merges what it says. Seeds are tried in random order.
   * @throws {@link NoNodeAvailableError} when no node answers
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const candidates = this.#view.all().sort(() => Math.random() - 0.5);
    candidates.sort((a, b) => Number(b.usable) - Number(a.usable));
    const errors: string[] = [];
    for (const node of candidates) {
      try {
        const hello = await this.#sharedConnection(node).run(C.HELLO);
        this.#markUp(node);
        if (this.#options.discover)
          for (const added of this.#view.merge(hello, node)) this.emit('node:up', added.snapshot());
        else {
          node.id = hello.nodeId;
          node.priority = hello.nodes.find((n) => n.id === hello.nodeId)?.priority ?? node.priority;
        }
        return;
      } catch (err) {
        this.#noteFailure(node, err);
        errors.push(`${node.address}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    throw new NoNodeAvailableError(`No Disque node answered (${errors.join('; ')})`);
  }

  async #tick(): Promise<void> {
    if (this.#closing) return;
    // Down nodes are probed by #probe on their own schedule; this restarts any that stopped.
    for (const node of this.#view.all()) if (!node.up) this.#probe(node);
    await this.refresh().catch((err: unknown) => this.emit('error', err as Error));
  }

  #markUp(node: NodeState): void {
    if (node.up) return;
    node.up = true;
    this.emit('node:up', node.snapshot());
    this.#wakeUpWaiters();
  }

  #wakeUpWaiters(): void {
    for (const wake of this.#upWaiters) wake();
  }

  #noteFailure(node: NodeState, err: unknown): void {
    if (err instanceof ConnectionError) {
      // Only the failed connection is lost (it is closed, and skipped from now on): the node's
      // other connections may be healthy, and destroying them would fail their commands too.
      void this.#exclusive.get(node)?.clear();
      if (node.up) {
        node.up = false;
        this.emit('node:down', node.snapshot(), err);
      }
      this.#probe(node);
    } else if (refusedUpFront(err) && !(err instanceof LoadingError)) {
      node.leaving = true;
    }
  }

  /**
   * Probes a node marked down until it answers: a PING at once, then after 50 ms, doubling up to
   * `refreshInterval` (with jitter). One dropped connection thus costs a few ms, not a refresh
   * period; a node that stays down is probed every `refreshInterval`.
   */
  #probe(node: NodeState): void {
    if (this.#closing || !this.#started || this.#probing.has(node)) return;
    const controller = new AbortController();
    this.#probing.set(node, controller);
    const probe = async (): Promise<void> => {
      if (node.up) return; // marked up meanwhile (a refresh reached it)
      try {
        await this.#sharedConnection(node, true).run(C.PING);
        this.#markUp(node);
      } catch (err) {
        this.#dropShared(node);
        throw err;
      }
    };
    pRetry(probe, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: PROBE_MIN_DELAY,
      maxTimeout: this.#options.refreshInterval,
      factor: 2,
      randomize: true,
      unref: true,
      signal: controller.signal,
    })
      .catch(() => undefined) // stopped by close()
      .finally(() => {
        if (this.#probing.get(node) === controller) this.#probing.delete(node);
      });
  }

  /**
   * Waits until a node is marked up, `call.waitUntil` passes or the call's signal aborts. The
   * first wait of a call sets its limit: `noNodeWait` from now.
   */
  #nodeUp(call: CallState): Promise<void> {
    call.waitUntil ??= Date.now() + this.#noNodeWait;
    const ms = call.waitUntil - Date.now();
    const { signal } = call;
    if (ms <= 0 || this.#probing.size === 0 || this.#closing || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#upWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      signal?.addEventListener('abort', done, { once: true });
      this.#upWaiters.add(done);
    });
  }

  /**
   * How long a call that finds no node up waits for one: as long as its retries would take
   * (their delays without jitter), and at least `maxRetryDelay`.
   */
  get #noNodeWait(): number {
    const { retries, minRetryDelay, maxRetryDelay } = this.#options;
    let total = 0;
    for (let i = 0; i < retries - 1; i++) total += Math.min(maxRetryDelay, minRetryDelay * 2 ** i);
    return Math.max(total, maxRetryDelay);
  }

  #connectionOptions(node: NodeState, shared: boolean): ConnectionOptions {
    const o = this.#options;
    return {
      host: node.host,
      port: node.port,
      connectTimeout: o.connectTimeout,
      commandTimeout: o.commandTimeout,
      autoPipelining: shared,
      // The pool replaces dead connections itself; ioredis must not queue or resend commands
      // on a reconnect, which would hide failures and duplicate ADDJOBs.
      reconnect: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.tls === undefined ? {} : { tls: o.tls }),
    };
  }

  /**
   * The least busy shared connection of a node, opening another while there are fewer than
   * `sharedConnections`. `fresh` always opens a new one, first in line (a probe: the node's
   * other connections may be dying unnoticed), closing the oldest beyond the limit.
   */
  #sharedConnection(node: NodeState, fresh = false): Connection {
    let list = this.#shared.get(node);
    if (!list) this.#shared.set(node, (list = []));
    for (let i = list.length - 1; i >= 0; i--) if (list[i]?.closed) list.splice(i, 1);
    if (!fresh) {
      let best: Connection | undefined;
      for (const conn of list) if (!best || conn.inFlight < best.inFlight) best = conn;
      if (best && (best.inFlight === 0 || list.length >= this.#options.sharedConnections)) return best;
    }
    const conn = new Connection(this.#connectionOptions(node, true));
    if (fresh) {
      list.unshift(conn);
      if (list.length > this.#options.sharedConnections) void list.pop()?.close();
    } else list.push(conn);
    return conn;
  }

  #dropShared(node: NodeState): void {
    for (const conn of this.#shared.get(node) ?? []) conn.destroy();
    this.#shared.delete(node);
  }

  #exclusivePool(node: NodeState): GenericPool<Connection> {
    let pool = this.#exclusive.get(node);
    if (pool) return pool;
    const o = this.#options;
    pool = createPool<Connection>(
      {
        // Lazy connections: creating one never fails, so generic-pool never loops on a dead
        // node; the first command reports the failure and the connection is destroyed.
        create: async () => new Connection(this.#connectionOptions(node, false)),
        destroy: async (conn) => conn.destroy(),
        validate: async (conn) => !conn.closed,
      },
      {
        min: o.min,
        max: o.max,
        idleTimeoutMillis: o.idleTimeoutMillis,
        acquireTimeoutMillis: o.acquireTimeoutMillis,
        evictionRunIntervalMillis: Math.min(o.idleTimeoutMillis, 5000),
        testOnBorrow: true,
      },
    );
    this.#exclusive.set(node, pool);
    return pool;
  }

  /**
   * The node for the next attempt. When every node is marked down, waits for one to come back
   * (see #nodeUp): a node that dropped one connection answers its probe within milliseconds.
   */
  async #choose(call: CallState): Promise<NodeState> {
    const { avoid } = call;
    let node = this.#view.best(avoid) ?? this.#view.best();
    if (!node) {
      await this.#nodeUp(call);
      node = this.#view.best(avoid) ?? this.#view.best();
    }
    if (!node) throw new NoNodeAvailableError('No Disque node is reachable');
    return node;
  }

  async #retry<R>(
    policy: RetryPolicy,
    signal: AbortSignal | undefined,
    attempt: (call: CallState) => Promise<R>,
  ): Promise<R> {
    if (this.#closing) throw new ConnectionError('The pool is closed');
    if (!this.#started) await this.ready();
    signal?.throwIfAborted();
    const call: CallState = { avoid: new Set(), signal, waitUntil: undefined };
    // A call that already waited its fill for a node is not retried any more.
    const retryable = (error: unknown): boolean =>
      !this.#closing &&
      mayRetry(policy, error) &&
      !(
        error instanceof NoNodeAvailableError &&
        call.waitUntil !== undefined &&
        Date.now() >= call.waitUntil
      );
    // The first attempt runs directly: p-retry's bookkeeping is for the rare failure, not for
    // every command on the hot path.
    try {
      return await attempt(call);
    } catch (error) {
      if (policy === 'never' || !retryable(error)) throw error;
    }
    const o = this.#options;
    return pRetry(() => attempt(call), {
      retries: Math.max(0, o.retries - 1),
      minTimeout: o.minRetryDelay,
      maxTimeout: o.maxRetryDelay,
      factor: 2,
      randomize: true,
      unref: true,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => retryable(error),
    });
  }

  /**
   * Runs a command on a shared connection of the best node (or of `options.node`), retrying on
   * other nodes as its {@link RetryPolicy} allows.
   *
   * @example
   * ```ts
   * const len = await pool.run(QLEN, ['emails']);
   * ```
   */
  async run<A extends readonly unknown[], R>(
    command: Command<A, R>,
    args: A,
    options: RunOptions = {},
  ): Promise<R> {
    command.args(...args); // bad arguments fail before any node is chosen, and are never retried
    return this.#retry(options.retry ?? 'idempotent', options.signal, async (call) => {
      const { avoid } = call;
      const pinned = options.node === undefined ? undefined : this.#find(options.node);
      if (options.strict && pinned && !pinned.up) await this.#nodeUp(call);
      if (options.strict && !pinned?.up)
        throw new NoNodeAvailableError(`Node ${options.node ?? ''} is not known or not reachable`);
      const node = options.strict
        ? (pinned as NodeState)
        : pinned?.usable && !avoid.has(pinned)
          ? pinned
          : await this.#choose(call);
      try {
        return await this.#sharedConnection(node).run(command, ...args);
      } catch (err) {
        this.#noteFailure(node, err);
        if (err instanceof DisqueError && err.retryable) avoid.add(node);
        throw err;
      }
    });
  }

  /** A node by id, id prefix or address. */
  #find(key: string): NodeState | undefined {
    return this.#view.get(key) ?? this.#view.byPrefix(key);
  }

  /**
   * Runs a command about jobs on the node that created each job (the prefix of its id), when that
   * node is usable; ids from several nodes are split into one command per node. Resolves to the
   * sum of the counts.
   */
  async runByJob(
    command: Command<string[], number>,
    ids: readonly string[],
    retry: RetryPolicy = 'idempotent',
  ): Promise<number> {
    command.args(...ids);
    if (ids.length === 0) return 0;
    await this.ready();
    const groups = new Map<string, string[]>();
    for (const id of ids) {
      const prefix = jobIdNodePrefix(id);
      const group = groups.get(prefix);
      if (group) group.push(id);
      else groups.set(prefix, [id]);
    }
    const counts = await Promise.all(
      [...groups].map(([prefix, group]) => this.run(command, group, { retry, node: prefix })),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Runs a one-id command (WORKING, SHOW) on the node that created the job. */
  runOnJob<R>(command: Command<[string], R>, id: string, retry: RetryPolicy = 'idempotent'): Promise<R> {
    command.args(id);
    return this.run(command, [id], { retry, node: jobIdNodePrefix(id) });
  }

  /**
   * GETJOB on an exclusive connection, so that blocking never stalls other callers. With an
   * `affinity`, the consumer reads from the node producing most of its jobs and moves when that
   * changes (`node:switch`). If the signal aborts or the server overstays the GETJOB timeout, the
   * connection is destroyed rather than returned to the pool.
   */
  getJob(
    queues: readonly (string | Buffer)[],
    options: GetJobOptions = {},
    control: BlockingOptions = {},
  ): Promise<Job[]> {
    return this.#getJob(C.GETJOB, queues, options, control);
  }

  /** As {@link Pool.getJob}, with bodies as Buffers. */
  getJobBuffer(
    queues: readonly (string | Buffer)[],
    options: GetJobOptions = {},
    control: BlockingOptions = {},
  ): Promise<Job<Buffer>[]> {
    return this.#getJob(C.GETJOB_BUFFER, queues, options, control);
  }

  async #getJob<B>(
    command: Command<[readonly (string | Buffer)[], GetJobOptions?], Job<B>[]>,
    queues: readonly (string | Buffer)[],
    options: GetJobOptions,
    { signal, affinity }: BlockingOptions,
  ): Promise<Job<B>[]> {
    command.args(queues, options);
    signal?.throwIfAborted();
    const follow = affinity?.enabled === true;
    // With affinity, a long wait is cut into slices: between two, the consumer may move to a node
    // holding jobs (see #rehome) rather than stay blocked on an empty one.
    const sliced = follow && !options.nohang;
    const until = options.timeout ? Date.now() + options.timeout : Number.POSITIVE_INFINITY;
    for (;;) {
      const slice = sliced ? Math.max(1, Math.min(until - Date.now(), AFFINITY_RECHECK)) : undefined;
      const jobs = await this.#getJobOnce(
        command,
        queues,
        slice === undefined ? options : { ...options, timeout: Math.ceil(slice) },
        signal,
        affinity,
      );
      if (affinity && jobs.length > 0) {
        const change = affinity.record(
          jobs.map((j) => j.id),
          (prefix) => this.#view.byPrefix(prefix)?.priority ?? 1,
        );
        if (change) {
          this.#detours.delete(affinity);
          this.emit('node:switch', change);
        }
        return jobs;
      }
      if (follow) {
        // A detour ends when its node has nothing left either.
        this.#detours.delete(affinity);
        await this.#rehome(queues, affinity);
      }
      if (!sliced || Date.now() >= until) return jobs;
    }
  }

  /** One GETJOB, on the consumer's detour or preferred node when usable. */
  #getJobOnce<B>(
    command: Command<[readonly (string | Buffer)[], GetJobOptions?], Job<B>[]>,
    queues: readonly (string | Buffer)[],
    options: GetJobOptions,
    signal: AbortSignal | undefined,
    affinity: Affinity | undefined,
  ): Promise<Job<B>[]> {
    return this.#retry('idempotent', signal, async (call) => {
      const { avoid } = call;
      const detour = affinity === undefined ? undefined : this.#detours.get(affinity);
      const preferred =
        detour?.usable && !avoid.has(detour)
          ? detour
          : affinity?.preferred === undefined
            ? undefined
            : this.#view.byPrefix(affinity.preferred);
      const node = preferred?.usable && !avoid.has(preferred) ? preferred : await this.#choose(call);
      const pool = this.#exclusivePool(node);
      const conn = await this.#acquire(pool, signal);
      this.#borrowed.add(conn);
      let broken = false;
      const deadline =
        options.nohang || !options.timeout
          ? undefined
          : { ms: options.timeout + BLOCKING_GRACE, node: node.address };
      try {
        return await abortable(conn.run(command, queues, options), { signal, deadline }, () => {
          broken = true;
          conn.destroy();
        });
      } catch (err) {
        this.#noteFailure(node, err);
        if (err instanceof DisqueError && err.retryable) avoid.add(node);
        throw err;
      } finally {
        this.#borrowed.delete(conn);
        if (broken || conn.closed) await pool.destroy(conn).catch(() => undefined);
        else await pool.release(conn).catch(() => undefined);
      }
    });
  }

  /**
   * After a GETJOB came back empty: if the consumer's preferred node has none of the queues' jobs
   * while another node has some, send the consumer on a detour to the node with the most (QLEN on
   * every usable node, at most once per `AFFINITY_RECHECK` per consumer). Federation alone can
   * leave a lone consumer blocked on an empty node for 10 s and more while jobs wait elsewhere.
   */
  async #rehome(queues: readonly (string | Buffer)[], affinity: Affinity): Promise<void> {
    const now = Date.now();
    if (now - (this.#rehomedAt.get(affinity) ?? 0) < AFFINITY_RECHECK) return;
    this.#rehomedAt.set(affinity, now);
    const nodes = this.#view.all().filter((n) => n.usable);
    if (nodes.length < 2) return;
    const lengths = await Promise.all(
      nodes.map(async (node) => {
        let total = 0;
        for (const queue of queues)
          total += await this.run(C.QLEN, [queue], {
            node: node.address,
            strict: true,
            retry: 'never',
          }).catch(() => 0);
        return total;
      }),
    );
    const { preferred } = affinity;
    const home = preferred === undefined ? -1 : nodes.findIndex((n) => n.id?.startsWith(preferred));
    if (home !== -1 && (lengths[home] ?? 0) > 0) return; // jobs at home: stay
    let best = -1;
    lengths.forEach((len, i) => {
      if (len > 0 && (best === -1 || len > (lengths[best] ?? 0))) best = i;
    });
    const target = nodes[best];
    if (target && !this.#closing) this.#detours.set(affinity, target);
  }

  async #acquire(pool: GenericPool<Connection>, signal: AbortSignal | undefined): Promise<Connection> {
    const acquiring = pool.acquire();
    try {
      return await abortable(acquiring, { signal }, () => {
        // generic-pool cannot cancel a request: hand the connection back whenever it comes.
        acquiring.then(
          (conn) => pool.release(conn),
          () => undefined,
        );
      });
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError' && !(err instanceof DisqueError))
        throw new TimeoutError('No exclusive connection became free within acquireTimeoutMillis', {
          cause: err,
        });
      throw err;
    }
  }

  /** Connection counts per node. */
  stats(): NodeStats[] {
    return this.#view.all().map((node) => {
      const pool = this.#exclusive.get(node);
      return {
        node: node.snapshot(),
        shared: (this.#shared.get(node) ?? []).filter((c) => !c.closed).length,
        inUse: pool?.borrowed ?? 0,
        idle: pool?.available ?? 0,
        pending: pool?.pending ?? 0,
      };
    });
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Creates a fresh affinity tracker for a consumer. */
  affinity(options?: AffinityOptions): Affinity {
    return new Affinity(options);
  }

  /**
   * Closes every connection. Blocked GETJOBs are cut (they reject with a ConnectionError).
   * Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (const controller of this.#probing.values()) controller.abort();
    this.#probing.clear();
    this.#wakeUpWaiters();
    // Lent connections are blocked in GETJOB: cut them so that drain() can finish.
    for (const conn of this.#borrowed) conn.destroy();
    const pools = [...this.#exclusive.values()];
    this.#exclusive.clear();
    await Promise.all(pools.map((pool) => pool.drain().then(() => pool.clear())));
    const shared = [...this.#shared.values()].flat();
    this.#shared.clear();
    await Promise.all(shared.map((c) => c.close()));
    this.removeAllListeners();
  }

  /** Never shows the password. */
  [inspect.custom](): string {
    return `Pool { nodes: [${this.#view
      .all()
      .map((n) => `'${n.address}'`)
      .join(', ')}] }`;
  }
}
