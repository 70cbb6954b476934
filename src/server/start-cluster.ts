/**
 * `startCluster`: N embedded Disque nodes in one process, already joined, with controls to stop,
 * restart and drain (LEAVING) individual nodes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveServerOptions, type ServerOptions } from './options.js';
import { advertisedHost, createNode, EmbeddedNode } from './start-server.js';
import { startProcessCluster } from './process-cluster.js';

/**
 * Options of {@link startCluster}: the options of every node, plus their number.
 *
 * @example
 * ```ts
 * // Five nodes on fixed ports; a dead node is flagged PFAIL after 2 s instead of 15 s.
 * const cluster = await startCluster({ nodes: 5, ports: [7711, 7712, 7713, 7714, 7715], nodeTimeout: 2000 });
 * ```
 */
export interface ClusterOptions extends Omit<ServerOptions, 'port' | 'nodeId'> {
  /**
   * Number of nodes.
   * @defaultValue `3`
   */
  readonly nodes?: number | undefined;
  /**
   * Ports of the nodes, in order; missing or `0` entries pick free ports.
   * @defaultValue all `0`
   */
  readonly ports?: readonly number[] | undefined;
  /**
   * Run every node in its own process (`disque-ts-server`), talking over the TCP cluster bus:
   * `kill(i, 'SIGKILL')` then is a real crash. With `dir`, node `i` keeps its nodes.conf (and AOF)
   * in `dir/node-i`; without, in a temporary directory removed by `close()`.
   * @defaultValue `false`
   */
  readonly processes?: boolean | undefined;
  /**
   * More `disque-ts-server` directives for node `i`, as `--name value` words (with `processes`
   * only; a restart keeps them). The reliability tests put a fault proxy on the cluster bus with
   * `--cluster-port` (where the node's bus really listens) and `--bind-source-addr` (so the proxy
   * can tell which node dials).
   * @defaultValue none
   * @example
   * ```ts
   * const cluster = await startCluster({ processes: true, nodeArgs: (i) => ['--loglevel', i === 0 ? 'debug' : 'notice'] });
   * ```
   */
  readonly nodeArgs?: ((i: number) => readonly string[]) | undefined;
}

/**
 * How {@link ClusterHandle.restart} brings a node back.
 *
 * @example
 * ```ts
 * await cluster.kill(1);
 * await cluster.restart(1, { wipe: true }); // a new node id, joined again through MEET
 * ```
 */
export interface RestartOptions {
  /**
   * Start from an empty directory: the node forgets its id, peers and jobs, gets a new id and
   * meets the cluster again (its old id stays in the others' tables without an address).
   * @defaultValue `false`
   */
  readonly wipe?: boolean | undefined;
}

/**
 * Address and id of one node of an embedded cluster (`cluster.nodes[i]`).
 *
 * @example
 * ```ts
 * const cluster = await startCluster({ nodes: 3 });
 * const seeds = cluster.nodes.map((n: ClusterNodeInfo) => `${n.host}:${n.port}`).join(',');
 * ```
 */
export interface ClusterNodeInfo {
  /** The host it listens on. */
  readonly host: string;
  /** Its bound TCP port. */
  readonly port: number;
  /** Its node id (40 hex characters); job ids created on it carry the first 8. */
  readonly nodeId: string;
}

/**
 * A running embedded cluster, as returned by {@link startCluster}.
 *
 * @example
 * ```ts
 * const cluster = await startCluster({ nodes: 3 });
 * await cluster.leave(0); // node 0 drains: HELLO priority 100, GETJOB that would block → -LEAVING
 * await cluster.stop(1); // node 1 dies
 * await cluster.restart(1); // same port and id, no jobs
 * await cluster.close();
 * ```
 */
export interface ClusterHandle {
  /** The nodes, in creation order (index `i` of `stop(i)` etc.). */
  readonly nodes: readonly ClusterNodeInfo[];
  /**
   * Makes node `i` unreachable, like a killed process: its listener closes, its client connections
   * are reset, and the other nodes lose their link to it (priority 5, then PFAIL/FAIL after
   * `nodeTimeout`). Its jobs are lost, as for a Disque node without AOF.
   */
  stop(i: number): Promise<void>;
  /**
   * Brings node `i` back on the same port with the same node id. Like a Disque node restarted
   * without AOF it remembers the cluster (nodes.conf) but has no jobs and no queues.
   */
  restart(i: number, options?: RestartOptions): Promise<void>;
  /**
   * Kills node `i` with a signal (default `SIGKILL`: no cleanup, as in a crash). In-process nodes
   * have no process of their own: there it is {@link ClusterHandle.stop}.
   */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** The process id of node `i` (the test process itself for in-process nodes); 0 when stopped. */
  pid(i: number): number;
  /** `CLUSTER LEAVING yes` (or `no` with `leaving = false`) on node `i`. */
  leave(i: number, leaving?: boolean): Promise<void>;
  /** Whether node `i` is currently running. */
  isRunning(i: number): boolean;
  /** Stops every node; resolves when every socket and timer is gone. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts `nodes` embedded Disque nodes in this process, each on its own TCP port, already joined
 * into one cluster: HELLO on any node lists all of them with IP and priority, jobs replicate
 * (default REPLICATE = min(3, nodes)), federation, ack propagation and PAUSE `bcast` work.
 *
 * @param options - Number of nodes and the options every node gets; see {@link ClusterOptions}.
 * @returns Node addresses and controls (`stop`, `restart`, `leave`, `close`).
 * @example
 * ```ts
 * import { startCluster } from 'disque-ts/server';
 *
 * const cluster = await startCluster({ nodes: 3, nodeTimeout: 2000 });
 * const seeds = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
 * await cluster.stop(2); // node 2 dies; jobs it queued are re-queued by replicas after RETRY
 * await cluster.close();
 * ```
 */
export async function startCluster(options: ClusterOptions = {}): Promise<ClusterHandle> {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) {
    throw new TypeError(`Expected \`nodes\` to be a positive integer, got \`${String(count)}\``);
  }
  if (options.processes === true) return startProcessCluster({ ...options, nodes: count });
  if (options.nodeArgs !== undefined) {
    throw new TypeError(
      'Expected `nodeArgs` only with `processes: true` (in-process nodes take no directives)',
    );
  }
  const base = resolveServerOptions({ ...options, port: 0 });
  // Node i keeps its nodes.conf (and AOF) in dir/node-i.
  const dirOf = (i: number): string | undefined =>
    base.dir === undefined ? undefined : path.join(base.dir, `node-${i}`);
  const members: EmbeddedNode[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const node = createNode({ ...base, port: options.ports?.[i] ?? 0, dir: dirOf(i) });
      const m = new EmbeddedNode(node);
      members.push(m);
      await m.listen(base.host, node.options.port);
    }
  } catch (e) {
    await Promise.all(members.map((m) => m.close()));
    throw e;
  }
  const host = advertisedHost(base.host);
  for (const m of members) {
    m.node.cluster.myself.host = host;
    for (const other of members) m.node.cluster.addKnownPeer(other.node.id, host, other.node.port);
  }
  if (base.clusterBus === 'tcp') await waitForLinks(members, count);
  const infos: ClusterNodeInfo[] = members.map((m) => ({
    host: base.host,
    port: m.node.port,
    nodeId: m.node.id,
  }));

  const member = (i: number): EmbeddedNode => {
    const m = members[i];
    if (m === undefined) throw new RangeError(`No node ${i} in a cluster of ${members.length}`);
    return m;
  };
  let closing: Promise<void> | null = null;

  return {
    nodes: infos,
    async stop(i) {
      await member(i).close();
    },
    async kill(i) {
      await member(i).close();
    },
    pid(i) {
      return member(i).closed ? 0 : process.pid;
    },
    async restart(i, restartOptions = {}) {
      const old = member(i);
      if (!old.closed) return;
      const wipe = restartOptions.wipe === true;
      const dir = dirOf(i);
      if (wipe && dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
      const node = createNode({ ...base, port: old.node.port, dir, nodeId: wipe ? undefined : old.node.id });
      const m = new EmbeddedNode(node);
      node.cluster.myself.host = old.node.cluster.myself.host;
      if (!wipe) {
        for (const p of old.node.cluster.nodes.values()) {
          if (!p.myself && !p.handshake) node.cluster.addKnownPeer(p.id, p.host, p.port);
        }
        node.cluster.resetLinks();
      }
      await m.listen(base.host, old.node.port);
      members[i] = m;
      if (wipe) {
        const peer = members.find((x) => x !== m && !x.closed);
        if (peer !== undefined) node.cluster.meet(host, peer.node.port);
        infos[i] = { ...infos[i]!, nodeId: node.id };
      }
    },
    async leave(i, leaving = true) {
      member(i).node.cluster.setLeaving(leaving);
    },
    isRunning(i) {
      return !member(i).closed;
    },
    close() {
      closing ??= Promise.all(members.map((m) => m.close())).then(() => undefined);
      return closing;
    },
  };
}

/** With the TCP bus, links come up asynchronously: wait until every node links every other. */
async function waitForLinks(members: readonly EmbeddedNode[], count: number): Promise<void> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const linked = members.every((m) => {
      let n = 0;
      for (const p of m.node.cluster.nodes.values()) if (p.myself || p.link) n++;
      return n === count;
    });
    if (linked) return;
    if (Date.now() > deadline) throw new Error('Cluster nodes did not link over the TCP bus within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
