/**
 * The in-process "network" between embedded nodes. Real Disque nodes talk over a TCP cluster bus
 * (port + 10000); embedded nodes of one process exchange message objects instead. A process-wide
 * registry maps `host:port` (the client port, the address CLUSTER MEET and HELLO use) to the node
 * listening there, so nodes started separately with `startServer` can MEET each other. An address
 * that is not in the registry behaves like a dead host: messages to it are lost.
 * @internal
 */
import type { ClusterMessage } from './cluster-messages.js';

/**
 * How a node reaches the others: the in-process registry below ({@link MemoryBus}) or TCP sockets
 * between processes (cluster-tcp-bus.ts). Peers are named by their client address, as in MEET.
 * @internal
 */
export interface BusTransport {
  /** Sends a message to the node at host:port; false when there is no link to it. */
  send(host: string, port: number, msg: ClusterMessage): boolean;
  /**
   * The id of the node that answers at host:port, or undefined while there is no link (the TCP
   * bus also starts connecting here, so the cluster cron keeps links up by asking).
   */
  peerAt(host: string, port: number): string | undefined;
  /** Our own id changed (CLUSTER RESET HARD): links must learn the new one. */
  identityChanged(): void;
  /** Drops the outgoing link to host:port; the next use reconnects. */
  dropLink(host: string, port: number): void;
  /** Connects to host:port now, without waiting for the reconnect delay (the node is back). */
  reconnectNow(host: string, port: number): void;
  /** Stops listening and drops every link. */
  close(): Promise<void>;
}

/** What the bus needs from a node. @internal */
export interface BusEndpoint {
  readonly id: string;
  /** Handles one message; `dstHost` is the address the sender used to reach us. */
  receive(msg: ClusterMessage, dstHost: string): void;
  /** An outgoing link to host:port is connected and knows who answers there. */
  linkReady(host: string, port: number): void;
}

/**
 * Kept on `globalThis` under a registered symbol, so that the ESM and the CommonJS build of this
 * package, if both get loaded in one process, still share one network.
 */
const REGISTRY_KEY = Symbol.for('disque-ts.embedded-server.registry');
const holder = globalThis as { [REGISTRY_KEY]?: Map<string, BusEndpoint> };
const registry: Map<string, BusEndpoint> = (holder[REGISTRY_KEY] ??= new Map<string, BusEndpoint>());

/** Hosts that mean "this machine" are registered under 127.0.0.1 too. */
const LOOPBACK_ALIASES = new Set(['0.0.0.0', '::', 'localhost', '::1', '']);

function keysFor(host: string, port: number): string[] {
  const keys = [`${host}:${port}`];
  if (LOOPBACK_ALIASES.has(host)) keys.push(`127.0.0.1:${port}`);
  return keys;
}

/** Makes a listening node reachable at its address. @internal */
export function registerEndpoint(host: string, port: number, ep: BusEndpoint): void {
  for (const k of keysFor(host, port)) registry.set(k, ep);
}

/** Removes a node from the network (stopped or closed). @internal */
export function unregisterEndpoint(host: string, port: number, ep: BusEndpoint): void {
  for (const k of keysFor(host, port)) {
    if (registry.get(k) === ep) registry.delete(k);
  }
}

/** The node listening at an address, if any. @internal */
export function lookupEndpoint(host: string, port: number): BusEndpoint | undefined {
  return registry.get(`${host}:${port}`);
}

interface Pending {
  ep: BusEndpoint;
  msg: ClusterMessage;
  dstHost: string;
}

let pending: Pending[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  const batch = pending;
  pending = [];
  for (const p of batch) {
    try {
      p.ep.receive(p.msg, p.dstHost);
    } catch (e) {
      // A bug in one handler must not stop delivery to the others; surface it asynchronously.
      process.emitWarning(`disque-ts embedded server: cluster message handler failed: ${String(e)}`);
    }
  }
}

/**
 * Sends a message to the node at `host:port`. Delivery is asynchronous (like a network hop) and
 * ordered. Returns false when nobody listens there.
 * @internal
 */
export function sendTo(host: string, port: number, msg: ClusterMessage): boolean {
  const ep = lookupEndpoint(host, port);
  if (ep === undefined) return false;
  pending.push({ ep, msg, dstHost: host });
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
  return true;
}

/** The in-process transport: the registry above. @internal */
export class MemoryBus implements BusTransport {
  #registered: { host: string; port: number } | null = null;

  constructor(private readonly endpoint: BusEndpoint) {}

  register(host: string, port: number): void {
    this.#registered = { host, port };
    registerEndpoint(host, port, this.endpoint);
  }

  send(host: string, port: number, msg: ClusterMessage): boolean {
    return sendTo(host, port, msg);
  }

  peerAt(host: string, port: number): string | undefined {
    return lookupEndpoint(host, port)?.id;
  }

  identityChanged(): void {
    /* lookups read the live id */
  }

  dropLink(): void {
    /* no links in memory */
  }

  reconnectNow(): void {
    /* no links in memory */
  }

  close(): Promise<void> {
    const r = this.#registered;
    this.#registered = null;
    if (r !== null) unregisterEndpoint(r.host, r.port, this.endpoint);
    return Promise.resolve();
  }
}
