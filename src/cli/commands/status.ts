import { status } from '../../status.js';
import { statusReport, toJson } from '../format.js';
import type { CliCommand } from '../command.js';

/** `disque-ts status [queue…]`. @internal */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'nodes and queues of the cluster, as tables',
  usage: '[queue…]',
  description: `Prints every node (id, address, HELLO priority, reachable, leaving, jobs, memory, clients)
and every queue (length in total and on each node, blocked consumers, import rate, jobs in/out
since the queue was created on each node, pause state). Give queue names to show only those.`,
  options: {},
  arity: [0, Infinity],
  async run(ctx) {
    const jobs = await ctx.jobs();
    const result = await status(jobs, ctx.args.length > 0 ? { queues: ctx.args } : {});
    if (ctx.json) ctx.out(toJson(result));
    else ctx.out(...statusReport(result));
    return result.nodes.some((n) => n.reachable) ? 0 : 3;
  },
};
