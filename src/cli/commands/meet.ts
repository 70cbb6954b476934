import { meet } from '../../meet.js';
import { parseNodeList } from '../../address.js';
import { parseDuration } from '../args.js';
import { shortId, table, toJson } from '../format.js';
import type { CliCommand } from '../command.js';

/** `disque-ts meet <host…> [--timeout ms]`. @internal */
export const meetCommand: CliCommand = {
  name: 'meet',
  summary: 'join nodes (host names welcome) to the cluster of the first --nodes entry',
  usage: '<host[:port]…> [options]',
  description: `Forms a cluster: resolves the host names to IPs (CLUSTER MEET takes only IPs), waits
for every node to answer, asks the seed (the first node of --nodes / DISQUE_NODES, default
127.0.0.1:7711) to MEET each one it does not know yet, and waits until every node lists every
other. Running it again is harmless.`,
  options: {
    timeout: {
      type: 'string',
      short: 't',
      value: 'ms',
      description: 'give up after this long (default 30s)',
    },
  },
  arity: [1, Infinity],
  async run(ctx) {
    const [seed] = parseNodeList(ctx.nodes ?? '127.0.0.1:7711', '--nodes');
    const timeout =
      typeof ctx.options['timeout'] === 'string'
        ? parseDuration('--timeout', ctx.options['timeout'])
        : 30_000;
    const result = await meet(seed ?? '127.0.0.1:7711', ctx.args, {
      timeout,
      ...(ctx.password === undefined ? {} : { password: ctx.password }),
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    });
    if (ctx.json) ctx.out(toJson(result));
    else
      ctx.out(
        ...table(
          [
            { header: 'NODE' },
            { header: 'HOST' },
            { header: 'IP' },
            { header: 'PORT', right: true },
            { header: 'MET' },
          ],
          result.nodes.map((n, i) => [
            shortId(n.id),
            n.host,
            n.ip,
            String(n.port),
            i === 0 ? 'seed' : result.met.includes(n) ? 'yes' : 'already',
          ]),
        ),
        '',
        `${result.nodes.length} nodes in the cluster; ${result.met.length} joined now`,
      );
    return 0;
  },
};
