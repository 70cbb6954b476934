import type { Hello } from './commands/server.js';
import type { NodeAddress } from './address.js';

/**
 * The client's view of the cluster: which nodes exist, where to reach them, their HELLO
 * priorities and whether they answer.
 * @module
 */

/**
 * An address rewrite: HELLO may report private or empty addresses that the client cannot dial.
 * A table keyed by `host:port` as HELLO reports it, or a function (return `undefined` to keep one).
 *
 * @example
 * ```ts
 * const natMap: NatMap = { '172.17.0.2:7711': { host: 'disque.example.com', port: 7711 } };
 * const jobs = connect({ nodes: 'disque.example.com:7711', natMap });
 * ```
 */
export type NatMap =
  | Readonly<Record<string, { host: string; port: number }>>
  | ((address: { host: string; port: number }) => { host: string; port: number } | undefined);

/**
 * A node as the pool sees it (a snapshot: it does not change afterwards).
 *
 * @example
 * ```ts
 * const usable = pool.nodes().filter((n: NodeView) => n.up && !n.leaving && n.priority < PRIORITY_UNUSABLE);
 * ```
 */
export interface NodeView {
  /** The node id, once HELLO told it (`undefined` for a seed not reached yet). */
  readonly id: string | undefined;
  /** The address dialled, `host:port` (after `natMap`). */
  readonly address: string;
  /** Host dialled. */
  readonly host: string;
  /** Port dialled. */
  readonly port: number;
  /** HELLO priority: 1 healthy … 100 failed or leaving. Lower is better. */
  readonly priority: number;
  /** Whether the node answered last time the client tried. */
  readonly up: boolean;
  /** Whether the node said it is leaving (priority 100 or a `-LEAVING` reply). */
  readonly leaving: boolean;
}

/**
 * Priority HELLO gives to failed and leaving nodes.
 *
 * @example
 * ```ts
 * const failed = (await conn.hello()).nodes.filter((n) => n.priority >= PRIORITY_UNUSABLE);
 * ```
 */
export const PRIORITY_UNUSABLE = 100;

/**
 * `host:port`, with brackets for IPv6.
 *
 * @example
 * ```ts
 * formatAddress('10.0.0.5', 7711); // '10.0.0.5:7711'
 * formatAddress('::1', 7711); // '[::1]:7711'
 * ```
 */
export function formatAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Applies a NAT map to an address. */
export function mapAddress(
  natMap: NatMap | undefined,
  host: string,
  port: number,
): { host: string; port: number } {
  if (natMap === undefined) return { host, port };
  const mapped = typeof natMap === 'function' ? natMap({ host, port }) : natMap[formatAddress(host, port)];
  return mapped ?? { host, port };
}

/** Mutable state behind a {@link NodeView}. @internal */
export class NodeState implements NodeView {
  id: string | undefined;
  priority = 1;
  up = true;
  leaving = false;
  /** When the node was last seen in a HELLO (ms since epoch), to drop forgotten nodes. */
  seenAt = Date.now();
  readonly address: string;

  constructor(
    readonly host: string,
    readonly port: number,
    id?: string,
  ) {
    this.address = formatAddress(host, port);
    this.id = id;
  }

  /** Whether commands may be sent here. */
  get usable(): boolean {
    return this.up && !this.leaving && this.priority < PRIORITY_UNUSABLE;
  }

  snapshot(): NodeView {
    const { id, address, host, port, priority, up, leaving } = this;
    return { id, address, host, port, priority, up, leaving };
  }
}

/**
 * Merges HELLO replies into a set of {@link NodeState}s, keyed by address. One node has one
 * entry: once HELLO has told a node's id, another address found for the same id (a seed given
 * by host name) becomes an alias of that entry (see {@link ClusterView.identify}).
 * @internal
 */
export class ClusterView {
  /** Every address known, each to its node; several addresses may lead to one node. */
  readonly #byAddress = new Map<string, NodeState>();
  /** The nodes, each once (an address alias maps a second address to a node already here). */
  readonly #nodes = new Set<NodeState>();

  constructor(
    seeds: readonly NodeAddress[],
    private readonly natMap?: NatMap,
  ) {
    for (const seed of seeds) this.#add(seed.host, seed.port);
  }

  #add(host: string, port: number, id?: string): NodeState {
    const mapped = mapAddress(this.natMap, host, port);
    const address = formatAddress(mapped.host, mapped.port);
    let node = this.#byAddress.get(address);
    if (!node) {
      node = new NodeState(mapped.host, mapped.port, id);
      this.#byAddress.set(address, node);
      this.#nodes.add(node);
    } else if (id !== undefined) node = this.identify(node, id);
    return node;
  }

  /** How many nodes are known (aliases count once). */
  get size(): number {
    return this.#nodes.size;
  }

  /** All nodes, each once. */
  all(): NodeState[] {
    return [...this.#nodes];
  }

  /**
   * Records that `node` has the id `id`, and returns the entry that stands for that node. When
   * another entry already has the id (the seed `localhost:7711` and `127.0.0.1:7711` as HELLO
   * reports it), the two are one node: the entry known first stays, `node`'s address becomes an
   * alias of it, and `node` is no longer listed.
   */
  identify(node: NodeState, id: string): NodeState {
    const known = this.byId(id);
    if (known === undefined || known === node) {
      node.id = id;
      return node;
    }
    for (const [address, entry] of this.#byAddress) if (entry === node) this.#byAddress.set(address, known);
    this.#nodes.delete(node);
    return known;
  }

  /** The node with this address. */
  get(address: string): NodeState | undefined {
    return this.#byAddress.get(address);
  }

  /** The node whose id starts with `prefix` (job ids carry 8 characters of it). */
  byPrefix(prefix: string): NodeState | undefined {
    for (const node of this.#byAddress.values()) if (node.id?.startsWith(prefix)) return node;
    return undefined;
  }

  /**
   * Merges a HELLO reply obtained from `from`. The asked node reports its own address as `''`
   * until it has met another node, so its entry takes the address we dialled. Returns the nodes
   * that are new.
   */
  merge(hello: Hello, from: NodeState): NodeState[] {
    const added: NodeState[] = [];
    const now = Date.now();
    for (const entry of hello.nodes) {
      let node: NodeState;
      if (entry.id === hello.nodeId) {
        node = this.identify(from, entry.id);
      } else {
        if (entry.host === '' || entry.port === 0) continue; // a node whose address is unknown
        const known = this.byId(entry.id);
        const before = this.#nodes.size;
        node = known ?? this.#add(entry.host, entry.port, entry.id);
        if (this.#nodes.size > before) added.push(node);
      }
      node.priority = entry.priority;
      // A leaving (or failed) node shows priority 100; once it is back below, it is usable again.
      if (entry.priority < PRIORITY_UNUSABLE) node.leaving = false;
      node.seenAt = now;
    }
    return added;
  }

  byId(id: string): NodeState | undefined {
    for (const node of this.#byAddress.values()) if (node.id === id) return node;
    return undefined;
  }

  /**
   * The best node: usable, lowest priority, chosen at random among equals so that load spreads.
   * Falls back to nodes that are not marked usable (rather than failing) when none is.
   */
  best(exclude?: ReadonlySet<NodeState>): NodeState | undefined {
    return this.#pick(exclude, true) ?? this.#pick(exclude, false);
  }

  /** One pass, no allocation: every command goes through here. Ties are drawn uniformly. */
  #pick(exclude: ReadonlySet<NodeState> | undefined, usableOnly: boolean): NodeState | undefined {
    let chosen: NodeState | undefined;
    let min = Infinity;
    let ties = 0;
    for (const node of this.#nodes) {
      if (exclude?.has(node)) continue;
      if (usableOnly ? !node.usable : !node.up || node.leaving) continue;
      if (node.priority < min) {
        min = node.priority;
        chosen = node;
        ties = 1;
      } else if (node.priority === min && Math.random() * ++ties < 1) chosen = node;
    }
    return chosen;
  }
}
