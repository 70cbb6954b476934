/**
 * One Disque node: its identity and settings, its job and queue tables, blocked clients and
 * timers. Commands (commands/) and cluster messages (cluster.ts) move jobs through Disque's life
 * cycle with `node.lifecycle` (job-lifecycle.ts); the queues and blocked clients are served here.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { ScaledClock, TimerGroup, type Clock } from './clock.js';
import { Cluster } from './cluster.js';
import { Federation } from './federation.js';
import type { Job } from './job.js';
import { JobScheduler } from './job-scheduler.js';
import { JobLifecycle } from './job-lifecycle.js';
import { NodeMemory } from './memory.js';
import type { Client } from './client.js';
import type { ResolvedServerOptions } from './options.js';
import { Queue, PAUSED_ALL, PAUSED_IN, PAUSED_OUT, type QueueWaiter } from './queue.js';
import { NodeStats } from './stats.js';
import { defaultSettings, type ServerSettings } from './config.js';
import { MemoryBus, type BusTransport } from './cluster-bus.js';
import type { Persistence } from './persistence.js';

/** Period of the node's housekeeping, like Disque's `hz 10`. */
export const CRON_PERIOD_MS = 100;

/** A client-side object that can be woken with an error or a timeout (blocked commands). @internal */
export interface BlockedOperation {
  /** Virtual ms after which the operation times out; 0 = never. */
  readonly timeoutAt: number;
  onTimeout(): void;
  /** The node starts leaving the cluster (blocked GETJOB gets -LEAVING). */
  onLeaving?(): void;
  /** DEBUG FLUSHALL. */
  onFlush?(): void;
  /** Periodic work while blocked (federation requests, replication retries). */
  onCron?(): void;
  /** The client went away while blocked. */
  onDisconnect?(): void;
}

/** @internal */
export class DisqueNode {
  #id: string;
  readonly clock: Clock;
  readonly timers: TimerGroup;
  readonly jobs = new Map<string, Job>();
  readonly queues = new Map<string, Queue>();
  /** Operations blocked on this node (GETJOB, synchronous ADDJOB). */
  readonly blocked = new Set<BlockedOperation>();
  readonly scheduler: JobScheduler;
  /** Moves jobs through their states (queueing, acks, GC, expiry). */
  readonly lifecycle: JobLifecycle;
  readonly cluster: Cluster;
  readonly federation: Federation;
  readonly stats = new NodeStats();
  /** Bound TCP port (0 until listening). */
  port = 0;
  /** How this node reaches its peers (set by the TCP layer when it listens). */
  bus: BusTransport;
  /** nodes.conf and the AOF, when the node has a `dir`. */
  persistence: Persistence | null = null;
  /** Connected clients (provided by the TCP layer). */
  clientList: () => Iterable<Client> = () => [];
  clientCount: () => number = () => 0;
  /** SHUTDOWN: the TCP layer stops this node. */
  onShutdown: () => void = () => undefined;
  readonly memory: NodeMemory;
  /** Disque's cluster-node-timeout (CONFIG SET can change it). */
  nodeTimeout: number;
  host: string;
  password: string | undefined;
  readonly startedAt: number;
  readonly runId = randomBytes(20).toString('hex');
  /** The CONFIG GET/SET/REWRITE view of this node's configuration. */
  settings: ServerSettings;
  /** Called after CONFIG SET changed settings (persistence turns the AOF on or off here). */
  onSettingsChanged: (before: ServerSettings) => string | null = () => null;
  #lastCtime = 0n;
  /** Queues that received jobs while clients were blocked on them. */
  readonly #ready = new Set<Queue>();
  #running = false;

  /** `clock` replaces the `timeScale` clock (the conformance suite's fast-forwarding clock). */
  constructor(
    readonly options: ResolvedServerOptions,
    clock?: Clock,
  ) {
    this.#id = options.nodeId ?? randomBytes(20).toString('hex');
    this.host = options.host;
    this.password = options.password;
    this.clock = clock ?? new ScaledClock(options.timeScale);
    this.timers = new TimerGroup(this.clock);
    this.lifecycle = new JobLifecycle(this);
    this.scheduler = new JobScheduler(this.timers, (j) => this.lifecycle.processJob(j));
    this.cluster = new Cluster(this);
    this.bus = new MemoryBus(this.cluster);
    this.federation = new Federation(this);
    this.startedAt = this.clock.now();
    this.nodeTimeout = options.nodeTimeout;
    this.settings = {
      ...defaultSettings(),
      port: options.port,
      bind: options.host,
      dir: options.dir ?? process.cwd(),
      requirepass: options.password ?? '',
      clusterNodeTimeout: options.nodeTimeout,
      maxmemory: options.maxMemory,
      appendonly: options.appendonly,
      appendfsync: options.appendfsync,
    };
    this.memory = new NodeMemory(
      {
        jobs: this.jobs,
        queues: this.queues,
        pendingInput: () => {
          let n = 0;
          for (const c of this.clientList()) n += c.inputBuffered;
          return n;
        },
        unregisterJob: (j) => this.lifecycle.unregisterJob(j),
        evictIdleQueuesUnderPressure: () => this.evictIdleQueues(),
      },
      options.maxMemory,
    );
  }

  setNodeTimeout(ms: number): void {
    this.nodeTimeout = ms;
    this.settings.clusterNodeTimeout = ms;
  }

  /** CONFIG SET: takes new settings; returns an error message when they cannot apply. */
  applySettings(next: ServerSettings): string | null {
    const before = this.settings;
    this.settings = { ...next, port: this.port, bind: before.bind };
    const failure = this.onSettingsChanged(before);
    if (failure !== null) {
      this.settings = before;
      return failure;
    }
    this.password = next.requirepass === '' ? undefined : next.requirepass;
    this.memory.max = next.maxmemory;
    this.nodeTimeout = next.clusterNodeTimeout;
    return null;
  }

  requestShutdown(): void {
    setImmediate(() => this.onShutdown());
  }

  get id(): string {
    return this.#id;
  }

  /** CLUSTER RESET HARD picks a new id. */
  setId(id: string): void {
    this.#id = id;
  }

  /** Starts the periodic housekeeping. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.timers.reopen();
    this.timers.every(CRON_PERIOD_MS, () => this.cron());
  }

  /** Stops every timer; the state stays in memory. */
  stop(): void {
    this.#running = false;
    this.timers.clear();
    this.scheduler.clear();
  }

  get running(): boolean {
    return this.#running;
  }

  /** Virtual time, ms. */
  now(): number {
    return this.clock.now();
  }

  /** Virtual time, whole Unix seconds (Disque's `server.unixtime`). */
  unixtime(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** A fresh job ctime: ms × 1e6, strictly increasing on this node. */
  nextCtime(): bigint {
    let c = BigInt(Math.floor(this.now())) * 1000000n;
    if (c <= this.#lastCtime) c = this.#lastCtime + 1n;
    this.#lastCtime = c;
    return c;
  }

  // ------------------------------------------------------------------ queues

  lookupQueue(name: Buffer | string): Queue | undefined {
    return this.queues.get(typeof name === 'string' ? name : name.toString('latin1'));
  }

  createQueue(name: Buffer): Queue {
    const existing = this.lookupQueue(name);
    if (existing !== undefined) return existing;
    const q = new Queue(name, this.now());
    this.queues.set(q.key, q);
    return q;
  }

  queueLength(name: Buffer): number {
    return this.lookupQueue(name)?.length ?? 0;
  }

  /** Evicts `q` if it is empty, unpaused, without blocked clients and idle for `maxIdleSec`. */
  gcQueue(q: Queue, maxIdleMs: number): boolean {
    const idleMs = (this.unixtime() - q.atime) * 1000;
    if (idleMs < maxIdleMs) return false;
    if (q.waiters.size > 0 || q.length > 0 || (q.flags & PAUSED_ALL) !== 0) return false;
    this.queues.delete(q.key);
    this.#ready.delete(q);
    return true;
  }

  /** Sets or clears a pause flag; clearing "out" serves blocked clients again. */
  setPaused(q: Queue, flag: typeof PAUSED_IN | typeof PAUSED_OUT, on: boolean): void {
    const wasOut = q.pausedOut;
    if (on) q.flags |= flag;
    else q.flags &= ~flag;
    if (wasOut && !q.pausedOut) this.signalQueueAsReady(q);
  }

  // ---------------------------------------------------------- blocked clients

  /** Remembers that `q` got jobs; blocked clients are served by `serveReadyQueues()`. */
  signalQueueAsReady(q: Queue): void {
    if (q.waiters.size > 0) this.#ready.add(q);
  }

  /** Serves blocked GETJOB clients, first come first served, one job each. */
  serveReadyQueues(): void {
    while (this.#ready.size > 0) {
      const queues = [...this.#ready];
      this.#ready.clear();
      for (const q of queues) {
        if (this.queues.get(q.key) !== q || q.pausedOut) continue;
        for (const w of [...q.waiters]) {
          if (!q.waiters.has(w)) continue;
          const job = this.lifecycle.fetchJob(q);
          if (job === undefined) break;
          if (q.length === 0) this.federation.needJobs(q, 'reached-zero');
          w.serve(q, job);
        }
      }
    }
  }

  /** Adds a waiter to a queue (created if needed). */
  addWaiter(q: Queue, w: QueueWaiter): void {
    q.waiters.add(w);
  }

  /** Removes a waiter; an idle queue left without waiters may be evicted at once. */
  removeWaiter(q: Queue, w: QueueWaiter): void {
    if (!q.waiters.delete(w)) return;
    if (q.waiters.size === 0) this.gcQueue(q, this.options.queueIdleEvictMs);
  }

  // --------------------------------------------------------------------- misc

  /** DEBUG FLUSHALL: forget every job and queue; blocked GETJOBs get a null reply. */
  flushAll(): void {
    for (const op of [...this.blocked]) op.onFlush?.();
    for (const q of this.queues.values()) q.clear();
    this.queues.clear();
    this.jobs.clear();
    this.memory.reset();
    this.scheduler.clear();
    this.#ready.clear();
    this.persistence?.reset();
  }

  /** The 100 ms housekeeping: timeouts of blocked clients, queue eviction, cluster upkeep. */
  cron(): void {
    const now = this.now();
    const leaving = this.cluster.leaving;
    for (const op of [...this.blocked]) {
      if (!this.blocked.has(op)) continue;
      if (op.timeoutAt !== 0 && op.timeoutAt <= now) op.onTimeout();
      else if (leaving && op.onLeaving !== undefined) op.onLeaving();
      else op.onCron?.();
    }
    this.evictIdleQueues();
    this.cluster.cron();
    this.persistence?.saveNodesConf();
    this.serveReadyQueues();
  }

  /** Evicts idle empty queues; the idle limit shrinks under memory pressure (10 s, then 2 s). */
  evictIdleQueues(): number {
    let maxIdle = this.options.queueIdleEvictMs;
    const level = this.memory.level();
    if (level > 0) maxIdle = Math.floor(maxIdle / 30);
    if (level > 1) maxIdle = 2000;
    let n = 0;
    for (const q of [...this.queues.values()]) if (this.gcQueue(q, maxIdle)) n++;
    return n;
  }
}
