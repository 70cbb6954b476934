import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Connection } from './connection.js';
import type { Hello } from './commands/server.js';
import type { Milliseconds } from './commands/types.js';
import * as v from './commands/validate.js';
import { parseAddress, parseNodeList, type NodeAddress } from './address.js';
import { ArgumentError, ConnectionError, DisqueError, TimeoutError } from './errors.js';
import { formatAddress } from './nodes.js';
import { abortable } from './abortable.js';
import { sleep } from './sleep.js';

/**
 * Cluster formation: join Disque nodes given by host name, the way a container entrypoint needs
 * it (CLUSTER MEET takes only IP addresses, and peers start in any order).
 * @module
 */

/**
 * Options of {@link meet} and {@link meetFromEnv}.
 *
 * @example
 * ```ts
 * await meet('disque-1', ['disque-2', 'disque-3'], { timeout: 60_000, password: process.env.DISQUE_PASSWORD });
 * ```
 */
export interface MeetOptions {
  /**
   * How long the whole operation may take, in ms: name resolution, waiting for every node to
   * answer, and waiting for every node to list every other. @defaultValue 30000
   */
  timeout?: Milliseconds | undefined;
  /** Password of the nodes (`requirepass`), unless an address is a `disque://:password@…` URL. */
  password?: string | undefined;
  /** Abandons the operation (it rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
}

/**
 * A node of the cluster formed by {@link meet}.
 *
 * @example
 * ```ts
 * const { nodes } = await meet('disque-1', ['disque-2']);
 * for (const n of nodes) console.log(n.host, '→', `${n.ip}:${n.port}`, n.id.slice(0, 8));
 * ```
 */
export interface MetNode {
  /** The node id (40 hex characters). */
  readonly id: string;
  /** The host as it was given (a name or an IP). */
  readonly host: string;
  /** The IP address it resolved to, which CLUSTER MEET was given. */
  readonly ip: string;
  /** The port. */
  readonly port: number;
}

/**
 * What {@link meet} resolves to.
 *
 * @example
 * ```ts
 * const { nodes, met }: MeetResult = await meet('disque-1', ['disque-2', 'disque-3']);
 * console.log(`${nodes.length} nodes, ${met.length} newly met`); // 0 newly met when run again
 * ```
 */
export interface MeetResult {
  /** Every node, the seed first, in the order given (duplicates removed). */
  readonly nodes: readonly MetNode[];
  /** The peers the seed was asked to MEET (those it did not know already). */
  readonly met: readonly MetNode[];
}

const DEFAULT_TIMEOUT = 30_000;
/** Pause between two attempts to resolve, reach or check a node, in ms. */
const POLL = 100;

interface Target {
  readonly name: string;
  readonly address: NodeAddress;
}

interface Resolved extends Target {
  readonly ip: string;
}

/**
 * The IP of a host. Names that do not resolve yet (a container not started yet) are tried again
 * until the deadline; then the name is reported as unresolvable. IPv4 is preferred, since Disque
 * nodes usually listen on IPv4.
 */
async function resolveHost(
  target: Target,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { host } = target.address;
  if (isIP(host) !== 0) return host;
  for (;;) {
    signal?.throwIfAborted();
    let reason: string;
    try {
      const found = await lookup(host, { all: true });
      const chosen = found.find((a) => a.family === 4) ?? found[0];
      if (chosen) return chosen.address;
      reason = 'no address';
    } catch (err) {
      reason = (err as NodeJS.ErrnoException).code ?? String(err);
    }
    if (Date.now() + POLL >= deadline)
      throw new ArgumentError(
        target.name,
        `Cannot resolve the host \`${host}\` of \`${target.name}\` to an IP address (${reason})`,
      );
    await sleep(POLL, signal);
  }
}

/** Whether an error may go away by itself (a node starting, restarting or loading). */
const passing = (err: unknown): err is DisqueError =>
  err instanceof TimeoutError || (err instanceof DisqueError && err.retryable);

/** One node, reached over a connection that is replaced when it drops. */
class Probe {
  #conn: Connection | undefined;
  #closed = false;

  constructor(
    readonly target: Resolved,
    private readonly password: string | undefined,
  ) {}

  get address(): string {
    return formatAddress(this.target.ip, this.target.address.port);
  }

  /** HELLO once; a dropped connection is closed, so that the next call dials again. */
  async hello(deadline: number, signal: AbortSignal): Promise<Hello> {
    const { address } = this.target;
    const password = address.password ?? this.password;
    if (this.#closed) throw new ConnectionError('Closed', { node: this.address });
    this.#conn ??= new Connection({
      host: this.target.ip,
      port: address.port,
      connectTimeout: Math.max(1, Math.min(2000, deadline - Date.now())),
      lazyConnect: true,
      reconnect: false,
      maxRetriesPerRequest: 0,
      autoPipelining: false,
      ...(password === undefined ? {} : { password }),
      ...(address.tls ? { tls: true } : {}),
    });
    const conn = this.#conn;
    try {
      // A node that accepts connections but never answers (stopped, overloaded) must not hold
      // the whole operation past its deadline.
      const ms = Math.max(1, deadline - Date.now());
      return await abortable(conn.hello(), { signal, deadline: { ms, node: this.address } }, () =>
        this.#drop(),
      );
    } catch (err) {
      if (conn.closed || err instanceof ConnectionError) this.#drop();
      throw err;
    }
  }

  /** HELLO, tried again while the node cannot be reached (or is loading) until the deadline. */
  async reach(deadline: number, timeout: number, signal: AbortSignal): Promise<Hello> {
    for (;;) {
      signal.throwIfAborted();
      try {
        return await this.hello(deadline, signal);
      } catch (err) {
        if (!passing(err)) throw err;
        if (Date.now() + POLL >= deadline)
          throw new TimeoutError(
            `Node ${this.describe()} did not answer within ${timeout} ms (${err.message})`,
            { cause: err },
          );
      }
      await sleep(POLL, signal);
    }
  }

  describe(): string {
    const given = formatAddress(this.target.address.host, this.target.address.port);
    return given === this.address ? given : `${given} (${this.address})`;
  }

  async use<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    if (!this.#conn) throw new ConnectionError('Not connected', { node: this.address });
    return fn(this.#conn);
  }

  #drop(): void {
    // Not on a connection that ended by itself: ioredis would arm a 2 s timer that holds the
    // process open, waiting for a 'close' event that already happened.
    if (this.#conn && !this.#conn.closed) this.#conn.destroy();
    this.#conn = undefined;
  }

  /** Closes the connection for good: later calls fail at once. */
  close(): void {
    this.#closed = true;
    this.#drop();
  }
}

async function meetTargets(targets: readonly Target[], options: MeetOptions): Promise<MeetResult> {
  const o = v.options<MeetOptions>('options', options, ['timeout', 'password', 'signal']);
  const timeout = o.timeout === undefined ? DEFAULT_TIMEOUT : v.millis('options.timeout', o.timeout, 1);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    v.fail('options.signal', 'an AbortSignal', o.signal);
  // Stops every loop still running (resolving, reaching) once the outcome is known.
  const stop = new AbortController();
  const { signal } = stop;
  const forward = (): void => stop.abort(o.signal?.reason);
  if (o.signal?.aborted) forward();
  o.signal?.addEventListener('abort', forward, { once: true });
  const deadline = Date.now() + timeout;
  const probes: Probe[] = [];
  try {
    return await formCluster(targets, probes, deadline, timeout, o.password, signal);
  } finally {
    o.signal?.removeEventListener('abort', forward);
    stop.abort();
    for (const p of probes) p.close();
  }
}

async function formCluster(
  targets: readonly Target[],
  probes: Probe[],
  deadline: number,
  timeout: number,
  password: string | undefined,
  signal: AbortSignal,
): Promise<MeetResult> {
  const resolved = await Promise.all(
    targets.map(async (t): Promise<Resolved> => ({ ...t, ip: await resolveHost(t, deadline, signal) })),
  );
  probes.push(...resolved.map((r) => new Probe(r, password)));
  const hellos = await Promise.all(probes.map((p) => p.reach(deadline, timeout, signal)));
  // One entry per node: the same node may be listed under two names.
  const nodes: { probe: Probe; node: MetNode }[] = [];
  probes.forEach((probe, i) => {
    const id = (hellos[i] as Hello).nodeId;
    if (nodes.some((n) => n.node.id === id)) return;
    const { host, port } = probe.target.address;
    nodes.push({ probe, node: { id, host, ip: probe.target.ip, port } });
  });
  const [seed, ...peers] = nodes as [(typeof nodes)[number], ...typeof nodes];
  const known = new Set((hellos[0] as Hello).nodes.map((n) => n.id));
  const met = peers.filter((p) => !known.has(p.node.id));
  for (const peer of met) await seed.probe.use((c) => c.clusterMeet(peer.node.ip, peer.node.port));

  const ids = nodes.map((n) => n.node.id);
  for (;;) {
    signal.throwIfAborted();
    const missing: string[] = [];
    for (const { probe } of nodes) {
      const hello = await probe.hello(deadline, signal).catch((err: unknown) => err as Error);
      if (hello instanceof Error) {
        if (!passing(hello)) throw hello;
        missing.push(`${probe.describe()} does not answer (${hello.message})`);
        continue;
      }
      const listed = new Set(hello.nodes.map((n) => n.id));
      const absent = ids.filter((id) => !listed.has(id));
      if (absent.length > 0)
        missing.push(
          `${probe.describe()} lists ${ids.length - absent.length} of ${ids.length} nodes (not ${absent
            .map((id) => id.slice(0, 8))
            .join(', ')})`,
        );
    }
    if (missing.length === 0) return { nodes: nodes.map((n) => n.node), met: met.map((n) => n.node) };
    if (Date.now() + POLL >= deadline)
      throw new TimeoutError(`The cluster did not form within ${timeout} ms: ${missing.join('; ')}`);
    await sleep(POLL, signal);
  }
}

function toAddress(value: unknown, name: string): NodeAddress {
  if (typeof value === 'string') return parseAddress(value, name);
  if (value !== null && typeof value === 'object' && 'host' in value && 'port' in value) {
    const a = value as NodeAddress;
    const parsed = parseAddress(formatAddress(String(a.host), Number(a.port)), name);
    return { ...a, ...parsed };
  }
  return v.fail(name, 'a node address like host:port', value);
}

/**
 * Forms a cluster: every peer joins the seed's cluster, and the promise resolves once every node's
 * HELLO lists every node.
 *
 * 1. Host names are resolved to IP addresses (CLUSTER MEET takes only IPs); a name that does not
 *    resolve yet is tried again until the timeout, since containers appear in DNS as they start.
 * 2. Every node must answer; nodes that are still starting are waited for.
 * 3. The seed is sent `CLUSTER MEET ip port` for each peer it does not know yet (so running this
 *    again, or on every node at start-up, is harmless).
 * 4. Every node's HELLO is checked until each lists them all.
 *
 * @param seed - the node the others join, `host[:port]` (port 7711 by default)
 * @param peers - the nodes to join to it
 * @returns the nodes with their ids and IPs
 * @throws {@link ArgumentError} for a bad address, or a host name that never resolved
 * @throws {@link TimeoutError} when a node did not answer, or the cluster did not form, in time
 * @throws {@link AuthError} when a node wants a (different) password
 * @example
 * ```ts
 * import { meet } from 'disque-ts';
 *
 * const { nodes } = await meet('disque-1:7711', ['disque-2:7711', 'disque-3:7711'], { timeout: 60_000 });
 * console.log(nodes.map((n) => `${n.id.slice(0, 8)} ${n.ip}:${n.port}`));
 * ```
 */
export function meet(
  seed: string | NodeAddress,
  peers: readonly (string | NodeAddress)[],
  options: MeetOptions = {},
): Promise<MeetResult> {
  return Promise.resolve().then(() => {
    if (!Array.isArray(peers)) v.fail('peers', 'an array of node addresses', peers);
    const targets: Target[] = [
      { name: 'seed', address: toAddress(seed, 'seed') },
      ...peers.map((p, i) => ({ name: `peers[${i}]`, address: toAddress(p, `peers[${i}]`) })),
    ];
    return meetTargets(targets, options);
  });
}

/**
 * {@link meet} driven by the environment: `DISQUE_MEET="host[:port] host[:port] …"` (spaces or
 * commas). The first node is the seed; the others join it. Resolves to `undefined` when
 * `DISQUE_MEET` is unset or empty, so an application can call it unconditionally at start-up.
 *
 * @param options - as for {@link meet}, plus `env` (default `process.env`)
 * @throws as {@link meet}; a bad entry is reported as `DISQUE_MEET[i]`
 * @example
 * ```ts
 * // docker-compose: DISQUE_MEET="disque-1 disque-2 disque-3"
 * await meetFromEnv({ timeout: 60_000 });
 * ```
 */
export function meetFromEnv(
  options: MeetOptions & { env?: Readonly<Record<string, string | undefined>> | undefined } = {},
): Promise<MeetResult | undefined> {
  return Promise.resolve().then(() => {
    const { env = process.env, ...rest } = options;
    const text = env['DISQUE_MEET'];
    if (text === undefined || text.trim() === '') return undefined;
    const addresses = parseNodeList(text, 'DISQUE_MEET');
    return meetTargets(
      addresses.map((address, i) => ({ name: `DISQUE_MEET[${i}]`, address })),
      rest,
    );
  });
}
