import net from 'node:net';

/**
 * A TCP proxy that injects connection faults between a client and a node, decided by a seeded
 * PRNG so that a failing run can be replayed: for each chunk of bytes, in either direction, it may
 * drop the connection (reset both sides), half-close it (FIN towards one side only), or delay the
 * chunk (order is kept). New connections may be refused. Faults can be switched off and on.
 * Apart from the random faults, the link can be cut on purpose ({@link FaultProxy.cut}) and
 * restored: for everyone, or only for connections from one source address (on the cluster bus,
 * a node dialling from its `bind-source-addr`).
 */
export interface FaultOptions {
  /** Returns a number in [0, 1): the PRNG. */
  readonly random: () => number;
  /** Chance, per chunk, of resetting the connection. */
  readonly drop?: number;
  /** Chance, per chunk, of half-closing it (ending the write side towards the receiver). */
  readonly halfClose?: number;
  /** Chance, per chunk, of delaying it by up to `maxDelay` ms. */
  readonly delay?: number;
  /** Longest delay, in ms. @defaultValue 200 */
  readonly maxDelay?: number;
  /** Chance of refusing (resetting) a new connection. */
  readonly refuse?: number;
  /** Resets the connection instead of passing on this chunk from the server (while faults are on). */
  readonly cutReply?: (chunk: Buffer) => boolean;
  /** Port to listen on (a node's bus port + 10000 when the proxy stands on the bus). @defaultValue any free port */
  readonly port?: number;
}

/** How {@link FaultProxy.cut} cuts the link. */
export interface CutOptions {
  /** Only connections coming from this address (the dialler's source address). @defaultValue all */
  readonly from?: string;
  /**
   * `reset`: open connections are reset and new ones refused (the peer sees a dead link at once).
   * `silent`: connections are accepted and kept, but no byte gets through either way (a network
   * partition: only timeouts notice); on restore they are reset, since bytes were lost.
   * @defaultValue 'reset'
   */
  readonly mode?: 'reset' | 'silent';
}

/** What the proxy did. */
export interface FaultCounts {
  connections: number;
  refused: number;
  chunks: number;
  drops: number;
  halfCloses: number;
  delays: number;
  /** Connections refused or held silent while cut. */
  cutConnections: number;
  /** Chunks swallowed by a silent cut. */
  cutChunks: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly counts: FaultCounts;
  /** Switches fault injection on or off (off: a plain proxy). */
  setFaults(on: boolean): void;
  /** Resets every open connection now. */
  dropAll(): void;
  /** Cuts the link (another cut adds to it); see {@link CutOptions}. */
  cut(options?: CutOptions): void;
  /** Ends every cut: connections held silent are reset, new ones go through again. */
  restore(): void;
  /** Open client connections. */
  readonly open: number;
  /** Stops listening and resets every connection. */
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: { host: string; port: number },
  options: FaultOptions,
): Promise<FaultProxy> {
  const { random, drop = 0, halfClose = 0, delay = 0, maxDelay = 200, refuse = 0, cutReply } = options;
  const listenPort = options.port ?? 0;
  const counts: FaultCounts = {
    connections: 0,
    refused: 0,
    chunks: 0,
    drops: 0,
    halfCloses: 0,
    delays: 0,
    cutConnections: 0,
    cutChunks: 0,
  };
  interface Pair {
    client: net.Socket;
    upstream: net.Socket;
    from: string;
    silent: boolean;
  }
  const pairs = new Set<Pair>();
  const held = new Set<net.Socket>();
  let cuts: CutOptions[] = [];
  const sourceOf = (s: net.Socket): string => (s.remoteAddress ?? '').replace(/^::ffff:/, '');
  const cutFor = (from: string): CutOptions | undefined =>
    cuts.find((c) => c.from === undefined || c.from === from);
  const timers = new Set<NodeJS.Timeout>();
  let faults = true;

  // resetAndDestroy() on a socket still connecting waits for a connection that may never come, and
  // on a socket whose write side has ended it fails to close the handle (libuv refuses an RST after
  // a shutdown): the socket would stay open for good. A plain destroy() does for those.
  const hardClose = (socket: net.Socket): void => {
    if (socket.connecting || socket.destroyed || socket.writableEnded) socket.destroy();
    else socket.resetAndDestroy();
  };
  const reset = (pair: Pair): void => {
    hardClose(pair.client);
    hardClose(pair.upstream);
  };

  const server = net.createServer((client) => {
    counts.connections++;
    const source = sourceOf(client);
    const cut = cutFor(source);
    if (cut !== undefined) {
      counts.cutConnections++;
      client.on('error', () => undefined);
      if (cut.mode === 'silent') {
        // Accepted and never answered: bytes from the dialler go nowhere.
        held.add(client);
        client.on('close', () => held.delete(client));
        client.on('data', () => void counts.cutChunks++);
      } else client.resetAndDestroy();
      return;
    }
    if (faults && random() < refuse) {
      counts.refused++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair: Pair = { client, upstream, from: source, silent: false };
    Object.assign(client, { owner: 'proxy-client' });
    Object.assign(upstream, { owner: 'proxy-upstream' });
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      // Chunks go through a chain so that a delayed chunk never overtakes an earlier one.
      let chain = Promise.resolve();
      from.on('data', (chunk: Buffer) => {
        counts.chunks++;
        if (pair.silent) {
          counts.cutChunks++;
          return;
        }
        const r = faults ? random() : 1;
        if (r < drop || (faults && from === upstream && cutReply?.(chunk))) {
          counts.drops++;
          reset(pair);
          return;
        }
        if (r < drop + halfClose) {
          counts.halfCloses++;
          // The receiver sees the stream end; the sender may still write (and be reset later).
          chain = chain.then(() => void to.end());
          return;
        }
        const wait = r < drop + halfClose + delay ? Math.floor(random() * maxDelay) : 0;
        if (wait > 0) counts.delays++;
        chain = chain.then(
          () =>
            new Promise<void>((resolve) => {
              if (wait === 0) {
                if (!to.destroyed && to.writable) to.write(chunk);
                return resolve();
              }
              const timer = setTimeout(() => {
                timers.delete(timer);
                if (!to.destroyed && to.writable) to.write(chunk);
                resolve();
              }, wait);
              timers.add(timer);
            }),
        );
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    for (const s of [client, upstream]) s.on('error', () => undefined);
    // A side that is fully closed takes the other one with it (after its pending writes).
    client.on('close', () => {
      upstream.destroy();
      pairs.delete(pair);
    });
    upstream.on('close', () => {
      client.destroy();
      pairs.delete(pair);
    });
    // A FIN from one side is passed on as a FIN (the other side decides what to do with it).
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    counts,
    get open() {
      return pairs.size;
    },
    setFaults(on) {
      faults = on;
    },
    dropAll() {
      for (const pair of pairs) reset(pair);
    },
    cut(options = {}) {
      cuts.push(options);
      for (const pair of pairs) {
        if (options.from !== undefined && options.from !== pair.from) continue;
        if (options.mode === 'silent') pair.silent = true;
        else reset(pair);
      }
    },
    restore() {
      cuts = [];
      for (const pair of pairs) if (pair.silent) reset(pair);
      for (const s of held) s.destroy();
      held.clear();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const pair of pairs) reset(pair);
      for (const s of held) s.destroy();
      held.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
