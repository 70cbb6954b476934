/**
 * A node's view of the cluster and its side of the cluster bus: membership (MEET handshake,
 * gossip, FORGET), failure detection (no link → PFAIL after `nodeTimeout` → FAIL on majority),
 * LEAVING, and the dispatch of received messages (following Disque's `clusterProcessPacket`).
 * Job messages are sent by cluster-job-sender.ts and handled by cluster-job-messages.ts.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import type { BusEndpoint } from './cluster-bus.js';
import {
  stampMessage,
  type ClusterMessage,
  type FailMessage,
  type GossipEntry,
  type PingMessage,
  type Unstamped,
} from './cluster-messages.js';
import { JobMessageHandler } from './cluster-job-messages.js';
import { JobMessageSender } from './cluster-job-sender.js';
import { newPeer, type PeerNode } from './cluster-peer.js';
import type { DisqueNode } from './node.js';

/** A forgotten node cannot be re-added by gossip for this long (Disque: 60 s). */
const FORGET_BLACKLIST_MS = 60000;

function randomNodeId(): string {
  return randomBytes(20).toString('hex');
}

/** @internal */
export class Cluster implements BusEndpoint {
  readonly nodes = new Map<string, PeerNode>();
  readonly myself: PeerNode;
  /** Nodes that count as reachable (recomputed by the cron, like Disque). */
  reachable: PeerNode[] = [];
  messagesSent = 0;
  messagesReceived = 0;
  readonly #blacklist = new Map<string, number>();
  /** Receive side of the job messages (replication, acks, re-queue coordination, pause). */
  readonly jobMessages: JobMessageHandler;
  /** Send side of the job messages. */
  readonly jobSender: JobMessageSender;
  #iteration = 0;
  /** Set while {@link whenPeersPinged} waits: told of each peer that pings us. */
  #onPinged: ((id: string) => void) | null = null;

  constructor(private readonly node: DisqueNode) {
    this.myself = newPeer(node.now(), node.id, '', 0, { myself: true });
    this.nodes.set(node.id, this.myself);
    this.jobMessages = new JobMessageHandler(node);
    this.jobSender = new JobMessageSender(node, this);
  }

  get id(): string {
    return this.node.id;
  }

  /** Known nodes not in handshake, failed and leaving ones included (ADDJOB's default REPLICATE). */
  get size(): number {
    let n = 0;
    for (const p of this.nodes.values()) if (!p.handshake) n++;
    return n;
  }

  get leaving(): boolean {
    return this.myself.leaving;
  }

  /** Whether the peer's address currently answers (with that node, once the id is known). */
  #reachableNow(p: PeerNode): boolean {
    if (p.myself) return true;
    if (p.noaddr || !this.node.running) return false;
    const id = this.node.bus.peerAt(p.host, p.port);
    if (id === undefined) return false;
    return p.handshake || id === p.id;
  }

  /** HELLO priority: 1 ok, 5 no link, 10 PFAIL, 100 FAIL or leaving (the last matching rule wins). */
  priority(p: PeerNode): number {
    let prio = 1;
    if (!p.myself && !p.link) prio = 5;
    if (p.pfail) prio = 10;
    if (p.fail || p.leaving) prio = 100;
    return prio;
  }

  updateReachable(): void {
    this.reachable = [...this.nodes.values()].filter(
      (p) => !p.myself && !p.handshake && !p.leaving && !p.pfail && !p.fail,
    );
  }

  // --------------------------------------------------------------- membership

  /**
   * Adds a node as already known (an in-process cluster is created joined, as if the handshake
   * had completed and the nodes.conf of each node listed the others).
   */
  addKnownPeer(id: string, host: string, port: number): void {
    if (id === this.node.id || this.nodes.has(id)) return;
    const p = newPeer(this.node.now(), id, host, port);
    p.pongReceived = this.node.now();
    p.link = this.#reachableNow(p);
    this.nodes.set(id, p);
    this.updateReachable();
  }

  /** CLUSTER MEET: starts a handshake with the node at host:port (completes asynchronously). */
  meet(host: string, port: number): void {
    this.#startHandshake(host, port);
  }

  #startHandshake(host: string, port: number): void {
    for (const p of this.nodes.values()) {
      if (p.handshake && p.host === host && p.port === port) return;
    }
    const p = newPeer(this.node.now(), randomNodeId(), host, port, { handshake: true });
    this.nodes.set(p.id, p);
  }

  /** CLUSTER FORGET. */
  forget(id: string): 'ok' | 'unknown' | 'myself' {
    if (id === this.node.id) return 'myself';
    const p = this.nodes.get(id);
    if (p === undefined) return 'unknown';
    this.nodes.delete(id);
    for (const other of this.nodes.values()) other.failReports.delete(id);
    this.#blacklist.set(id, this.node.now() + FORGET_BLACKLIST_MS);
    this.updateReachable();
    return 'ok';
  }

  /** CLUSTER RESET: forget every other node and drop all jobs and queues; HARD also picks a new id. */
  reset(hard: boolean): void {
    for (const id of [...this.nodes.keys()]) if (id !== this.myself.id) this.nodes.delete(id);
    this.myself.failReports.clear();
    if (hard) {
      const newId = randomNodeId();
      this.nodes.delete(this.myself.id);
      this.myself.id = newId;
      this.node.setId(newId);
      this.nodes.set(newId, this.myself);
      this.node.bus.identityChanged();
    }
    this.updateReachable();
    this.node.flushAll();
  }

  setLeaving(on: boolean): void {
    this.myself.leaving = on;
  }

  /** Forgets the per-node link state after this node restarts (its peers keep their view). */
  resetLinks(): void {
    for (const p of this.nodes.values()) {
      if (p.myself) continue;
      p.link = false;
      p.pingSent = 0;
    }
  }

  // --------------------------------------------------------------------- cron

  /** The 100 ms cluster cron: links, pings, PFAIL detection, reachable set. */
  cron(): void {
    const now = this.node.now();
    const timeout = this.node.nodeTimeout;
    this.#iteration++;
    const handshakeTimeout = Math.max(timeout, 1000);
    for (const [id, exp] of this.#blacklist) if (exp <= now) this.#blacklist.delete(id);

    for (const p of [...this.nodes.values()]) {
      if (p.myself || p.noaddr) continue;
      if (p.handshake && now - p.createdAt > handshakeTimeout) {
        this.nodes.delete(p.id);
        continue;
      }
      const up = this.#reachableNow(p);
      if (!up) {
        // A refused connection counts as a ping sent, so failure detection starts.
        p.link = false;
        if (p.pingSent === 0) p.pingSent = now;
        continue;
      }
      if (!p.link) this.#linkUp(p);
    }

    // About once a second, ping the node we heard from least recently.
    if (this.#iteration % 10 === 0) {
      let best: PeerNode | undefined;
      for (const p of this.nodes.values()) {
        if (!p.link || p.pingSent !== 0 || p.myself || p.handshake) continue;
        if (best === undefined || p.pongReceived < best.pongReceived) best = p;
      }
      if (best !== undefined) this.#sendPing(best, 'ping');
    }

    for (const p of this.nodes.values()) {
      if (p.myself || p.noaddr || p.handshake) continue;
      if (p.link && p.pingSent === 0 && now - p.pongReceived > timeout / 2) {
        this.#sendPing(p, 'ping');
        continue;
      }
      if (p.pingSent === 0) continue;
      // Like Disque: no PONG for half the timeout on a link up for longer than the timeout, so
      // reconnect it (the node may be alive behind a broken connection). A younger link is left
      // alone: its first PING may not even be written yet. The ping time is kept for failure
      // detection.
      if (
        p.link &&
        now - p.linkSince > timeout &&
        p.pongReceived < p.pingSent &&
        now - p.pingSent > timeout / 2
      ) {
        const since = p.pingSent;
        this.node.bus.dropLink(p.host, p.port);
        p.link = false;
        p.pingSent = since;
      }
      if (now - p.pingSent > timeout && !p.pfail && !p.fail) p.pfail = true;
    }
    this.updateReachable();
  }

  /**
   * A link to `p` came up: queue a PING (MEET for a node we are introducing ourselves to) at once,
   * as Disque does on a new link; an unanswered ping time survives, for failure detection.
   */
  #linkUp(p: PeerNode): void {
    p.link = true;
    p.linkSince = this.node.now();
    const old = p.pingSent;
    this.#sendPing(p, p.meet ? 'meet' : 'ping');
    if (old !== 0) p.pingSent = old;
    p.meet = false;
  }

  /**
   * The bus has a fresh link to host:port (its node's id is known): ping it now rather than at
   * the next cron tick, so that a restarted peer is seen alive within a round trip.
   */
  linkReady(host: string, port: number): void {
    if (!this.node.running) return;
    for (const p of this.nodes.values()) {
      if (p.myself || p.noaddr || p.link || p.host !== host || p.port !== port) continue;
      if (this.#reachableNow(p)) this.#linkUp(p);
    }
  }

  /**
   * Resolves once every known peer has pinged this node (its link to us is up, and our PONG, which
   * resets its failure timer for us, is written), or after `maxMs` (some peers may be down).
   */
  whenPeersPinged(maxMs: number): Promise<void> {
    const waiting = new Set<string>();
    for (const p of this.nodes.values()) if (!p.myself && !p.handshake && !p.noaddr) waiting.add(p.id);
    if (waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#onPinged = null;
        // After the bus's flush, which was scheduled when the last PONG was sent.
        setImmediate(resolve);
      };
      const timer = setTimeout(done, maxMs);
      timer.unref();
      this.#onPinged = (id) => {
        waiting.delete(id);
        if (waiting.size === 0) done();
      };
    });
  }

  // ------------------------------------------------------------------ sending

  /** A message from this node (see {@link stampMessage}). */
  stamp<M extends ClusterMessage>(fields: Unstamped<M>): M {
    return stampMessage<M>(fields, this.node);
  }

  /** Sends to a peer over its link; false (and the link marked down) when it cannot. */
  sendTo(p: PeerNode, msg: ClusterMessage): boolean {
    if (p.myself || !this.node.running || !p.link) return false;
    if (!this.node.bus.send(p.host, p.port, msg)) {
      p.link = false;
      return false;
    }
    this.messagesSent++;
    return true;
  }

  #gossip(to: PeerNode): GossipEntry[] {
    const out: GossipEntry[] = [];
    for (const p of this.nodes.values()) {
      if (p.myself || p === to || p.handshake || p.noaddr) continue;
      out.push({ id: p.id, host: p.host, port: p.port, pfail: p.pfail, fail: p.fail });
    }
    return out;
  }

  #sendPing(p: PeerNode, type: 'ping' | 'meet' | 'pong', toId: string = p.id): void {
    if (type !== 'pong' && p.pingSent === 0) p.pingSent = this.node.now();
    const msg = this.stamp<PingMessage>({ type, leaving: this.leaving, toId, gossip: this.#gossip(p) });
    this.sendTo(p, msg);
  }

  // ---------------------------------------------------------------- receiving

  /** Entry point of the bus. */
  receive(msg: ClusterMessage, dstHost: string): void {
    if (!this.node.running) return;
    this.messagesReceived++;
    const sender = this.nodes.get(msg.sender);
    const known = sender !== undefined && !sender.handshake ? sender : undefined;
    switch (msg.type) {
      case 'ping':
      case 'pong':
      case 'meet':
        this.#receivePing(msg, known, dstHost);
        break;
      case 'fail': {
        if (known === undefined) return;
        const failing = this.nodes.get(msg.about);
        if (failing !== undefined && !failing.fail && !failing.myself) {
          failing.fail = true;
          failing.failTime = this.node.now();
          failing.pfail = false;
          this.updateReachable();
        }
        break;
      }
      case 'repljob':
        if (known !== undefined) this.jobMessages.receiveReplJob(msg, known.id);
        break;
      case 'yourjobs':
        if (known !== undefined && msg.jobs.length > 0)
          this.node.federation.receiveYourJobs(known.id, msg.jobs);
        break;
      case 'needjobs':
        if (known !== undefined) this.node.federation.receiveNeedJobs(known.id, msg.queue, msg.aux);
        break;
      case 'pause':
        if (known !== undefined) this.jobMessages.receivePause(msg.queue, msg.aux);
        break;
      default:
        if (known !== undefined) this.jobMessages.receiveJobId(msg, known.id);
    }
    this.node.serveReadyQueues();
  }

  #receivePing(msg: PingMessage, sender: PeerNode | undefined, dstHost: string): void {
    const now = this.node.now();
    if (msg.type === 'ping' || msg.type === 'meet') {
      if (msg.type === 'meet' || this.myself.host === '') this.myself.host = dstHost;
      if (sender === undefined && msg.type === 'meet') {
        const host = msg.senderHost === '0.0.0.0' || msg.senderHost === '' ? '127.0.0.1' : msg.senderHost;
        this.#startHandshake(host, msg.senderPort);
        // Trust the gossip of a MEET: it is how a third node is discovered.
        this.#processGossip(msg, undefined);
      }
      // A known node that talks to us while our link to it is down is back (restarted): connect
      // now instead of after the reconnect delay.
      if (sender !== undefined && !sender.link && !sender.noaddr)
        this.node.bus.reconnectNow(sender.host, sender.port);
      // Reply on the same "link": PONG echoes the id the sender knows us by.
      const back = [...this.nodes.values()].find(
        (p) => p.id === msg.sender || (p.handshake && p.host === msg.senderHost && p.port === msg.senderPort),
      );
      const pong = this.stamp<PingMessage>({
        type: 'pong',
        leaving: this.leaving,
        toId: msg.toId,
        gossip: back !== undefined ? this.#gossip(back) : [],
      });
      this.messagesSent++;
      this.node.bus.send(msg.senderHost, msg.senderPort, pong);
      if (sender !== undefined) this.#onPinged?.(sender.id);
    }
    if (msg.type === 'pong') {
      const linkNode = this.nodes.get(msg.toId);
      if (linkNode !== undefined && !linkNode.myself) {
        if (linkNode.handshake) {
          if (sender !== undefined) {
            // We already know this node under its real id (or met ourselves): drop the handshake entry.
            this.nodes.delete(linkNode.id);
            if (!sender.myself) {
              sender.host = linkNode.host;
              sender.port = linkNode.port;
            }
          } else {
            this.nodes.delete(linkNode.id);
            linkNode.id = msg.sender;
            linkNode.handshake = false;
            this.nodes.set(linkNode.id, linkNode);
            this.updateReachable();
          }
        } else if (linkNode.id !== msg.sender) {
          // The address answers with another node id: it has no valid address any more.
          linkNode.noaddr = true;
          linkNode.host = '';
          linkNode.port = 0;
          linkNode.link = false;
          return;
        }
        const n = this.nodes.get(msg.sender);
        if (n !== undefined) {
          n.pongReceived = now;
          n.pingSent = 0;
          if (n.pfail) n.pfail = false;
          else if (n.fail) n.fail = false;
        }
      }
    }
    const s = this.nodes.get(msg.sender);
    if (s !== undefined && !s.handshake) {
      s.leaving = msg.leaving;
      this.#processGossip(msg, s);
    }
  }

  #processGossip(msg: PingMessage, sender: PeerNode | undefined): void {
    for (const g of msg.gossip) {
      const p = this.nodes.get(g.id);
      if (p !== undefined) {
        if (sender !== undefined && !p.myself) {
          if (g.pfail || g.fail) {
            p.failReports.set(sender.id, this.node.now());
            this.#markNodeAsFailingIfNeeded(p);
          } else {
            p.failReports.delete(sender.id);
          }
        }
      } else if (!this.#blacklist.has(g.id) && g.host !== '' && g.port !== 0) {
        this.#startHandshake(g.host, g.port);
      }
    }
  }

  #markNodeAsFailingIfNeeded(p: PeerNode): void {
    if (!p.pfail || p.fail) return;
    const validity = this.node.nodeTimeout * 2;
    const now = this.node.now();
    for (const [id, t] of p.failReports) if (now - t > validity) p.failReports.delete(id);
    const needed = Math.floor(this.size / 2) + 1;
    if (p.failReports.size + 1 < needed) return;
    p.fail = true;
    p.pfail = false;
    p.failTime = now;
    for (const q of this.nodes.values())
      this.sendTo(q, this.stamp<FailMessage>({ type: 'fail', about: p.id }));
    this.updateReachable();
  }
}
