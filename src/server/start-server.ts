/**
 * `startServer`: one embedded Disque node listening on TCP.
 */
import type { Clock } from './clock.js';
import { DisqueNode } from './node.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './options.js';
import { Persistence, readNodesConf } from './persistence.js';
import { TcpServer } from './tcp-server.js';

/**
 * A running embedded node, as returned by {@link startServer}.
 *
 * @example
 * ```ts
 * const server = await startServer();
 * process.env.DISQUE_NODES = `${server.host}:${server.port}`;
 * // ...
 * await server.close();
 * ```
 */
export interface ServerHandle {
  /** The host it listens on. */
  readonly host: string;
  /** The bound TCP port (useful with `port: 0`). */
  readonly port: number;
  /** The node id (40 hex characters); job ids created here start with its first 8 characters. */
  readonly nodeId: string;
  /**
   * Stops the node: closes the listener, destroys every client connection and clears every timer.
   * Resolves when done; safe to call more than once.
   */
  close(): Promise<void>;
}

/** What HELLO should report for a listening host. @internal */
export function advertisedHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === 'localhost' || host === '' ? '127.0.0.1' : host;
}

/**
 * Creates a node; with a `dir`, it takes its identity and peers from `dir/nodes.conf` (a restarted
 * process is the same node) and keeps them there, and with `appendonly` it replays its AOF once
 * listening.
 * @internal
 */
export function createNode(resolved: ResolvedServerOptions, clock?: Clock): DisqueNode {
  const saved = resolved.dir !== undefined ? readNodesConf(resolved.dir) : null;
  const node = new DisqueNode(
    saved !== null && resolved.nodeId === undefined ? { ...resolved, nodeId: saved.myId } : resolved,
    clock,
  );
  if (resolved.dir !== undefined) {
    node.persistence = new Persistence(node, resolved.dir);
    if (saved !== null) {
      for (const p of saved.peers) node.cluster.addKnownPeer(p.id, p.host, p.port);
      if (saved.leaving) node.cluster.setLeaving(true);
      node.cluster.resetLinks();
    }
  }
  node.onSettingsChanged = (before) => {
    const now = node.settings;
    if (now.appendonly === before.appendonly) return null;
    const p = node.persistence;
    if (p === null)
      return 'appendonly needs a dir: start the node with one (--dir, or `dir` in the config file)';
    try {
      if (now.appendonly) p.startAofFromMemory();
      else p.closeAof();
    } catch (e) {
      return `cannot open the AOF: ${e instanceof Error ? e.message : String(e)}`;
    }
    return null;
  };
  return node;
}

/**
 * A node plus its listener; `stop()`/`start()` keep the node id and port (cluster restarts).
 * @internal
 */
export class EmbeddedNode {
  tcp: TcpServer;
  #closing: Promise<void> | null = null;

  constructor(readonly node: DisqueNode) {
    this.tcp = new TcpServer(node);
  }

  async listen(host: string, port: number): Promise<number> {
    this.#closing = null;
    const bound = await this.tcp.listen(host, port);
    if (this.node.options.appendonly) this.node.persistence?.openAof();
    this.node.persistence?.saveNodesConf();
    // SHUTDOWN stops the node like close() does (and a cluster then sees it as stopped).
    this.node.onShutdown = () => void this.close();
    return bound;
  }

  /** Whether close() (or SHUTDOWN) stopped this node. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  close(): Promise<void> {
    this.#closing ??= this.tcp.close().then(() => this.node.persistence?.close());
    return this.#closing;
  }
}

/**
 * Starts one embedded Disque-compatible node on TCP.
 *
 * The node speaks RESP2 like Disque 1.0 (every command, reply shape and error text), with real
 * timers for DELAY, RETRY and TTL. It starts alone (a one-node cluster, like a fresh
 * `disque-server`); `CLUSTER MEET` joins it with other embedded nodes of the same process.
 *
 * @param options - Listening address, password and timing options; see {@link ServerOptions}.
 * @returns A handle with the bound `port` and `close()`.
 * @example
 * ```ts
 * import { startServer } from 'disque-ts/server';
 *
 * const server = await startServer({ port: 0 });
 * // connect any Disque client to server.host:server.port
 * await server.close();
 * ```
 */
export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
  return startServerOnClock(undefined, options);
}

/**
 * {@link startServer} with a given clock instead of the `timeScale` one (not exported by the
 * package: the conformance suite runs its nodes on one `VariableClock`).
 * @internal
 */
export async function startServerOnClock(
  clock: Clock | undefined,
  options: ServerOptions = {},
): Promise<ServerHandle> {
  const resolved = resolveServerOptions(options);
  const node = createNode(resolved, clock);
  const embedded = new EmbeddedNode(node);
  const port = await embedded.listen(resolved.host, resolved.port);
  return {
    host: resolved.host,
    port,
    nodeId: node.id,
    close: () => embedded.close(),
  };
}
