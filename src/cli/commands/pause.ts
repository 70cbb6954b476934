import * as C from '../../commands/index.js';
import { UsageError } from '../args.js';
import { shortId, table, toJson } from '../format.js';
import { onNode, reachableNodes } from '../../each-node.js';
import type { CliCommand } from '../command.js';

const OPTIONS: readonly C.PauseOption[] = ['in', 'out', 'all', 'none', 'state'];

/** `disque-ts pause <queue> <in|out|all|none|state>`. @internal */
export const pauseCommand: CliCommand = {
  name: 'pause',
  summary: 'pause a queue (in, out, all), resume it (none), or show its state',
  usage: '<queue> <in|out|all|none|state>',
  description: `Pauses a queue on every node (PAUSE … BCAST): \`in\` refuses new jobs, \`out\` stops
serving them, \`all\` both; \`none\` resumes it. \`state\` only shows it. Prints the state on
each node.`,
  options: {},
  arity: [2, 2],
  async run(ctx) {
    const [queue, option] = ctx.args as [string, string];
    if (!(OPTIONS as readonly string[]).includes(option))
      throw new UsageError(`The pause state must be one of ${OPTIONS.join(', ')}, got \`${option}\``);
    const { pool } = await ctx.jobs();
    if (option !== 'state') await pool.run(C.PAUSE, [queue, option as C.PauseOption, { bcast: true }]);
    const nodes = await reachableNodes(pool);
    const read = () =>
      Promise.all(
        nodes.map(async (node) => ({
          node: node.id ?? node.address,
          address: node.address,
          pause: await onNode(pool, node, C.PAUSE, [queue, 'state']),
        })),
      );
    let states = await read();
    // The broadcast reaches the other nodes over the cluster bus: give it a moment to land.
    for (let i = 0; option !== 'state' && i < 20 && states.some((s) => s.pause !== option); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      states = await read();
    }
    if (ctx.json) ctx.out(toJson({ queue, nodes: states }));
    else
      ctx.out(
        ...table(
          [{ header: 'NODE' }, { header: 'ADDRESS' }, { header: 'PAUSE' }],
          states.map((s) => [shortId(s.node), s.address, s.pause]),
        ),
      );
    return 0;
  },
};
