import { listJobs } from '../../status.js';
import type { JobState } from '../../job.js';
import { parseInteger, UsageError } from '../args.js';
import { shortId, table, toJson } from '../format.js';
import type { CliCommand } from '../command.js';

const STATES: readonly JobState[] = ['wait-repl', 'active', 'queued', 'acked'];

/** Shortens a body for one line of a table. @internal */
export function oneLine(body: string, width = 60): string {
  const flat = body.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/** `disque-ts jobs [--queue q] [--state s,…] [--limit n]`. @internal */
export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: 'list jobs on every node (JSCAN), one line per job',
  usage: '[options]',
  description: `Lists jobs, oldest first, with JSCAN on every node: one line per job however many copies
the cluster holds, in the most telling state of its copies (acked, queued, active, wait-repl).
This walks every job of every node: use it to inspect, not in a loop.`,
  options: {
    queue: { type: 'string', short: 'q', value: 'name', description: 'only jobs of this queue' },
    state: {
      type: 'string',
      short: 's',
      value: 'state,…',
      description: `only jobs in these states (${STATES.join(', ')})`,
    },
    limit: { type: 'string', value: 'n', description: 'at most n jobs (default 100)' },
  },
  arity: [0, 0],
  async run(ctx) {
    const { queue, state, limit } = ctx.options;
    const states =
      typeof state === 'string'
        ? state.split(',').map((s) => {
            if (!(STATES as readonly string[]).includes(s))
              throw new UsageError(`\`--state\` expects ${STATES.join(', ')}, got \`${s}\``);
            return s as JobState;
          })
        : undefined;
    const jobs = await ctx.jobs();
    const list = await listJobs(jobs, {
      ...(typeof queue === 'string' ? { queue } : {}),
      ...(states ? { states } : {}),
      limit: typeof limit === 'string' ? parseInteger('--limit', limit, 1) : 100,
    });
    if (ctx.json) {
      ctx.out(toJson(list));
      return 0;
    }
    if (list.length === 0) {
      ctx.out('(no jobs)');
      return 0;
    }
    const now = Date.now();
    ctx.out(
      ...table(
        [
          { header: 'ID' },
          { header: 'QUEUE' },
          { header: 'STATE' },
          { header: 'AGE', right: true },
          { header: 'NACKS', right: true },
          { header: 'COPIES' },
          { header: 'BODY' },
        ],
        list.map((j) => [
          j.id,
          j.queue ?? '-',
          j.state,
          `${Math.max(0, Math.round((now - j.createdAt.getTime()) / 1000))}s`,
          String(j.nacks),
          j.seenOn.map(shortId).join(','),
          oneLine(j.body ?? ''),
        ]),
      ),
    );
    return 0;
  },
};
