import { EventEmitter } from 'eventemitter3';
import { inspect } from 'node:util';
import type { Arg, Command } from '../commands/types.js';
import type { GetJobOptions } from '../commands/getjob.js';
import * as C from '../commands/index.js';
import type { Job } from '../job.js';
import { ClusterView, type NodeView } from '../nodes.js';
import { Affinity, type AffinityOptions } from '../affinity.js';
import { jobIdNodePrefix } from '../job-id.js';
import { runOn, type Wire } from '../transport/wire.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './options.js';
import type { RetryPolicy } from './retry.js';
import { NodeHealth } from './health.js';
import { ConnectionSets, type Deadline } from './connections.js';
import { discover } from './discovery.js';
import { Dispatch } from './dispatch.js';
import { ConsumerRouting, type GetJobCommand, type Prefer } from './routing.js';

export type { PoolOptions } from './options.js';
export type { RetryPolicy } from './retry.js';
export type { NodeSwitch } from './routing.js';
export type { PoolEvents, NodeStats, RunOptions, BlockingOptions } from './types.js';
import type { PoolEvents, NodeStats, RunOptions, BlockingOptions } from './types.js';

/** Extra time a blocked GETJOB gets beyond its own TIMEOUT before the client gives up on the socket. */
const BLOCKING_GRACE = 1000;

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
  readonly #options: ResolvedPoolOptions;
  readonly #view: ClusterView;
  readonly #health: NodeHealth;
  readonly #conns: ConnectionSets;
  readonly #routing: ConsumerRouting;
  #ready: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  readonly #dispatch: Dispatch;
  /** Set once the first HELLO succeeded, so commands skip awaiting ready(). */
  #started = false;
  /** Whether close() was called (one function for every retry loop, not a closure per call). */
  readonly #stopped = (): boolean => this.#closing !== undefined;

  /**
   * Creates the pool. Nothing is dialled until the first command or {@link Pool.ready}; use
   * {@link Pool.connect} to wait until a node answered.
   * @throws {@link ArgumentError} for a bad or unknown option
   */
  constructor(options: PoolOptions = {}) {
    super();
    this.#options = resolvePoolOptions(options);
    this.#view = new ClusterView(this.#options.seeds, this.#options.natMap);
    this.#conns = new ConnectionSets(this.#options);
    this.#health = new NodeHealth(this.#view, this.#options, {
      ping: async (node) => {
        await runOn(this.#conns.shared(node, true), C.PING, C.PING.args());
      },
      connectionLost: (node) => this.#conns.lost(node),
      probeFailed: (node) => this.#conns.dropShared(node),
      up: (node) => this.emit('node:up', node),
      down: (node, error) => this.emit('node:down', node, error),
    });
    this.#dispatch = new Dispatch(this.#options, this.#view, this.#health, this.#conns, {
      started: () => this.#started,
      stopped: this.#stopped,
      ready: () => this.ready(),
    });
    this.#routing = new ConsumerRouting(this.#view, {
      fetch: (command, queues, options, argv, prefer, signal) =>
        this.#fetch(command, queues, options, argv, prefer, signal),
      queueLength: (node, queue) =>
        this.run(C.QLEN, [queue], { node: node.address, strict: true, retry: 'never' }).catch(() => 0),
      switched: (change) => this.emit('node:switch', change),
      closing: this.#stopped,
    });
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
    this.#health.start();
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

  #refresh(): Promise<void> {
    return discover(this.#view, {
      hello: (node) => runOn(this.#conns.shared(node), C.HELLO, C.HELLO.args()),
      identified: (node, kept) => this.#conns.merge(node, kept),
      failed: (node, err) => this.#health.noteFailure(node, err),
      up: (node) => this.#health.markUp(node),
      added: (node) => this.emit('node:up', node.snapshot()),
      merge: this.#options.discover,
    });
  }

  async #tick(): Promise<void> {
    if (this.#closing) return;
    this.#conns.coolDown(undefined, this.#options.refreshInterval);
    // Down nodes are probed on their own schedule; this restarts any that stopped.
    this.#health.probeDown();
    await this.refresh().catch((err: unknown) => this.emit('error', err as Error));
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
  run<A extends readonly unknown[], R>(
    command: Command<A, R>,
    args: A,
    options: RunOptions = {},
  ): Promise<R> {
    // Bad arguments fail (reject) before any node is chosen, and are never retried. Not an async
    // function: a suspended frame per call in flight is memory.
    try {
      return this.#dispatch.run(command, args, command.args(...args), options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
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
    // The common case, all ids from one node (one job, or a batch from one node): no grouping.
    const prefix = jobIdNodePrefix(ids[0] as string);
    let sameNode = true;
    for (let i = 1; i < ids.length && sameNode; i++) sameNode = (ids[i] as string).startsWith(prefix, 2);
    if (sameNode) return this.#dispatch.run(command, ids as string[], argv, { retry, node: prefix });
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
    command: GetJobCommand<B>,
    queues: readonly (string | Buffer)[],
    options: GetJobOptions,
    { signal, affinity }: BlockingOptions,
  ): Promise<Job<B>[]> {
    const argv = command.args(queues, options); // bad arguments fail before anything is sent
    signal?.throwIfAborted();
    return this.#routing.getJob(command, queues, options, argv, signal, affinity);
  }

  /** One GETJOB (of a consumer's routed call), on an exclusive connection unless it cannot block. */
  #fetch<B>(
    command: GetJobCommand<B>,
    queues: readonly (string | Buffer)[],
    options: GetJobOptions,
    argv: Arg[],
    prefer: Prefer,
    signal: AbortSignal | undefined,
  ): Promise<Job<B>[]> {
    const hold = command.hold ? command.hold(queues, options) : 0;
    return this.#dispatch.retry('idempotent', signal, (call) =>
      this.#dispatch.onNode(call, prefer(call.avoid), (node) => {
        // A GETJOB that cannot block shares a connection like any other command.
        if (options.nohang) return runOn(this.#conns.hot(node), command, argv, hold);
        const deadline: Deadline | undefined = options.timeout
          ? { ms: options.timeout + BLOCKING_GRACE, node: node.address }
          : undefined;
        return this.#conns.withExclusive(node, signal, deadline, (conn: Wire) =>
          runOn(conn, command, argv, hold),
        );
      }),
    );
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
    return this.#view.all().map((node) => ({ node: node.snapshot(), ...this.#conns.counts(node) }));
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
    this.#health.stop();
    await this.#conns.close();
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
