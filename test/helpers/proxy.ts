import net from 'node:net';

/**
 * A TCP proxy in front of a node, to make the node unreachable from the client's point of view
 * (`cut()`) and reachable again (`restore()`), against the embedded server and real Disque alike.
 */
export interface TestProxy {
  /** The port the proxy listens on (stable across cut/restore). */
  readonly port: number;
  /** Resets every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  let listening = true;
  const cut = async () => {
    // destroy(), not resetAndDestroy(): on Node 20 the latter can leave a socket's handle open
    // (and spinning) after the test, so jest never exits. For the client a closed connection is
    // a dead node either way.
    for (const s of sockets) s.destroy();
    if (listening) {
      listening = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  return {
    port,
    cut,
    async restore() {
      if (!listening) {
        await listen(port);
        listening = true;
      }
    },
    close: cut,
  };
}
