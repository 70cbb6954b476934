import type { Arg, Command } from '../commands/types.js';
import * as C from '../commands/index.js';
import { ConnectionError, DisqueError, NoNodeAvailableError } from '../errors.js';
import type { ClusterView, NodeState } from '../nodes.js';
import { recovered, runOn, type Recovery } from '../transport/wire.js';
import type { ResolvedPoolOptions } from './options.js';
import { retryAfter, withRetries, type CallState, type RetryPolicy } from './retry.js';
import type { NodeHealth } from './health.js';
import type { ConnectionSets } from './connections.js';
import { learnPaused, PausedQueues, skipPaused, type PauseContext } from './paused-queues.js';
import type { RunOptions } from './types.js';

/** What the dispatch needs to know of the Pool's life cycle. */
export interface Lifecycle {
  /** Whether the first HELLO succeeded (then calls skip awaiting `ready()`). */
  started(): boolean;
  /** Whether close() was called: one function for every retry loop, not a closure per call. */
  readonly stopped: () => boolean;
  /** Resolves once the pool has reached a node. */
  ready(): Promise<void>;
}

/** No node to avoid (a first attempt). */
const NO_NODES: ReadonlySet<NodeState> = new Set();

/**
 * How a command call reaches a node: its first attempt goes straight onto the best node's wire
 * (no retry state, no extra promise: the common case), and a failure its {@link RetryPolicy}
 * allows goes on to the retry loop over other nodes. Routed ADDJOBs skip nodes whose queue is
 * paused for input. Every command of the Pool goes through {@link Dispatch.onNode}.
 * @internal
 */
export class Dispatch {
  readonly #options: ResolvedPoolOptions;
  readonly #view: ClusterView;
  readonly #health: NodeHealth;
  readonly #conns: ConnectionSets;
  readonly #life: Lifecycle;
  /** Queues paused for input, per node, learnt from ADDJOB's refusals (see paused-queues.ts). */
  readonly #paused = new PausedQueues();
  readonly #pauseContext: PauseContext;

  constructor(
    options: ResolvedPoolOptions,
    view: ClusterView,
    health: NodeHealth,
    conns: ConnectionSets,
    life: Lifecycle,
  ) {
    this.#options = options;
    this.#view = view;
    this.#health = health;
    this.#conns = conns;
    this.#life = life;
    this.#pauseContext = {
      nodes: () => view.all(),
      state: (node, queue) => runOn(conns.shared(node), C.PAUSE, C.PAUSE.args(queue, 'state')),
    };
  }

  /** A node by id, id prefix or address. */
  find(key: string): NodeState | undefined {
    return this.#view.get(key) ?? this.#view.byPrefix(key);
  }

  /**
   * Runs a command whose argv is built (and so validated) already: on `options.node` or the best
   * node, retried on others as its {@link RetryPolicy} allows. Not an async function: with
   * 100 000 calls in flight, a suspended frame each is memory.
   */
  run<A extends readonly unknown[], R>(
    command: Command<A, R>,
    args: A,
    argv: Arg[],
    options: RunOptions,
  ): Promise<R> {
    // Calls made before the pool has reached a node (100 000 adds right after connect()) wait for
    // that once each, then take the first-attempt path: not a retry loop, its state and its frame
    // each. ready() failing fails them as the retry loop would.
    if (!this.#life.started() && !this.#life.stopped() && !options.strict)
      return this.#life.ready().then(() => this.run(command, args, argv, options));
    const hold = command.hold ? command.hold(...args) : 0;
    // Disque blocks the client of a synchronously replicated ADDJOB until the replicas confirm,
    // and commands pipelined behind it wait: such calls get connections of their own (replication
    // lanes, or with `fastPath: false` an exclusive connection each), so that a producer with many
    // adds in flight has them replicated in parallel rather than one after another.
    const holds = this.#view.size > 1 && command.holdsConnection?.(...args) === true;
    const addsTo = options.node === undefined ? command.addsTo?.(...args) : undefined;
    const copies = addsTo === undefined ? undefined : command.copiesAtOnce?.(...args);
    // One Map lookup per ADDJOB; a queue seen paused takes the retry loop, which skips its nodes.
    const first = addsTo !== undefined && this.#paused.knows(addsTo) ? undefined : this.#firstNode(options);
    const call = new Call<R>(
      this,
      command as Command<never, R>,
      argv,
      hold,
      holds,
      addsTo,
      copies,
      options,
      first,
    );
    if (first === undefined)
      return this.retry(options.retry ?? 'idempotent', options.signal, (state) => this.#attempt(state, call));
    try {
      // A failure comes back through call.recover(), carried by the wire (no `.then` per call).
      return this.#send(first, call, call);
    } catch (error) {
      return recovered(Promise.reject(error as Error), call);
    }
  }

  /**
   * The node of a call's first attempt when it can be chosen at once (the pool is started, the
   * call is not strict, a node is usable): the common case, which then costs no retry state.
   */
  #firstNode(options: RunOptions): NodeState | undefined {
    if (!this.#life.started() || this.#life.stopped() || options.strict || options.signal?.aborted)
      return undefined;
    const pinned = options.node === undefined ? undefined : this.find(options.node);
    return pinned?.usable ? pinned : this.#health.chooseNow(NO_NODES);
  }

  /** After the first attempt failed on `call.first`: note it, then retry as the policy allows. */
  afterFirstFailure<R>(call: Call<R>, error: unknown): Promise<R> {
    const node = call.first as NodeState;
    this.#health.noteFailure(node, error);
    const { signal, retry = 'idempotent' } = call.options;
    const state: CallState = { avoid: new Set(), signal, waitUntil: undefined };
    if (error instanceof DisqueError && error.retryable) state.avoid.add(node);
    const again = (): Promise<R> =>
      retryAfter(this.#options, retry, signal, this.#life.stopped, state, error, (s) =>
        this.#attempt(s, call),
      );
    if (call.addsTo === undefined) return again();
    return learnPaused(this.#paused, this.#pauseContext, call.addsTo, node, error).then(again);
  }

  /** One attempt of a call through the retry loop. */
  async #attempt<R>(state: CallState, call: Call<R>): Promise<R> {
    const { options } = call;
    const pinned = options.node === undefined ? undefined : this.find(options.node);
    if (options.strict && pinned && !pinned.up) await this.#health.nodeUp(state);
    if (options.strict && !pinned?.up)
      throw new NoNodeAvailableError(`Node ${options.node ?? ''} is not known or not reachable`);
    const queue = call.addsTo;
    if (queue === undefined)
      return this.onNode(state, pinned, (node) => this.#send(node, call), options.strict);
    if (this.#paused.knows(queue))
      await skipPaused(this.#paused, this.#pauseContext, queue, call.copies, state.avoid);
    return this.onNode(state, pinned, (node) =>
      this.#send(node, call).catch(async (err: unknown) => {
        await learnPaused(this.#paused, this.#pauseContext, queue, node, err);
        throw err;
      }),
    );
  }

  /** Sends a call's command to `node`, on the connection its facts call for. */
  #send<R>(node: NodeState, call: Call<R>, recovery?: Recovery<R>): Promise<R> {
    const { command, argv, hold } = call;
    if (call.holds)
      return this.#options.fastPath
        ? runOn(this.#conns.lane(node), command, argv, hold, recovery)
        : recovered(
            this.#conns.withExclusive(node, call.options.signal, undefined, (conn) =>
              runOn(conn, command, argv, hold),
            ),
            recovery,
          );
    return runOn(
      command.hot ? this.#conns.hot(node) : this.#conns.shared(node),
      command,
      argv,
      hold,
      recovery,
    );
  }

  /**
   * Runs one attempt of a call on a node: `preferred` when it is usable and this call has not
   * failed on it yet, else the best node (waiting for one to come back when all are down). A
   * failure is noted against the node (down, leaving) and, when retryable, the node is avoided
   * by the next attempt.
   */
  async onNode<R>(
    state: CallState,
    preferred: NodeState | undefined,
    use: (node: NodeState) => Promise<R>,
    strict = false,
  ): Promise<R> {
    const { avoid } = state;
    const node =
      strict || (preferred?.usable && !avoid.has(preferred))
        ? (preferred as NodeState)
        : (this.#health.chooseNow(avoid) ?? (await this.#health.chooseLater(state)));
    try {
      return await use(node);
    } catch (err) {
      this.#health.noteFailure(node, err);
      if (err instanceof DisqueError && err.retryable) avoid.add(node);
      throw err;
    }
  }

  /** Runs `attempt` under the retry loop of `policy` (after the pool is ready). */
  async retry<R>(
    policy: RetryPolicy,
    signal: AbortSignal | undefined,
    attempt: (state: CallState) => Promise<R>,
  ): Promise<R> {
    if (this.#life.stopped()) throw new ConnectionError('The pool is closed');
    if (!this.#life.started()) await this.#life.ready();
    signal?.throwIfAborted();
    return withRetries(this.#options, policy, signal, this.#life.stopped, attempt);
  }
}

/**
 * A call through {@link Dispatch.run}: its command with the argv built and the facts read once,
 * and the node of its first attempt. It is also that attempt's {@link Recovery}: one object per
 * call in flight, where a `.then` would add a promise, a reaction and a closure.
 */
class Call<R> implements Recovery<R> {
  constructor(
    readonly dispatch: Dispatch,
    readonly command: Command<never, R>,
    readonly argv: Arg[],
    readonly hold: number,
    readonly holds: boolean,
    /**
     * The queue a routed (not pinned) ADDJOB adds to, from the command's `addsTo`: nodes whose
     * queue is paused are skipped. Undefined for other calls.
     */
    readonly addsTo: string | undefined,
    /** The command's `copiesAtOnce`, for the same check. */
    readonly copies: number | undefined,
    readonly options: RunOptions,
    /** The node of the first attempt; undefined when the call went straight to the retry loop. */
    readonly first: NodeState | undefined,
  ) {}

  recover(error: unknown): Promise<R> {
    return this.dispatch.afterFirstFailure(this, error);
  }
}
