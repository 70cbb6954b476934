import pRetry from 'p-retry';
import { ConnectionError, LoadingError, NoNodeAvailableError } from '../errors.js';
import type { ClusterView, NodeState, NodeView } from '../nodes.js';
import { noNodeWait, refusedUpFront, type CallState, type RetrySettings } from './retry.js';

/** First pause between two probes of a node marked down, in ms (then doubling to refreshInterval). */
const PROBE_MIN_DELAY = 50;

/** What node health needs from the rest of the pool. @internal */
export interface HealthHooks {
  /** Answers when `node` answers a PING on a fresh connection; rejects otherwise. */
  ping(node: NodeState): Promise<void>;
  /** A connection of `node` failed: forget what may be dying with it. */
  connectionLost(node: NodeState): void;
  /** A probe of `node` failed: drop its shared connections. */
  probeFailed(node: NodeState): void;
  up(node: NodeView): void;
  down(node: NodeView, error: Error): void;
}

/**
 * Node health: which nodes are up, leaving or down; probing a node marked down until it answers;
 * calls waiting for a node to come back; and the choice of a node for the next attempt.
 * @internal
 */
export class NodeHealth {
  readonly #view: ClusterView;
  readonly #settings: RetrySettings & { readonly refreshInterval: number };
  readonly #hooks: HealthHooks;
  /** Nodes marked down and being probed again, each with the controller that stops its probes. */
  readonly #probing = new Map<NodeState, AbortController>();
  /** Calls waiting for a node to be marked up (see #nodeUp). */
  readonly #upWaiters = new Set<() => void>();
  /** Probes start once the pool has started (a pool that never started holds nothing open). */
  #started = false;
  #stopped = false;

  constructor(
    view: ClusterView,
    settings: RetrySettings & { readonly refreshInterval: number },
    hooks: HealthHooks,
  ) {
    this.#view = view;
    this.#settings = settings;
    this.#hooks = hooks;
  }

  /** From now on, nodes found down are probed; those down already start being probed. */
  start(): void {
    this.#started = true;
    for (const node of this.#view.all()) if (!node.up) this.probe(node);
  }

  /** Restarts the probing of any down node whose probes stopped. */
  probeDown(): void {
    for (const node of this.#view.all()) if (!node.up) this.probe(node);
  }

  markUp(node: NodeState): void {
    if (node.up) return;
    node.up = true;
    this.#hooks.up(node.snapshot());
    this.#wakeUpWaiters();
  }

  /** What a failed command says about its node: down (and probed) after a ConnectionError, leaving after `-LEAVING`. */
  noteFailure(node: NodeState, err: unknown): void {
    if (err instanceof ConnectionError) {
      // Only the failed connection is lost (it is closed, and skipped from now on): the node's
      // other connections may be healthy, and destroying them would fail their commands too.
      this.#hooks.connectionLost(node);
      if (node.up) {
        node.up = false;
        this.#hooks.down(node.snapshot(), err);
      }
      this.probe(node);
    } else if (refusedUpFront(err) && !(err instanceof LoadingError)) {
      node.leaving = true;
    }
  }

  /**
   * Probes a node marked down until it answers: a PING at once, then after 50 ms, doubling up to
   * `refreshInterval` (with jitter). One dropped connection thus costs a few ms, not a refresh
   * period; a node that stays down is probed every `refreshInterval`.
   */
  probe(node: NodeState): void {
    if (this.#stopped || !this.#started || this.#probing.has(node)) return;
    const controller = new AbortController();
    this.#probing.set(node, controller);
    const probe = async (): Promise<void> => {
      if (node.up) return; // marked up meanwhile (a refresh reached it)
      try {
        await this.#hooks.ping(node);
        this.markUp(node);
      } catch (err) {
        this.#hooks.probeFailed(node);
        throw err;
      }
    };
    pRetry(probe, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: PROBE_MIN_DELAY,
      maxTimeout: this.#settings.refreshInterval,
      factor: 2,
      randomize: true,
      unref: true,
      signal: controller.signal,
    })
      .catch(() => undefined) // stopped by stop()
      .finally(() => {
        if (this.#probing.get(node) === controller) this.#probing.delete(node);
      });
  }

  /** The node for the next attempt, at once; undefined when every node is marked down. */
  chooseNow(avoid: ReadonlySet<NodeState>): NodeState | undefined {
    return this.#view.best(avoid) ?? this.#view.best();
  }

  /**
   * The node for the next attempt when {@link NodeHealth.chooseNow} found none: waits for one to
   * come back (see {@link NodeHealth.nodeUp}), as a node that dropped one connection answers its
   * probe within milliseconds.
   */
  async chooseLater(call: CallState): Promise<NodeState> {
    await this.nodeUp(call);
    const node = this.chooseNow(call.avoid);
    if (!node) throw new NoNodeAvailableError('No Disque node is reachable');
    return node;
  }

  /**
   * Waits until a node is marked up, `call.waitUntil` passes or the call's signal aborts. The
   * first wait of a call sets its limit: {@link noNodeWait} from now.
   */
  nodeUp(call: CallState): Promise<void> {
    call.waitUntil ??= Date.now() + noNodeWait(this.#settings);
    const ms = call.waitUntil - Date.now();
    const { signal } = call;
    if (ms <= 0 || this.#probing.size === 0 || this.#stopped || signal?.aborted) return Promise.resolve();
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

  /** Stops every probe and releases every waiting call (the pool is closing). */
  stop(): void {
    this.#stopped = true;
    for (const controller of this.#probing.values()) controller.abort();
    this.#probing.clear();
    this.#wakeUpWaiters();
  }

  #wakeUpWaiters(): void {
    for (const wake of this.#upWaiters) wake();
  }
}
