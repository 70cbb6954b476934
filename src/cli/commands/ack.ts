import { toJson } from '../format.js';
import type { CliCommand } from '../command.js';

/** `disque-ts ack <id…>`. @internal */
export const ackCommand: CliCommand = {
  name: 'ack',
  summary: 'acknowledge jobs by id',
  usage: '<id…>',
  description: `Acknowledges jobs: they are deleted cluster-wide. Prints how many the nodes knew and had
not acknowledged yet (acknowledging again is harmless).`,
  options: {},
  arity: [1, Infinity],
  async run(ctx) {
    const jobs = await ctx.jobs();
    const acked = await jobs.ack(...ctx.args);
    ctx.out(ctx.json ? toJson({ acked }) : `acked ${acked}`);
    return 0;
  },
};
