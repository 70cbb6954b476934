import { EventEmitter } from 'eventemitter3';
import { createPool, type Pool as GenericPool } from 'generic-pool';
import pRetry from 'p-retry';
import { optionNames, refuseUnknownOptions } from './option-names.js';
import { addJobNeeds, PausedQueues } from './paused-queues.js';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { inspect } from 'node:util';
import {
  Connection,
  DEFAULT_COMMAND_TIMEOUT,
  MAX_TIMER,
  runPrepared,
  type ConnectionOptions,
} from './connection.js';
import { LeanConnection } from './lean-connection.js';
import type { Arg, Command, Milliseconds } from './commands/types.js';
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
  PausedError,
  TimeoutError,
} from './errors.js';
import { parseAddress, parseNodeList, type NodeAddress } from './address.js';
import { ClusterView, type NatMap, type NodeState, type NodeView } from './nodes.js';
import { Affinity, type AffinityOptions } from './affinity.js';
import { jobIdNodePrefix } from './job-id.js';
import { abortable } from './abortable.js';

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
 *
 * @example
 * ```ts
 * await pool.run(ADDJOB, ['emails', 'hi', { retry: 0, replicate: 1 }], { retry: 'unsent' }); // never twice
 * await pool.run(QLEN, ['emails'], { retry: 'never', node: nodeId, strict: true }); // this node or nothing
 * ```
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

/**
 * A node switch decided by affinity.
 *
 * @example
 * ```ts
 * pool.on('node:switch', ({ from, to }: NodeSwitch) => console.log(`consumer moved ${from ?? '-'} → ${to}`));
 * ```
 */
export interface NodeSwitch {
  /** The node id prefix the consumer read from (undefined before the first switch). */
  readonly from: string | undefined;
  /** The node id prefix it reads from now. */
  readonly to: string;
}

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

type Resolved = {
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

function resolve(options: PoolOptions): Resolved {
  if (options === null || typeof options !== 'object')
    throw new ArgumentError('options', 'Expected `options` to be an object');
  refuseUnknownOptions(options, POOL_OPTION_NAMES);
  if (options.fastPath !== undefined && typeof options.fastPath !== 'boolean')
    throw new ArgumentError('options.fastPath', 'Expected `options.fastPath` to be a boolean');
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
    fastPath: options.fastPath ?? true,
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
  // ADDJOB refused by a node whose queue is paused: nothing applied; another node may take it.
  if (err instanceof PausedError) return true;
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
  /** Shared lean connections for the hot commands (see `fastPath`). */
  readonly #hot = new Map<NodeState, LeanConnection[]>();
  /** Queues paused for input, per node, learnt from ADDJOB's refusals (see paused-queues.ts). */
  readonly #paused = new PausedQueues();
  /** Lean connections for synchronously replicated ADDJOBs on a cluster (see #lane). */
  readonly #lanes = new Map<NodeState, LeanConnection[]>();
  readonly #exclusive = new Map<NodeState, GenericPool<Wire>>();
  /** Exclusive connections lent out (blocked in GETJOB), to cut them on close(). */
  readonly #borrowed = new Set<Wire>();
  /**
   * Per node, the exclusive connection used last, kept out of generic-pool until the next
   * blocking call takes it: that call writes its GETJOB at once instead of after generic-pool's
   * promise round trip, which a producer's ADDJOB in the same tick would overtake. It goes back
   * to generic-pool when idle for a refresh interval, when its node fails, and on close().
   */
  readonly #warm = new Map<NodeState, Warm>();
  /** Exclusive pools of entries found to be a second address of a node, being drained. */
  readonly #retiring = new Set<Promise<void>>();
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

  /**
   * Creates the pool. Nothing is dialled until the first command or {@link Pool.ready}; use
   * {@link Pool.connect} to wait until a node answered.
   * @throws {@link ArgumentError} for a bad or unknown option
   */
  constructor(options: PoolOptions = {}) {
    super();
    this.#options = resolve(options);
    this.#view = new ClusterView(this.#options.seeds, this.#options.natMap);
  }

  /**
   * Creates a pool and waits until it has reached a node.
   *
   * @example
   * ```ts
   * const pool = await Pool.connect({ nodes: 'disque-1:7711,disque-2:7711' });
   * // rejects with NoNodeAvailableError when no seed answers
   * ```
   */
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
   *
   * @example
   * ```ts
   * const pool = new Pool({ nodes: '10.0.0.1:7711' });
   * await pool.ready(); // fail fast at start-up rather than on the first command
   * ```
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

  /**
   * The nodes known, with their state: one entry per node, even when a seed was given by another
   * address (a host name) than the one HELLO reports.
   *
   * @example
   * ```ts
   * for (const n of pool.nodes()) console.log(n.id?.slice(0, 8), n.address, n.priority, n.up ? 'up' : 'down');
   * ```
   */
  nodes(): NodeView[] {
    return this.#view.all().map((n) => n.snapshot());
  }

  /**
   * Asks a reachable node for HELLO and merges what it says. Seeds are tried in random order;
   * seeds not asked yet are then asked too, so that each is known by its node id.
   * @throws {@link NoNodeAvailableError} when no node answers
   * @example
   * ```ts
   * await pool.refresh(); // after adding a node: no need to wait for the next refreshInterval
   * pool.nodes().length; // includes the new node
   * ```
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
    const causes: unknown[] = [];
    for (const node of candidates) {
      try {
        await this.#hello(node);
      } catch (err) {
        this.#noteFailure(node, err);
        errors.push(`${node.address}: ${err instanceof Error ? err.message : String(err)}`);
        causes.push(err);
        continue;
      }
      // Seeds not asked yet have no id. Ask them: a seed given by host name (localhost:7711) and
      // the address HELLO reports for it (127.0.0.1:7711) are one node, and only ids tell.
      await Promise.all(
        this.#view
          .all()
          .filter((n) => n.id === undefined && n.up)
          .map((n) => this.#hello(n).catch((err: unknown) => this.#noteFailure(n, err))),
      );
      return;
    }
    // The cause: the one node's error (whose cause is the system error), or all of them.
    throw new NoNodeAvailableError(`No Disque node answered (${errors.join('; ')})`, {
      cause: causes.length === 1 ? causes[0] : new AggregateError(causes, 'Every node failed'),
    });
  }

  /** Asks `node` for HELLO and merges the reply into the view. */
  async #hello(node: NodeState): Promise<void> {
    const hello = await this.#sharedConnection(node).run(C.HELLO);
    const self = this.#identify(node, hello.nodeId);
    this.#markUp(self);
    if (this.#options.discover)
      for (const added of this.#view.merge(hello, self)) this.emit('node:up', added.snapshot());
    else self.priority = hello.nodes.find((n) => n.id === hello.nodeId)?.priority ?? self.priority;
  }

  /**
   * Records the id HELLO gave `node`. When another entry already has it, `node` was a second
   * address of that node: its connections go to the entry that stays, which is returned.
   */
  #identify(node: NodeState, id: string): NodeState {
    const kept = this.#view.identify(node, id);
    if (kept === node) return node;
    // Shared connections reach the same server whichever address dialled it: keep them.
    const shared = this.#shared.get(node);
    this.#shared.delete(node);
    if (shared) this.#shared.set(kept, [...(this.#shared.get(kept) ?? []), ...shared]);
    for (const map of [this.#hot, this.#lanes]) {
      const moved = map.get(node);
      map.delete(node);
      if (moved) map.set(kept, [...(map.get(kept) ?? []), ...moved]);
    }
    // Exclusive ones may be blocked in GETJOB: let them finish, then close them.
    this.#coolDown(node);
    const exclusive = this.#exclusive.get(node);
    this.#exclusive.delete(node);
    if (exclusive) {
      const retiring = exclusive.drain().then(() => exclusive.clear());
      this.#retiring.add(retiring);
      void retiring.finally(() => this.#retiring.delete(retiring));
    }
    return kept;
  }

  async #tick(): Promise<void> {
    if (this.#closing) return;
    this.#coolDown(undefined, this.#options.refreshInterval);
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
      this.#coolDown(node);
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
    const open = (): Connection => new Connection(this.#connectionOptions(node, true));
    const most = this.#options.sharedConnections;
    if (!fresh) return leastBusy(this.#shared, node, most, 1, open);
    const list = openConnections(this.#shared, node);
    const conn = open();
    list.unshift(conn);
    if (list.length > most) void list.pop()?.close();
    return conn;
  }

  /** A shared connection for a hot command: lean unless `fastPath` is off. */
  #hotConnection(node: NodeState): Wire {
    if (!this.#options.fastPath) return this.#sharedConnection(node);
    return leastBusy(this.#hot, node, this.#options.sharedConnections, SPREAD_AT, () =>
      this.#leanConnection(node),
    );
  }

  /**
   * A replication lane of `node` for a synchronously replicated ADDJOB: one of up to
   * REPLICATION_LANES lean connections that carry nothing else. Disque serves one such ADDJOB
   * per connection at a time (the client waits for the replicas), so lanes give parallelism,
   * and each pipelines the ADDJOBs waiting their turn. Borrowing an exclusive connection from
   * generic-pool for every ADDJOB was measured a third slower on a 3-node cluster.
   */
  #lane(node: NodeState): LeanConnection {
    return leastBusy(this.#lanes, node, REPLICATION_LANES, 1, () => this.#leanConnection(node));
  }

  #leanConnection(node: NodeState): LeanConnection {
    const o = this.#options;
    return new LeanConnection({
      host: node.host,
      port: node.port,
      connectTimeout: o.connectTimeout,
      commandTimeout: o.commandTimeout,
      password: o.password,
      tls: o.tls,
    });
  }

  #dropShared(node: NodeState): void {
    for (const conn of this.#shared.get(node) ?? []) conn.destroy();
    this.#shared.delete(node);
    for (const map of [this.#hot, this.#lanes]) {
      for (const conn of map.get(node) ?? []) conn.destroy();
      map.delete(node);
    }
  }

  #exclusivePool(node: NodeState): GenericPool<Wire> {
    let pool = this.#exclusive.get(node);
    if (pool) return pool;
    const o = this.#options;
    pool = createPool<Wire>(
      {
        // Lazy connections: creating one never fails, so generic-pool never loops on a dead
        // node; the first command reports the failure and the connection is destroyed.
        create: async () =>
          o.fastPath ? this.#leanConnection(node) : new Connection(this.#connectionOptions(node, false)),
        destroy: async (conn) => conn.destroy(),
        validate: async (conn) => !conn.closed,
      },
      {
        min: o.min,
        max: o.max,
        idleTimeoutMillis: o.idleTimeoutMillis,
        evictionRunIntervalMillis: Math.min(o.idleTimeoutMillis, 5000),
        testOnBorrow: false,
      },
    );
    this.#exclusive.set(node, pool);
    return pool;
  }

  /** The node for the next attempt, at once; undefined when every node is marked down. */
  #chooseNow(avoid: ReadonlySet<NodeState>): NodeState | undefined {
    return this.#view.best(avoid) ?? this.#view.best();
  }

  /**
   * The node for the next attempt when #chooseNow found none: waits for one to come back
   * (see #nodeUp), as a node that dropped one connection answers its probe within milliseconds.
   */
  async #chooseLater(call: CallState): Promise<NodeState> {
    await this.#nodeUp(call);
    const node = this.#chooseNow(call.avoid);
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
    // The first attempt runs directly: p-retry's bookkeeping is for the rare failure, not for
    // every command on the hot path.
    try {
      return await attempt(call);
    } catch (error) {
      if (policy === 'never' || !this.#retryable(policy, call, error)) throw error;
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
      shouldRetry: ({ error }) => this.#retryable(policy, call, error),
    });
  }

  /** Whether a failed attempt may be retried; a call that already waited its fill for a node may not. */
  #retryable(policy: RetryPolicy, call: CallState, error: unknown): boolean {
    return (
      !this.#closing &&
      !this.#paused.isRefusal(error) &&
      mayRetry(policy, error) &&
      !(error instanceof NoNodeAvailableError && call.waitUntil !== undefined && Date.now() >= call.waitUntil)
    );
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
    // Bad arguments fail before any node is chosen, and are never retried.
    return this.#runArgv(command, args, command.args(...args), options);
  }

  /** {@link Pool.run} with the argv built (and so validated) already. */
  #runArgv<A extends readonly unknown[], R>(
    command: Command<A, R>,
    args: A,
    argv: Arg[],
    options: RunOptions,
  ): Promise<R> {
    const addJob = command.name === 'ADDJOB' && options.node === undefined;
    return this.#retry(options.retry ?? 'idempotent', options.signal, async (call) => {
      const { avoid } = call;
      // One Map lookup on the hot path; the rest only for a queue seen paused.
      if (addJob && this.#paused.knows(String(argv[1]))) await this.#skipPaused(argv, avoid);
      const pinned = options.node === undefined ? undefined : this.#find(options.node);
      if (options.strict && pinned && !pinned.up) await this.#nodeUp(call);
      if (options.strict && !pinned?.up)
        throw new NoNodeAvailableError(`Node ${options.node ?? ''} is not known or not reachable`);
      const node = options.strict
        ? (pinned as NodeState)
        : pinned?.usable && !avoid.has(pinned)
          ? pinned
          : (this.#chooseNow(avoid) ?? (await this.#chooseLater(call)));
      try {
        if (this.#holdsConnection(command, args))
          return await (this.#options.fastPath
            ? this.#lane(node)[runPrepared](command, argv)
            : this.#withExclusive(node, options.signal, undefined, (conn) =>
                conn[runPrepared](command, argv),
              ));
        const conn = HOT_COMMANDS.has(command.name)
          ? this.#hotConnection(node)
          : this.#sharedConnection(node);
        return await conn[runPrepared](command, argv);
      } catch (err) {
        this.#noteFailure(node, err);
        if (err instanceof DisqueError && err.retryable) avoid.add(node);
        if (addJob) await this.#learnPaused(argv, node, err);
        throw err;
      }
    });
  }

  /**
   * Before an ADDJOB: skips the nodes known to have its queue paused for input (asking again
   * those whose memory ran out), and refuses at once when the others cannot make the copies.
   * @throws {@link PausedError} (not retried) when no node can take the job
   */
  async #skipPaused(argv: Arg[], avoid: Set<NodeState>): Promise<void> {
    const all = this.#view.all();
    const { queue, copies } = addJobNeeds(argv, all.length);
    const recheck = this.#paused.expired(queue);
    if (recheck.length > 0)
      await this.#checkPaused(
        queue,
        all.filter((n) => recheck.includes(n.address)),
      );
    const paused = this.#paused.pausedNodes(queue);
    if (paused.size === 0) return;
    for (const n of all) if (paused.has(n.address)) avoid.add(n);
    const refusal = this.#paused.refusal(
      queue,
      copies,
      all.map((n) => ({ key: n.address, usable: n.usable })),
    );
    if (refusal) throw refusal;
  }

  /**
   * After a failed ADDJOB: `-PAUSED` marks the node; a replication timeout (`-NOREPL Timeout…`)
   * may come from a node that refuses replicas of a paused queue, so the other nodes are asked.
   */
  async #learnPaused(argv: Arg[], node: NodeState, err: unknown): Promise<void> {
    const queue = String(argv[1]);
    if (err instanceof PausedError) this.#paused.note(queue, node.address);
    else if (err instanceof NoReplError && err.message.includes('Timeout reached'))
      await this.#checkPaused(
        queue,
        this.#view.all().filter((n) => n !== node && n.up),
      );
  }

  /** Asks these nodes whether `queue` is paused for input, and remembers what they say. */
  async #checkPaused(queue: string, nodes: readonly NodeState[]): Promise<void> {
    await Promise.all(
      nodes.map(async (n) => {
        const state = await this.#sharedConnection(n)
          .run(C.PAUSE, queue, 'state')
          .catch(() => undefined);
        if (state === 'in' || state === 'all') this.#paused.note(queue, n.address);
        else this.#paused.forget(queue, n.address);
      }),
    );
  }

  /**
   * Whether the command keeps its connection busy until other nodes answer: Disque blocks the
   * client of a synchronously replicated ADDJOB until the replicas confirm, and commands
   * pipelined behind it wait. Such ADDJOBs go over replication lanes (see #lane), or with
   * `fastPath: false` an exclusive connection each, so that a producer with many adds in flight
   * has them replicated in parallel rather than one after another.
   */
  #holdsConnection(command: Command<never, unknown>, args: readonly unknown[]): boolean {
    if (command !== (C.ADDJOB as Command<never, unknown>) || this.#view.size < 2) return false;
    const options = args[2] as C.AddJobOptions | undefined;
    return !options?.async && (options?.replicate === undefined || options.replicate > 1);
  }

  /**
   * Runs `use` on an exclusive connection of `node`. If the signal aborts or the deadline passes,
   * the connection is destroyed rather than returned to the pool with a command still armed.
   */
  #withExclusive<R>(
    node: NodeState,
    signal: AbortSignal | undefined,
    deadline: { ms: number; node: string } | undefined,
    use: (conn: Wire) => Promise<R>,
  ): Promise<R> {
    const pool = this.#exclusivePool(node);
    const warm = this.#warm.get(node);
    if (warm) {
      this.#warm.delete(node);
      // The common case: the command goes out in this very tick, no promise round trip first.
      if (warm.pool === pool && !warm.conn.closed)
        return this.#lend(node, pool, warm.conn, signal, deadline, use);
      this.#giveBack(warm);
    }
    return this.#acquireOpen(pool, signal).then((conn) =>
      this.#lend(node, pool, conn, signal, deadline, use),
    );
  }

  /** An exclusive connection from generic-pool; one that died while idle is replaced. */
  async #acquireOpen(pool: GenericPool<Wire>, signal: AbortSignal | undefined): Promise<Wire> {
    let conn = await this.#acquire(pool, signal);
    // Checked here rather than with generic-pool's testOnBorrow, whose promise round trips cost
    // every blocking call some latency.
    while (conn.closed) {
      void pool.destroy(conn).catch(() => undefined);
      conn = await this.#acquire(pool, signal);
    }
    return conn;
  }

  /**
   * Runs `use` on a borrowed exclusive connection (called before the first await, so that its
   * command is written in the caller's tick). If the signal aborts or the deadline passes, the
   * connection is destroyed rather than reused with a command still armed. Afterwards it becomes
   * the node's warm connection, or goes back to generic-pool.
   */
  async #lend<R>(
    node: NodeState,
    pool: GenericPool<Wire>,
    conn: Wire,
    signal: AbortSignal | undefined,
    deadline: { ms: number; node: string } | undefined,
    use: (conn: Wire) => Promise<R>,
  ): Promise<R> {
    this.#borrowed.add(conn);
    let broken = false;
    // A lean connection enforces the deadline itself (commandTimeout on top of the server's own
    // hold, one timer per connection): no timer per call here.
    const ownDeadline = conn instanceof LeanConnection && this.#options.commandTimeout > 0;
    try {
      return await abortable(use(conn), { signal, deadline: ownDeadline ? undefined : deadline }, () => {
        broken = true;
        conn.destroy();
      });
    } finally {
      this.#borrowed.delete(conn);
      // Not awaited: the caller has its reply; generic-pool hands the connection on by itself.
      if (broken || conn.closed) void pool.destroy(conn).catch(() => undefined);
      else if (!this.#closing && !this.#warm.has(node) && this.#exclusive.get(node) === pool)
        this.#warm.set(node, { conn, pool, usedAt: Date.now() });
      else void pool.release(conn).catch(() => undefined);
    }
  }

  /** Hands a warm connection back to generic-pool (or destroys it if it died). */
  #giveBack(warm: Warm): void {
    if (warm.conn.closed) void warm.pool.destroy(warm.conn).catch(() => undefined);
    else void warm.pool.release(warm.conn).catch(() => undefined);
  }

  /** Gives back the warm connections of `node` (all nodes when undefined), or the idle ones only. */
  #coolDown(node?: NodeState, idleFor = 0): void {
    const now = Date.now();
    for (const [key, warm] of this.#warm)
      if ((node === undefined || key === node) && now - warm.usedAt >= idleFor) {
        this.#warm.delete(key);
        this.#giveBack(warm);
      }
  }

  /** A node by id, id prefix or address. */
  #find(key: string): NodeState | undefined {
    return this.#view.get(key) ?? this.#view.byPrefix(key);
  }

  /**
   * Runs a command about jobs on the node that created each job (the prefix of its id), when that
   * node is usable; ids from several nodes are split into one command per node. Resolves to the
   * sum of the counts.
   *
   * @example
   * ```ts
   * const acked = await pool.runByJob(ACKJOB, batch.map((j) => j.id));
   * ```
   */
  async runByJob(
    command: Command<string[], number>,
    ids: readonly string[],
    retry: RetryPolicy = 'idempotent',
  ): Promise<number> {
    const argv = command.args(...ids);
    if (ids.length === 0) return 0;
    if (!this.#started) await this.ready();
    // The common case, all ids from one node (one job, or a batch from one node): no grouping.
    const prefix = jobIdNodePrefix(ids[0] as string);
    let sameNode = true;
    for (let i = 1; i < ids.length && sameNode; i++) sameNode = (ids[i] as string).startsWith(prefix, 2);
    if (sameNode) return this.#runArgv(command, ids as string[], argv, { retry, node: prefix });
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

  /**
   * Runs a one-id command (WORKING, SHOW) on the node that created the job.
   *
   * @example
   * ```ts
   * const info = await pool.runOnJob(SHOW, id);
   * const lease = await pool.runOnJob(WORKING, id); // ms until it is delivered again
   * ```
   */
  runOnJob<R>(command: Command<[string], R>, id: string, retry: RetryPolicy = 'idempotent'): Promise<R> {
    command.args(id);
    return this.run(command, [id], { retry, node: jobIdNodePrefix(id) });
  }

  /**
   * GETJOB on an exclusive connection, so that blocking never stalls other callers. With an
   * `affinity`, the consumer reads from the node producing most of its jobs and moves when that
   * changes (`node:switch`). If the signal aborts or the server overstays the GETJOB timeout, the
   * connection is destroyed rather than returned to the pool.
   *
   * @example
   * ```ts
   * const affinity = pool.affinity();
   * for (;;) {
   *   const [job] = await pool.getJob(['emails'], { timeout: 1000 }, { affinity });
   *   if (job) await pool.runByJob(ACKJOB, [job.id]);
   * }
   * ```
   */
  getJob(
    queues: readonly (string | Buffer)[],
    options: GetJobOptions = {},
    control: BlockingOptions = {},
  ): Promise<Job[]> {
    return this.#getJob(C.GETJOB, queues, options, control);
  }

  /**
   * As {@link Pool.getJob}, with bodies as Buffers.
   *
   * @example
   * ```ts
   * const [job] = await pool.getJobBuffer(['images'], { timeout: 1000 });
   * job?.body; // a Buffer, byte for byte
   * ```
   */
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
    const argv = command.args(queues, options); // bad arguments fail before anything is sent
    signal?.throwIfAborted();
    // Affinity and its detours are about choosing among nodes: nothing to do with one.
    const follow = affinity?.enabled === true && this.#view.size > 1;
    // With affinity, a long wait is cut into slices: between two, the consumer may move to a node
    // holding jobs (see #rehome) rather than stay blocked on an empty one.
    const sliced = follow && !options.nohang;
    const until = options.timeout ? Date.now() + options.timeout : Number.POSITIVE_INFINITY;
    for (;;) {
      const slice = sliced ? Math.max(1, Math.min(until - Date.now(), AFFINITY_RECHECK)) : undefined;
      const sliceOptions = slice === undefined ? options : { ...options, timeout: Math.ceil(slice) };
      const jobs = await this.#getJobOnce(
        command,
        slice === undefined ? argv : command.args(queues, sliceOptions),
        sliceOptions,
        signal,
        affinity,
      );
      if (follow && jobs.length > 0) {
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
    argv: Arg[],
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
      const node =
        preferred?.usable && !avoid.has(preferred)
          ? preferred
          : (this.#chooseNow(avoid) ?? (await this.#chooseLater(call)));
      const deadline =
        options.nohang || !options.timeout
          ? undefined
          : { ms: options.timeout + BLOCKING_GRACE, node: node.address };
      try {
        // A GETJOB that cannot block shares a connection like any other command.
        if (options.nohang) return await this.#hotConnection(node)[runPrepared](command, argv);
        return await this.#withExclusive(node, signal, deadline, (conn) => conn[runPrepared](command, argv));
      } catch (err) {
        this.#noteFailure(node, err);
        if (err instanceof DisqueError && err.retryable) avoid.add(node);
        throw err;
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

  async #acquire(pool: GenericPool<Wire>, signal: AbortSignal | undefined): Promise<Wire> {
    // A timer only when the call must queue for a connection: generic-pool's own
    // acquireTimeoutMillis would arm one for every blocking call.
    const mustWait = pool.available === 0 && pool.size >= pool.max;
    const acquiring = pool.acquire();
    const waited = abortable(
      acquiring,
      {
        signal,
        deadline: mustWait
          ? { ms: this.#options.acquireTimeoutMillis, node: 'the exclusive connection pool' }
          : undefined,
      },
      () => {
        // generic-pool cannot cancel a request: hand the connection back whenever it comes.
        acquiring.then(
          (conn) => pool.release(conn),
          () => undefined,
        );
      },
    );
    try {
      return await waited;
    } catch (err) {
      if (err instanceof TimeoutError)
        throw new TimeoutError('No exclusive connection became free within acquireTimeoutMillis', {
          cause: err,
        });
      throw err;
    }
  }

  /**
   * Connection counts per node.
   *
   * @example
   * ```ts
   * const blocked = pool.stats().reduce((n, s) => n + s.inUse, 0); // GETJOBs in flight
   * ```
   */
  stats(): NodeStats[] {
    return this.#view.all().map((node) => {
      const pool = this.#exclusive.get(node);
      // The warm connection is idle, although generic-pool counts it as lent.
      const warm = this.#warm.get(node)?.pool === pool && pool ? 1 : 0;
      return {
        node: node.snapshot(),
        shared: [
          ...(this.#shared.get(node) ?? []),
          ...(this.#hot.get(node) ?? []),
          ...(this.#lanes.get(node) ?? []),
        ].filter((c) => !c.closed).length,
        inUse: (pool?.borrowed ?? 0) - warm,
        idle: (pool?.available ?? 0) + warm,
        pending: pool?.pending ?? 0,
      };
    });
  }

  /**
   * Whether `close()` was called.
   *
   * @example
   * ```ts
   * if (!pool.closed) await pool.close();
   * ```
   */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Creates a fresh affinity tracker for a consumer.
   *
   * @example
   * ```ts
   * const affinity = pool.affinity({ window: 200, margin: 2 });
   * await pool.getJob(['emails'], { timeout: 1000 }, { affinity });
   * ```
   */
  affinity(options?: AffinityOptions): Affinity {
    return new Affinity(options);
  }

  /**
   * Closes every connection. Blocked GETJOBs are cut (they reject with a ConnectionError).
   * Safe to call more than once.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void pool.close());
   * ```
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
    this.#coolDown();
    const pools = [...this.#exclusive.values()];
    this.#exclusive.clear();
    await Promise.all([...pools.map((pool) => pool.drain().then(() => pool.clear())), ...this.#retiring]);
    const shared = [...this.#shared.values(), ...this.#hot.values(), ...this.#lanes.values()].flat();
    this.#shared.clear();
    this.#hot.clear();
    this.#lanes.clear();
    await Promise.all(shared.map((c) => c.close()));
    this.removeAllListeners();
  }

  /**
   * What `console.log` and `util.inspect` show: the node addresses, never the password.
   *
   * @example
   * ```ts
   * console.log(pool); // Pool { nodes: ['10.0.0.1:7711', '10.0.0.2:7711'] }
   * ```
   */
  [inspect.custom](): string {
    return `Pool { nodes: [${this.#view
      .all()
      .map((n) => `'${n.address}'`)
      .join(', ')}] }`;
  }
}

/** A connection the Pool lends out: ioredis-based, or lean for the hot commands. */
type Wire = Connection | LeanConnection;

/** The commands of the produce/consume hot path, which `fastPath` sends over lean connections. */
const HOT_COMMANDS: ReadonlySet<string> = new Set([
  'ADDJOB',
  'GETJOB',
  'ACKJOB',
  'FASTACK',
  'NACK',
  'WORKING',
]);

/**
 * Commands in flight on a shared lean connection before the next command opens another one.
 * Disque serves a connection's pipeline in order on one thread, so a second socket only pays
 * when the first is deep in work; one per concurrent command would spread a trickle of traffic
 * over cold sockets, which costs latency.
 */
const SPREAD_AT = 32;

/** Replication lanes per node (see `Pool#lane`). */
const REPLICATION_LANES = 8;

/**
 * The least busy open connection to `node` in `map`, or a new one while there are fewer than
 * `most` and the least busy one has `spreadAt` commands in flight.
 */
function leastBusy<W extends Wire>(
  map: Map<NodeState, W[]>,
  node: NodeState,
  most: number,
  spreadAt: number,
  open: () => W,
): W {
  const list = openConnections(map, node);
  let best: W | undefined;
  for (const conn of list) if (!best || conn.inFlight < best.inFlight) best = conn;
  if (best && (best.inFlight < spreadAt || list.length >= most)) return best;
  const conn = open();
  list.push(conn);
  return conn;
}

/** A node's warm exclusive connection (see `Pool#warm`). */
interface Warm {
  readonly conn: Wire;
  readonly pool: GenericPool<Wire>;
  readonly usedAt: number;
}

/** The list of `node`'s connections in `map` (created when missing), closed ones removed. */
function openConnections<W extends Wire>(map: Map<NodeState, W[]>, node: NodeState): W[] {
  let list = map.get(node);
  if (!list) map.set(node, (list = []));
  for (let i = list.length - 1; i >= 0; i--) if (list[i]?.closed) list.splice(i, 1);
  return list;
}
