import * as C from '../../commands/index.js';
import type { Job } from '../../job.js';
import { parseInteger } from '../args.js';
import { shortId, table, toJson } from '../format.js';
import { onNode, reachableNodes } from '../../each-node.js';
import type { CliCommand } from '../command.js';
import { oneLine } from './jobs.js';

/** `disque-ts peek <queue> [n]`. @internal */
export const peekCommand: CliCommand = {
  name: 'peek',
  summary: 'show the oldest queued jobs without taking them',
  usage: '<queue> [n]',
  description: `Shows up to n (default 10) jobs queued in a queue, oldest first on each node (QPEEK on
every node, taken in turn), without taking them.`,
  options: {},
  arity: [1, 2],
  async run(ctx) {
    const [queue, n] = ctx.args as [string, string | undefined];
    const count = n === undefined ? 10 : parseInteger('n', n, 1);
    const { pool } = await ctx.jobs();
    const nodes = await reachableNodes(pool);
    const lists = await Promise.all(
      nodes.map(async (node) => ({ node, jobs: await onNode(pool, node, C.QPEEK, [queue, count]) })),
    );
    // In turn: the oldest of each node first.
    const found: { node: string; job: Job }[] = [];
    for (let i = 0; found.length < count && lists.some((l) => l.jobs.length > i); i++)
      for (const l of lists) {
        const job = l.jobs[i];
        if (job && found.length < count) found.push({ node: l.node.id ?? l.node.address, job });
      }
    if (ctx.json) ctx.out(toJson(found.map(({ node, job }) => ({ ...job, node }))));
    else if (found.length === 0) ctx.out(`(no jobs queued in ${queue})`);
    else
      ctx.out(
        ...table(
          [{ header: 'ID' }, { header: 'NODE' }, { header: 'BODY' }],
          found.map(({ node, job }) => [job.id, shortId(node), oneLine(job.body, 80)]),
        ),
      );
    return 0;
  },
};
