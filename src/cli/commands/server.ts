import { parseServerArgs, SERVER_DIRECTIVE_OPTIONS } from '../../server/server-args.js';
import { runServer } from '../../server/run-server.js';
import { toJson } from '../format.js';
import type { CliCommand } from '../command.js';

const waitForAbort = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!signal) return; // nothing can stop it: runs until the process is killed
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/**
 * `disque-ts server [disque.conf] [--nodes 3] [--port 7711] [--directive value ...]`: the options of
 * `disque-ts-server`, parsed by the server's own parser (src/server/server-args.ts).
 * @internal
 */
export const serverCommand: CliCommand = {
  name: 'server',
  summary: 'run the embedded Disque-compatible server (1..N node processes) until Ctrl-C',
  usage: '[disque.conf] [options]',
  description: `Runs the embedded Disque-compatible server: one node in this process, or --nodes N
node processes joined into a cluster on consecutive ports, until Ctrl-C. Takes what
disque-ts-server (and disque-server) take: a config file, --port, --bind, --dir, --appendonly
yes, ... and DISQUE_<DIRECTIVE> environment variables. Prints the DISQUE_NODES line the other
commands (and your programs) can use. --password sets requirepass. Here --nodes is a number of
nodes, not a node list.`,
  options: Object.fromEntries(
    Object.entries(SERVER_DIRECTIVE_OPTIONS).map(([name, description]) => [
      name,
      name === 'port'
        ? { type: 'string' as const, short: 'p', value: 'port', description }
        : { type: 'string' as const, value: 'value', description },
    ]),
  ),
  arity: [0, 1],
  async run(ctx) {
    const argv: string[] = [...ctx.args];
    for (const name of Object.keys(SERVER_DIRECTIVE_OPTIONS)) {
      const v = ctx.options[name];
      if (typeof v === 'string') argv.push(`--${name}`, ...v.split(/\s+/).filter((x) => x !== ''));
    }
    if (ctx.password !== undefined) argv.push('--requirepass', ctx.password);
    const env = ctx.io.env ?? process.env;
    const args = parseServerArgs(argv, { ...env });
    const server = await runServer(args, (line) => ctx.io.stderr(`${line}\n`));
    try {
      const nodes = server.nodes;
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
      await server.close();
    }
    return 0;
  },
};
