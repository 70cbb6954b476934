import type { Arg, Command } from './types.js';
import type { RawReply } from '../replies.js';
import { asString, unexpected } from '../replies.js';
import { parseInfo } from './server.js';
import * as v from './validate.js';

/**
 * A line of CLUSTER NODES.
 *
 * @example
 * ```ts
 * for (const n of await conn.clusterNodes()) if (!n.connected) console.warn(n.id, n.flags.join(','));
 * ```
 */
export interface ClusterNode {
  /** Node id. */
  readonly id: string;
  /** Address (`''` when unknown). */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Flags: `myself`, `fail?`, `fail`, `handshake`, `noaddr`, `leaving` (empty for `noflags`). */
  readonly flags: readonly string[];
  /** When the last ping was sent (ms since the epoch, 0 if none pending). */
  readonly pingSent: number;
  /** When the last pong arrived (ms since the epoch). */
  readonly pongReceived: number;
  /** Whether the cluster bus link to it is up. */
  readonly connected: boolean;
}

function simpleOk(raw: RawReply): 'OK' {
  const text = asString(raw);
  return text === 'OK' ? 'OK' : unexpected('OK', raw);
}

/**
 * `CLUSTER MEET ip port` → `'OK'`; the handshake then proceeds in the background.
 *
 * @example
 * ```ts
 * await conn.run(CLUSTER_MEET, '10.0.0.6', 7711); // 'OK'; see meet() for host names
 * ```
 */
export const CLUSTER_MEET = {
  name: 'CLUSTER',
  binary: false,
  args(host: string, port: number): Arg[] {
    if (typeof host !== 'string' || host.length === 0) v.fail('host', 'an IP address', host);
    return ['CLUSTER', 'MEET', host, v.integer('port', port, 1, 65535)];
  },
  reply: simpleOk,
} as const satisfies Command<[string, number], 'OK'>;

/** Parses the text of CLUSTER NODES. @internal */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, addr, flags, pingSent, pongReceived, link] = line.trim().split(' ');
      if (id === undefined || addr === undefined || flags === undefined || link === undefined)
        return unexpected('a CLUSTER NODES line', line);
      const colon = addr.lastIndexOf(':');
      return {
        id,
        host: addr.slice(0, colon),
        port: Number(addr.slice(colon + 1)),
        flags: flags === 'noflags' ? [] : flags.split(','),
        pingSent: Number(pingSent),
        pongReceived: Number(pongReceived),
        connected: link === 'connected',
      };
    });
}

/**
 * `CLUSTER NODES` → every node this node knows, parsed.
 *
 * @example
 * ```ts
 * const nodes = await conn.run(CLUSTER_NODES);
 * const me = nodes.find((n) => n.flags.includes('myself'));
 * ```
 */
export const CLUSTER_NODES = {
  name: 'CLUSTER',
  binary: false,
  args(): Arg[] {
    return ['CLUSTER', 'NODES'];
  },
  reply(raw: RawReply): ClusterNode[] {
    return parseClusterNodes(asString(raw));
  },
} as const satisfies Command<[], ClusterNode[]>;

/**
 * `CLUSTER LEAVING` → whether this node is leaving the cluster.
 *
 * @example
 * ```ts
 * await conn.run(CLUSTER_LEAVING_GET); // false
 * ```
 */
export const CLUSTER_LEAVING_GET = {
  name: 'CLUSTER',
  binary: false,
  args(): Arg[] {
    return ['CLUSTER', 'LEAVING'];
  },
  reply(raw: RawReply): boolean {
    const text = asString(raw);
    if (text === 'yes' || text === 'no') return text === 'yes';
    return unexpected('yes or no', raw);
  },
} as const satisfies Command<[], boolean>;

/**
 * `CLUSTER LEAVING yes|no` → `'OK'`. A leaving node refuses blocking GETJOBs and keeps no new jobs.
 *
 * @example
 * ```ts
 * await conn.run(CLUSTER_LEAVING_SET, true); // drain this node before stopping it
 * ```
 */
export const CLUSTER_LEAVING_SET = {
  name: 'CLUSTER',
  binary: false,
  args(leaving: boolean): Arg[] {
    return ['CLUSTER', 'LEAVING', v.flag('leaving', leaving) ? 'yes' : 'no'];
  },
  reply: simpleOk,
} as const satisfies Command<[boolean], 'OK'>;

/**
 * `CLUSTER FORGET id` → `'OK'`: drop a node from this node's view.
 *
 * @example
 * ```ts
 * await conn.run(CLUSTER_FORGET, deadNodeId); // on every remaining node
 * ```
 */
export const CLUSTER_FORGET = {
  name: 'CLUSTER',
  binary: false,
  args(nodeId: string): Arg[] {
    if (typeof nodeId !== 'string' || !/^[0-9a-f]{40}$/.test(nodeId))
      v.fail('nodeId', 'a node id (40 hex characters)', nodeId);
    return ['CLUSTER', 'FORGET', nodeId];
  },
  reply: simpleOk,
} as const satisfies Command<[string], 'OK'>;

/**
 * `CLUSTER MYID` → this node's id.
 *
 * @example
 * ```ts
 * const nodeId = await conn.run(CLUSTER_MYID); // 40 hex characters
 * ```
 */
export const CLUSTER_MYID = {
  name: 'CLUSTER',
  binary: false,
  args(): Arg[] {
    return ['CLUSTER', 'MYID'];
  },
  reply(raw: RawReply): string {
    return asString(raw);
  },
} as const satisfies Command<[], string>;

/**
 * `CLUSTER INFO` → the cluster's state fields (`cluster_state`, `cluster_known_nodes`, …).
 *
 * @example
 * ```ts
 * const info = await conn.run(CLUSTER_INFO);
 * Number(info['cluster_known_nodes']); // 3
 * ```
 */
export const CLUSTER_INFO = {
  name: 'CLUSTER',
  binary: false,
  args(): Arg[] {
    return ['CLUSTER', 'INFO'];
  },
  reply(raw: RawReply): Record<string, string> {
    return parseInfo(`# cluster\n${asString(raw)}`)['cluster'] ?? {};
  },
} as const satisfies Command<[], Record<string, string>>;
