import net from 'node:net';

/**
 * A TCP proxy that injects connection faults between a client and a node, decided by a seeded
 * PRNG so that a failing run can be replayed: for each chunk of bytes, in either direction, it may
 * drop the connection (reset both sides), half-close it (FIN towards one side only), or delay the
 * chunk (order is kept). New connections may be refused. Faults can be switched off and on.
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
}

/** What the proxy did. */
export interface FaultCounts {
  connections: number;
  refused: number;
  chunks: number;
  drops: number;
  halfCloses: number;
  delays: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly counts: FaultCounts;
  /** Switches fault injection on or off (off: a plain proxy). */
  setFaults(on: boolean): void;
  /** Resets every open connection now. */
  dropAll(): void;
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
  const counts: FaultCounts = { connections: 0, refused: 0, chunks: 0, drops: 0, halfCloses: 0, delays: 0 };
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const timers = new Set<NodeJS.Timeout>();
  let faults = true;

  // resetAndDestroy() on a socket still connecting waits for a connection that may never come, and
  // on a socket whose write side has ended it fails to close the handle (libuv refuses an RST after
  // a shutdown): the socket would stay open for good. A plain destroy() does for those.
  const hardClose = (socket: net.Socket): void => {
    if (socket.connecting || socket.destroyed || socket.writableEnded) socket.destroy();
    else socket.resetAndDestroy();
  };
  const reset = (pair: { client: net.Socket; upstream: net.Socket }): void => {
    hardClose(pair.client);
    hardClose(pair.upstream);
  };

  const server = net.createServer((client) => {
    counts.connections++;
    if (faults && random() < refuse) {
      counts.refused++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    Object.assign(client, { owner: 'proxy-client' });
    Object.assign(upstream, { owner: 'proxy-upstream' });
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      // Chunks go through a chain so that a delayed chunk never overtakes an earlier one.
      let chain = Promise.resolve();
      from.on('data', (chunk: Buffer) => {
        counts.chunks++;
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
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const pair of pairs) reset(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
