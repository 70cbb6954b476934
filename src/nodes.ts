import type { Hello } from './commands/server.js';
import type { NodeAddress } from './address.js';

/**
 * The client's view of the cluster: which nodes exist, where to reach them, their HELLO
 * priorities and whether they answer.
 * @module
 */

/** An address rewrite: HELLO may report private or empty addresses that the client cannot dial. */
export type NatMap =
  | Readonly<Record<string, { host: string; port: number }>>
  | ((address: { host: string; port: number }) => { host: string; port: number } | undefined);

/** A node as the pool sees it. */
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

/** Priority HELLO gives to failed and leaving nodes. */
export const PRIORITY_UNUSABLE = 100;

/** `host:port`, with brackets for IPv6. */
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
 * Merges HELLO replies into a set of {@link NodeState}s, keyed by address.
 * @internal
 */
export class ClusterView {
  readonly #byAddress = new Map<string, NodeState>();

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
    } else if (id !== undefined) node.id = id;
    return node;
  }

  /** All nodes. */
  /** How many nodes are known. */
  get size(): number {
    return this.#byAddress.size;
  }

  all(): NodeState[] {
    return [...this.#byAddress.values()];
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
        node = from;
        node.id = entry.id;
      } else {
        if (entry.host === '' || entry.port === 0) continue; // a node whose address is unknown
        const known = this.byId(entry.id);
        const before = this.#byAddress.size;
        node = known ?? this.#add(entry.host, entry.port, entry.id);
        if (this.#byAddress.size > before) added.push(node);
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
    for (const node of this.#byAddress.values()) {
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
