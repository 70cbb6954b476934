/**
 * Node health (src/pool/health.ts) on its own: a ClusterView of plain NodeStates and fake hooks in
 * place of connections, so that up / down / leaving, probing, node choice and the calls waiting
 * for a node are checked without a socket.
 */
import {
  ConnectionError,
  LeavingError,
  LoadingError,
  NoNodeAvailableError,
  fromReplyError,
} from '../../src/errors.js';
import { ClusterView, type NodeState, type NodeView } from '../../src/nodes.js';
import { NodeHealth, type HealthHooks } from '../../src/pool/health.js';
import { noNodeWait, type CallState } from '../../src/pool/retry.js';
import { noServer } from '../helpers/target.js';

noServer();

const SETTINGS = { retries: 3, minRetryDelay: 10, maxRetryDelay: 40, refreshInterval: 200 };

/** Resolves once `check` holds (polled every 5 ms), or fails the test after 3 s. */
async function until(check: () => boolean): Promise<void> {
  const limit = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > limit) throw new Error('condition not met within 3 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Whether a promise has settled by the time pending callbacks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

interface Fake {
  readonly health: NodeHealth;
  readonly view: ClusterView;
  readonly nodes: NodeState[];
  readonly events: string[];
  /** How each PING of a probe ends: set per test (default: the node answers). */
  ping: (node: NodeState) => Promise<void>;
  pings: number;
}

let fakes: Fake[] = [];

function fake(count = 3): Fake {
  const view = new ClusterView(Array.from({ length: count }, (_, i) => ({ host: 'h', port: 7711 + i })));
  const nodes = view.all();
  nodes.forEach((n, i) => (n.id = `${String(i + 1).repeat(8)}${'0'.repeat(32)}`));
  const events: string[] = [];
  const f: Fake = {
    view,
    nodes,
    events,
    pings: 0,
    ping: () => Promise.resolve(),
    health: undefined as unknown as NodeHealth,
  };
  const hooks: HealthHooks = {
    ping: (node) => {
      f.pings++;
      return f.ping(node);
    },
    connectionLost: (node) => events.push(`lost ${node.port}`),
    probeFailed: (node) => events.push(`probe failed ${node.port}`),
    up: (node: NodeView) => events.push(`up ${node.port} ${node.up}`),
    down: (node: NodeView, error) => events.push(`down ${node.port} ${node.up} ${error.message}`),
  };
  (f as { health: NodeHealth }).health = new NodeHealth(view, SETTINGS, hooks);
  fakes.push(f);
  return f;
}

const call = (signal?: AbortSignal): CallState => ({ avoid: new Set(), signal, waitUntil: undefined });
const connectionError = (): ConnectionError => new ConnectionError('socket closed');

afterEach(() => {
  for (const f of fakes) f.health.stop();
  fakes = [];
});

describe('NodeHealth - what a failure says about its node', () => {
  test('a ConnectionError marks the node down once, loses only that connection, and is probed after start', async () => {
    const f = fake();
    const [a] = f.nodes as [NodeState];
    f.health.noteFailure(a, connectionError());
    expect(a.up).toBe(false);
    expect(a.usable).toBe(false);
    f.health.noteFailure(a, connectionError());
    // "down" is said once; each failed connection is reported.
    expect(f.events).toEqual(['lost 7711', 'down 7711 false socket closed', 'lost 7711']);
    // A pool that has not started holds nothing open: no probe yet.
    await new Promise((r) => setTimeout(r, 20));
    expect(f.pings).toBe(0);
    f.health.start();
    await until(() => a.up);
    expect(f.pings).toBe(1);
    expect(f.events.at(-1)).toBe('up 7711 true');
  });

  test('-LEAVING marks the node leaving (not down); -LOADING and other replies change nothing', () => {
    const f = fake();
    const [a, b, c] = f.nodes as [NodeState, NodeState, NodeState];
    expect(fromReplyError('LEAVING x')).toBeInstanceOf(LeavingError);
    expect(fromReplyError('LOADING x')).toBeInstanceOf(LoadingError);
    f.health.noteFailure(a, fromReplyError('LEAVING this node is leaving the cluster'));
    f.health.noteFailure(b, fromReplyError('LOADING Disque is loading the dataset in memory'));
    f.health.noteFailure(c, fromReplyError('ERR something else'));
    expect([a.leaving, a.up, a.usable]).toEqual([true, true, false]);
    expect([b.leaving, b.up, b.usable]).toEqual([false, true, true]);
    expect([c.leaving, c.up, c.usable]).toEqual([false, true, true]);
    expect(f.events).toEqual([]);
  });

  test('a probe that fails drops the shared connections and tries again until the node answers', async () => {
    const f = fake(1);
    const [a] = f.nodes as [NodeState];
    let refusals = 2;
    f.ping = () => (refusals-- > 0 ? Promise.reject(connectionError()) : Promise.resolve());
    f.health.start();
    f.health.noteFailure(a, connectionError());
    await until(() => a.up);
    expect(f.pings).toBe(3);
    expect(f.events.filter((e) => e.startsWith('probe failed'))).toHaveLength(2);
    expect(f.events.at(-1)).toBe('up 7711 true');
  });

  test('a node marked up by someone else (a refresh) is not pinged again; markUp of an up node says nothing', async () => {
    const f = fake(1);
    const [a] = f.nodes as [NodeState];
    let answer: () => void = () => undefined;
    f.ping = () => new Promise<void>((resolve) => (answer = resolve));
    f.health.start();
    f.health.noteFailure(a, connectionError());
    await until(() => f.pings === 1);
    f.health.markUp(a);
    f.health.markUp(a);
    answer(); // the probe's PING answers after the node was marked up: no second "up"
    await new Promise((r) => setTimeout(r, 20));
    expect(f.events.filter((e) => e.startsWith('up'))).toEqual(['up 7711 true']);
  });

  test('start() probes the nodes already down; stop() ends probing for good', async () => {
    const f = fake(2);
    const [a, b] = f.nodes as [NodeState, NodeState];
    a.up = false;
    f.ping = () => Promise.reject(connectionError());
    f.health.start();
    await until(() => f.pings >= 1);
    f.health.stop();
    const pings = f.pings;
    f.health.noteFailure(b, connectionError());
    f.health.probeDown();
    await new Promise((r) => setTimeout(r, 120)); // longer than two probe delays
    expect(f.pings).toBe(pings);
    expect(a.up).toBe(false);
  });
});

describe('NodeHealth - choosing a node', () => {
  test('chooseNow: lowest priority among usable nodes, other nodes than those to avoid first', () => {
    const f = fake();
    const [a, b, c] = f.nodes as [NodeState, NodeState, NodeState];
    a.priority = 10;
    b.priority = 1;
    c.priority = 5;
    expect(f.health.chooseNow(new Set())).toBe(b);
    expect(f.health.chooseNow(new Set([b]))).toBe(c);
    b.leaving = true;
    expect(f.health.chooseNow(new Set())).toBe(c);
    // Every usable node avoided: the best of them rather than none.
    expect(f.health.chooseNow(new Set([a, c]))).toBe(c);
    a.up = false;
    c.up = false;
    // Only a leaving node is up: it is never chosen.
    expect(f.health.chooseNow(new Set())).toBeUndefined();
  });

  test('chooseNow spreads calls among nodes of equal priority', () => {
    const f = fake();
    const seen = new Set<NodeState | undefined>();
    for (let i = 0; i < 200; i++) seen.add(f.health.chooseNow(new Set()));
    expect(seen).toEqual(new Set(f.nodes));
  });

  test('chooseLater waits for a node being probed to come back, and returns it', async () => {
    const f = fake(2);
    const [a, b] = f.nodes as [NodeState, NodeState];
    let answer: () => void = () => undefined;
    f.ping = (node) =>
      node === b ? new Promise<void>((resolve) => (answer = resolve)) : new Promise(() => undefined);
    f.health.start();
    f.health.noteFailure(a, connectionError());
    f.health.noteFailure(b, connectionError());
    await until(() => f.pings === 2);
    const c = call();
    const chosen = f.health.chooseLater(c);
    expect(await settled(chosen)).toBe(false);
    answer();
    await expect(chosen).resolves.toBe(b);
    expect(c.waitUntil).toBeGreaterThan(0);
  });

  test('with nothing being probed no node can come back: chooseLater fails at once', async () => {
    const f = fake(1);
    const [a] = f.nodes as [NodeState];
    a.up = false; // down, but the pool has not started: nothing probes it
    const c = call();
    const before = Date.now();
    const chosen = f.health.chooseLater(c);
    expect(await settled(chosen)).toBe(true);
    await expect(chosen).rejects.toBeInstanceOf(NoNodeAvailableError);
    // The limit is set by the first wait even when it returns at once.
    expect(c.waitUntil).toBeGreaterThanOrEqual(before + noNodeWait(SETTINGS));
  });

  test('a call waits at most until its limit, and later waits of the same call do not extend it', async () => {
    const f = fake(1);
    const [a] = f.nodes as [NodeState];
    f.ping = () => new Promise(() => undefined); // the node never answers
    f.health.start();
    f.health.noteFailure(a, connectionError());
    await until(() => f.pings === 1);
    const c = call();
    const started = Date.now();
    await expect(f.health.chooseLater(c)).rejects.toBeInstanceOf(NoNodeAvailableError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(noNodeWait(SETTINGS) - 5);
    expect(await settled(f.health.nodeUp(c))).toBe(true); // limit passed: no second wait
  });

  test('an aborted signal and stop() release the calls waiting for a node', async () => {
    const f = fake(1);
    const [a] = f.nodes as [NodeState];
    f.ping = () => new Promise(() => undefined);
    f.health.start();
    f.health.noteFailure(a, connectionError());
    await until(() => f.pings === 1);
    const ctl = new AbortController();
    const aborted = f.health.nodeUp(call(ctl.signal));
    const other = f.health.nodeUp(call());
    expect(await settled(aborted)).toBe(false);
    ctl.abort();
    expect(await settled(aborted)).toBe(true);
    expect(await settled(other)).toBe(false);
    f.health.stop();
    expect(await settled(other)).toBe(true);
  });
});
