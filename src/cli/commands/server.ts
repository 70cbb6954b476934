import { startCluster, startServer } from '../../server/index.js';
import { parseInteger } from '../args.js';
import { toJson } from '../format.js';
import type { CliCommand } from '../command.js';

const waitForAbort = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!signal) return; // nothing can stop it: runs until the process is killed
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/** `disque-ts server [--nodes 3] [--port 7711] [--host 127.0.0.1]`. @internal */
export const serverCommand: CliCommand = {
  name: 'server',
  summary: 'run the embedded Disque-compatible server (1..N nodes) until Ctrl-C',
  usage: '[options]',
  description: `Runs the embedded Disque-compatible server in this process: one node, or --nodes N
already joined into a cluster on consecutive ports, until Ctrl-C. Prints the DISQUE_NODES line
the other commands (and your programs) can use. --password sets requirepass. Here --nodes is a
number of nodes, not a node list.`,
  options: {
    nodes: { type: 'string', value: 'n', description: 'number of nodes (default 1)' },
    port: {
      type: 'string',
      short: 'p',
      value: 'port',
      description: 'port of the first node (default 7711; 0 = any free)',
    },
    host: { type: 'string', value: 'ip', description: 'interface to listen on (default 127.0.0.1)' },
  },
  arity: [0, 0],
  async run(ctx) {
    const o = ctx.options;
    const count = typeof o['nodes'] === 'string' ? parseInteger('--nodes', o['nodes'], 1, 64) : 1;
    const port = typeof o['port'] === 'string' ? parseInteger('--port', o['port'], 0, 65535) : 7711;
    const host = typeof o['host'] === 'string' ? o['host'] : '127.0.0.1';
    const common = { host, ...(ctx.password === undefined ? {} : { password: ctx.password }) };
    let nodes: { nodeId: string; host: string; port: number }[];
    let close: () => Promise<void>;
    if (count === 1) {
      const server = await startServer({ ...common, port });
      nodes = [server];
      close = () => server.close();
    } else {
      const ports = port === 0 ? undefined : Array.from({ length: count }, (_, i) => port + i);
      const cluster = await startCluster({ ...common, nodes: count, ...(ports ? { ports } : {}) });
      nodes = [...cluster.nodes];
      close = () => cluster.close();
    }
    try {
      const list = nodes.map((n) => `${n.host}:${n.port}`).join(',');
      if (ctx.json)
        ctx.out(
          toJson({
            nodes: nodes.map((n) => ({ id: n.nodeId, host: n.host, port: n.port })),
            DISQUE_NODES: list,
          }),
        );
      else
        ctx.out(
          ...nodes.map((n) => `node ${n.nodeId} listening on ${n.host}:${n.port}`),
          `DISQUE_NODES=${list}`,
          'Ctrl-C to stop',
        );
      await waitForAbort(ctx.io.signal);
    } finally {
      await close();
    }
    return 0;
  },
};
