import { parseNodeList, type NodeAddress } from '../../src/address.js';
import { usingRealDisque } from './disque.js';
import { startProxy, type TestProxy } from './proxy.js';
import { drainCreatedQueues } from './cleanup.js';
import { disqueTarget } from './target.js';

/**
 * A 3-node cluster for the cluster tests: the nodes of DISQUE_NODES when it lists at least three,
 * else an embedded cluster. Every node also gets a TCP proxy, so a test can make a node
 * unreachable for the client; `natMap` rewrites the addresses HELLO reports to the proxies.
 */
export interface TestCluster {
  /** The real node addresses (as HELLO reports them). */
  readonly nodes: readonly NodeAddress[];
  /** The proxy in front of each node. */
  readonly proxies: readonly TestProxy[];
  /** Node ids, in node order. */
  readonly ids: readonly string[];
  /** Maps each node's address to its proxy: give it to the Pool. */
  readonly natMap: Record<string, { host: string; port: number }>;
  /** Proxy addresses, `host:port,…`, as a seed list. */
  readonly seeds: string;
  /** Makes node i unreachable for the client (its connections reset). */
  cut(i: number): Promise<void>;
  /** Makes node i reachable again. */
  restore(i: number): Promise<void>;
  /** Puts node i in leaving state (or back). */
  leave(i: number, leaving?: boolean): Promise<void>;
  close(): Promise<void>;
}

export const realClusterNodes = (): NodeAddress[] | undefined => {
  if (!usingRealDisque) return undefined;
  const nodes = parseNodeList(process.env['DISQUE_NODES'] ?? '');
  return nodes.length >= 3 ? nodes : undefined;
};

export async function startTestCluster(): Promise<TestCluster> {
  let nodes: NodeAddress[];
  let ids: string[];
  let leave: (i: number, leaving: boolean) => Promise<void>;
  let stop = async (): Promise<void> => undefined;
  // Declares the target: real with 3 nodes listed; embedded, and said so, with fewer.
  disqueTarget(3);
  const real = realClusterNodes();
  const { Connection } = await import('../../src/connection.js');
  if (real) {
    nodes = real.slice(0, 3);
    ids = [];
    for (const n of nodes) {
      const c = new Connection({ host: n.host, port: n.port });
      ids.push(await c.clusterMyId());
      await c.close();
    }
    leave = async (i, leaving) => {
      const n = nodes[i] as NodeAddress;
      const c = new Connection({ host: n.host, port: n.port });
      await c.clusterLeaving(leaving);
      await c.close();
    };
    // The real nodes outlive the run: empty the queues this file filled.
    stop = async () => void (await drainCreatedQueues(real));
  } else {
    const { startCluster } = await import('../../src/server/index.js');
    const cluster = await startCluster({ nodes: 3 });
    nodes = cluster.nodes.map((n) => ({ host: n.host, port: n.port }));
    ids = cluster.nodes.map((n) => n.nodeId);
    leave = async (i, leaving) => {
      await cluster.leave(i, leaving);
    };
    stop = () => cluster.close();
  }
  const proxies = await Promise.all(nodes.map((n) => startProxy(n)));
  const natMap: Record<string, { host: string; port: number }> = {};
  nodes.forEach((n, i) => {
    natMap[`${n.host}:${n.port}`] = { host: '127.0.0.1', port: (proxies[i] as TestProxy).port };
  });
  return {
    nodes,
    proxies,
    ids,
    natMap,
    seeds: proxies.map((p) => `127.0.0.1:${p.port}`).join(','),
    cut: (i) => (proxies[i] as TestProxy).cut(),
    restore: (i) => (proxies[i] as TestProxy).restore(),
    leave: (i, leaving = true) => leave(i, leaving),
    async close() {
      await Promise.all(proxies.map((p) => p.close()));
      await stop();
    },
  };
}
