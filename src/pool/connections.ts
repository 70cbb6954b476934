import { createPool, type Pool as GenericPool } from 'generic-pool';
import { TimeoutError } from '../errors.js';
import type { NodeState } from '../nodes.js';
import { abortable } from '../abortable.js';
import type { Wire } from '../transport/wire.js';
import { LeanWire } from '../transport/lean.js';
import { IoredisWire } from '../transport/ioredis.js';
import { resolveConnectionOptions } from '../transport/options.js';
import type { ResolvedPoolOptions } from './options.js';

/**
 * Commands in flight on a shared lean connection before the next command opens another one.
 * Disque serves a connection's pipeline in order on one thread, so a second socket only pays
 * when the first is deep in work; one per concurrent command would spread a trickle of traffic
 * over cold sockets, which costs latency.
 */
const SPREAD_AT = 32;

/** Replication lanes per node (see {@link ConnectionSets.lane}). */
const REPLICATION_LANES = 8;

/** A deadline of one blocking call: `ms`, reported against `node`. @internal */
export interface Deadline {
  readonly ms: number;
  readonly node: string;
}

/** A node's warm exclusive connection (see `ConnectionSets#warm`). */
interface Warm {
  readonly conn: Wire;
  readonly pool: GenericPool<Wire>;
  readonly usedAt: number;
}

/** Per-node connection counts (see `Pool.stats`). @internal */
export interface ConnectionCounts {
  readonly shared: number;
  readonly inUse: number;
  readonly idle: number;
  readonly pending: number;
}

/**
 * The pool's connections, per node, in four sets:
 * - shared ioredis wires for ordinary commands (HELLO, QLEN, …), multiplexed;
 * - shared lean wires for the hot commands (`fastPath`);
 * - replication lanes: lean wires for synchronously replicated ADDJOBs on a cluster;
 * - exclusive wires (generic-pool) for blocking GETJOBs, with one kept warm per node.
 * @internal
 */
export class ConnectionSets {
  readonly #options: ResolvedPoolOptions;
  readonly #shared = new Map<NodeState, Wire[]>();
  /** Shared lean connections for the hot commands (see `fastPath`). */
  readonly #hot = new Map<NodeState, Wire[]>();
  /** Lean connections for synchronously replicated ADDJOBs on a cluster (see #lane). */
  readonly #lanes = new Map<NodeState, Wire[]>();
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
  #closing = false;

  constructor(options: ResolvedPoolOptions) {
    this.#options = options;
  }

  /**
   * The least busy shared connection of a node, opening another while there are fewer than
   * `sharedConnections`. `fresh` always opens a new one, first in line (a probe: the node's
   * other connections may be dying unnoticed), closing the oldest beyond the limit.
   */
  shared(node: NodeState, fresh = false): Wire {
    const open = (): Wire => this.#ioredis(node, true);
    const most = this.#options.sharedConnections;
    if (!fresh) return leastBusy(this.#shared, node, most, 1, open);
    const list = openConnections(this.#shared, node);
    const conn = open();
    list.unshift(conn);
    if (list.length > most) void list.pop()?.close();
    return conn;
  }

  /** A shared connection for a hot command: lean unless `fastPath` is off. */
  hot(node: NodeState): Wire {
    if (!this.#options.fastPath) return this.shared(node);
    return leastBusy(this.#hot, node, this.#options.sharedConnections, SPREAD_AT, () => this.#lean(node));
  }

  /**
   * A replication lane of `node` for a synchronously replicated ADDJOB: one of up to
   * REPLICATION_LANES lean connections that carry nothing else. Disque serves one such ADDJOB
   * per connection at a time (the client waits for the replicas), so lanes give parallelism,
   * and each pipelines the ADDJOBs waiting their turn. Borrowing an exclusive connection from
   * generic-pool for every ADDJOB was measured a third slower on a 3-node cluster.
   */
  lane(node: NodeState): Wire {
    return leastBusy(this.#lanes, node, REPLICATION_LANES, 1, () => this.#lean(node));
  }

  #ioredis(node: NodeState, shared: boolean): Wire {
    const o = this.#options;
    return new IoredisWire(
      resolveConnectionOptions({
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
      }),
    );
  }

  #lean(node: NodeState): Wire {
    const o = this.#options;
    return new LeanWire({
      host: node.host,
      port: node.port,
      connectTimeout: o.connectTimeout,
      commandTimeout: o.commandTimeout,
      password: o.password,
      tls: o.tls,
    });
  }

  /** Moves the connections of `from` (a second address of a node) to `to`, the entry that stays. */
  merge(from: NodeState, to: NodeState): void {
    // Shared connections reach the same server whichever address dialled it: keep them.
    for (const map of [this.#shared, this.#hot, this.#lanes]) {
      const moved = map.get(from);
      map.delete(from);
      if (moved) map.set(to, [...(map.get(to) ?? []), ...moved]);
    }
    // Exclusive ones may be blocked in GETJOB: let them finish, then close them.
    this.coolDown(from);
    const exclusive = this.#exclusive.get(from);
    this.#exclusive.delete(from);
    if (exclusive) {
      const retiring = exclusive.drain().then(() => exclusive.clear());
      this.#retiring.add(retiring);
      void retiring.finally(() => this.#retiring.delete(retiring));
    }
  }

  /** A connection of `node` failed: its warm and idle exclusive connections may be dying too. */
  lost(node: NodeState): void {
    this.coolDown(node);
    void this.#exclusive.get(node)?.clear();
  }

  /** Destroys the shared, hot and lane connections of `node`. */
  dropShared(node: NodeState): void {
    for (const map of [this.#shared, this.#hot, this.#lanes]) {
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
        create: async () => (o.fastPath ? this.#lean(node) : this.#ioredis(node, false)),
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

  /**
   * Runs `use` on an exclusive connection of `node`. If the signal aborts or the deadline passes,
   * the connection is destroyed rather than returned to the pool with a command still armed.
   */
  withExclusive<R>(
    node: NodeState,
    signal: AbortSignal | undefined,
    deadline: Deadline | undefined,
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
    deadline: Deadline | undefined,
    use: (conn: Wire) => Promise<R>,
  ): Promise<R> {
    this.#borrowed.add(conn);
    let broken = false;
    // A lean connection enforces the deadline itself (commandTimeout on top of the server's own
    // hold, one timer per connection): no timer per call here.
    const ownDeadline = conn instanceof LeanWire && this.#options.commandTimeout > 0;
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

  /** Hands a warm connection back to generic-pool (or destroys it if it died). */
  #giveBack(warm: Warm): void {
    if (warm.conn.closed) void warm.pool.destroy(warm.conn).catch(() => undefined);
    else void warm.pool.release(warm.conn).catch(() => undefined);
  }

  /** Gives back the warm connections of `node` (all nodes when undefined), or the idle ones only. */
  coolDown(node?: NodeState, idleFor = 0): void {
    const now = Date.now();
    for (const [key, warm] of this.#warm)
      if ((node === undefined || key === node) && now - warm.usedAt >= idleFor) {
        this.#warm.delete(key);
        this.#giveBack(warm);
      }
  }

  /** Connection counts of `node`. */
  counts(node: NodeState): ConnectionCounts {
    const pool = this.#exclusive.get(node);
    // The warm connection is idle, although generic-pool counts it as lent.
    const warm = this.#warm.get(node)?.pool === pool && pool ? 1 : 0;
    return {
      shared: [
        ...(this.#shared.get(node) ?? []),
        ...(this.#hot.get(node) ?? []),
        ...(this.#lanes.get(node) ?? []),
      ].filter((c) => !c.closed).length,
      inUse: (pool?.borrowed ?? 0) - warm,
      idle: (pool?.available ?? 0) + warm,
      pending: pool?.pending ?? 0,
    };
  }

  /** Closes every connection; blocked GETJOBs are cut. */
  async close(): Promise<void> {
    this.#closing = true;
    // Lent connections are blocked in GETJOB: cut them so that drain() can finish.
    for (const conn of this.#borrowed) conn.destroy();
    this.coolDown();
    const pools = [...this.#exclusive.values()];
    this.#exclusive.clear();
    await Promise.all([...pools.map((pool) => pool.drain().then(() => pool.clear())), ...this.#retiring]);
    const shared = [...this.#shared.values(), ...this.#hot.values(), ...this.#lanes.values()].flat();
    this.#shared.clear();
    this.#hot.clear();
    this.#lanes.clear();
    await Promise.all(shared.map((c) => c.close()));
  }
}

/**
 * The least busy open connection to `node` in `map`, or a new one while there are fewer than
 * `most` and the least busy one has `spreadAt` commands in flight.
 */
function leastBusy(
  map: Map<NodeState, Wire[]>,
  node: NodeState,
  most: number,
  spreadAt: number,
  open: () => Wire,
): Wire {
  const list = openConnections(map, node);
  let best: Wire | undefined;
  for (const conn of list) if (!best || conn.inFlight < best.inFlight) best = conn;
  if (best && (best.inFlight < spreadAt || list.length >= most)) return best;
  const conn = open();
  list.push(conn);
  return conn;
}

/** The list of `node`'s connections in `map` (created when missing), closed ones removed. */
function openConnections(map: Map<NodeState, Wire[]>, node: NodeState): Wire[] {
  let list = map.get(node);
  if (!list) map.set(node, (list = []));
  for (let i = list.length - 1; i >= 0; i--) if (list[i]?.closed) list.splice(i, 1);
  return list;
}
