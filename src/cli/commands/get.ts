import { parseDuration, parseInteger } from '../args.js';
import { toJson } from '../format.js';
import type { CliCommand } from '../command.js';

/** `disque-ts get <queue…> [--timeout ms] [--count n] [--no-ack]`. @internal */
export const getCommand: CliCommand = {
  name: 'get',
  summary: 'take jobs (queues in priority order), print and ack them',
  usage: '<queue…> [options]',
  description: `Takes a job from the first queue that has one (list queues from the most to the least
urgent), prints it (id, queue, body) and acknowledges it, unless --no-ack: then the job is
delivered again after its RETRY. Waits for a job up to --timeout (default: forever; Ctrl-C stops).
Exits 1 when no job came in time.`,
  options: {
    timeout: { type: 'string', short: 't', value: 'ms', description: 'wait at most this long (0 = forever)' },
    count: { type: 'string', short: 'c', value: 'n', description: 'take up to n jobs (default 1)' },
    ack: { type: 'boolean', description: 'acknowledge what was printed (default; --no-ack to leave it)' },
  },
  arity: [1, Infinity],
  async run(ctx) {
    const o = ctx.options;
    const timeout = typeof o['timeout'] === 'string' ? parseDuration('--timeout', o['timeout']) : 0;
    const count = typeof o['count'] === 'string' ? parseInteger('--count', o['count'], 1) : 1;
    let jobs = (await ctx.jobs()).timeout(timeout);
    if (ctx.io.signal) jobs = jobs.signal(ctx.io.signal);
    const got = await jobs.getMany(count, ...ctx.args);
    if (got.length === 0) {
      ctx.io.stderr(`disque-ts: no job in ${ctx.args.join(', ')} within ${timeout} ms\n`);
      return 1;
    }
    for (const job of got)
      ctx.out(
        ctx.json
          ? toJson({ id: job.id, queue: job.queue, body: job.body })
          : `${job.id}  ${job.queue}  ${job.body}`,
      );
    if (o['ack'] !== false) await jobs.ack(...got);
    return 0;
  },
};
