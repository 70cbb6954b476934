import type { JobsConfig } from '../../options.js';
import { parseDuration, parseInteger } from '../args.js';
import { toJson } from '../format.js';
import type { CliCommand } from '../command.js';

/** `disque-ts add <queue> <body> [--retry --ttl --delay --replicate --maxlen --async --timeout]`. @internal */
export const addCommand: CliCommand = {
  name: 'add',
  summary: 'add a job, print its id',
  usage: '<queue> <body> [options]',
  description: `Adds a job to a queue and prints its id. Durations are milliseconds, or take a unit:
250ms, 30s, 5m, 1h, 2d. Disque keeps DELAY, RETRY and TTL in whole seconds.`,
  options: {
    retry: {
      type: 'string',
      value: 'ms',
      description: 'deliver again if not acked this long after queued (0 = at most once)',
    },
    ttl: { type: 'string', value: 'ms', description: 'delete the job after this long (default 1 day)' },
    delay: { type: 'string', value: 'ms', description: 'queue the job only after this long' },
    replicate: { type: 'string', value: 'n', description: 'copies in the cluster (default min(3, nodes))' },
    maxlen: { type: 'string', value: 'n', description: 'refuse the job if the queue already holds n' },
    async: { type: 'boolean', description: 'reply before the job is replicated' },
    timeout: { type: 'string', value: 'ms', description: 'how long replication may take (default 5s)' },
  },
  arity: [2, 2],
  async run(ctx) {
    const [queue, body] = ctx.args as [string, string];
    const o = ctx.options;
    const config: JobsConfig = {};
    if (typeof o['retry'] === 'string') config.retry = parseDuration('--retry', o['retry']);
    if (typeof o['ttl'] === 'string') config.ttl = parseDuration('--ttl', o['ttl']);
    if (typeof o['delay'] === 'string') config.delay = parseDuration('--delay', o['delay']);
    if (typeof o['timeout'] === 'string') config.timeout = parseDuration('--timeout', o['timeout']);
    if (typeof o['replicate'] === 'string') config.replicate = parseInteger('--replicate', o['replicate'], 1);
    if (typeof o['maxlen'] === 'string') config.maxLen = parseInteger('--maxlen', o['maxlen'], 1);
    if (o['async'] === true) config.async = true;
    const jobs = await ctx.jobs();
    const id = await jobs.add(body, queue, config);
    ctx.out(ctx.json ? toJson({ id, queue }) : id);
    return 0;
  },
};
