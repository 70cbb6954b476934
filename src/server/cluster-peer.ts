/**
 * What a node knows about another node of the cluster (or itself): address, handshake and
 * failure flags, link and ping times (Disque's `clusterNode`).
 * @internal
 */

/** A known node (including myself). @internal */
export interface PeerNode {
  id: string;
  host: string;
  port: number;
  readonly myself: boolean;
  handshake: boolean;
  /** Send MEET (not PING) on the first connection: the peer must add us. */
  meet: boolean;
  pfail: boolean;
  fail: boolean;
  leaving: boolean;
  noaddr: boolean;
  /** Whether we currently have a link (the address answers with this node). */
  link: boolean;
  /** When the current link came up (Disque's `link->ctime`). */
  linkSince: number;
  pingSent: number;
  pongReceived: number;
  failTime: number;
  readonly createdAt: number;
  /** Reporter id → time of its last PFAIL/FAIL report about this node. */
  readonly failReports: Map<string, number>;
}

/** A fresh record; `now` is the node's clock. @internal */
export function newPeer(
  now: number,
  id: string,
  host: string,
  port: number,
  o: { myself?: boolean; handshake?: boolean } = {},
): PeerNode {
  return {
    id,
    host,
    port,
    myself: o.myself ?? false,
    handshake: o.handshake ?? false,
    meet: o.handshake ?? false,
    pfail: false,
    fail: false,
    leaving: false,
    noaddr: false,
    link: o.myself ?? false,
    linkSince: now,
    pingSent: 0,
    pongReceived: 0,
    failTime: 0,
    createdAt: now,
    failReports: new Map(),
  };
}
