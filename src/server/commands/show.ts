/**
 * SHOW id and WORKING id.
 * @internal
 */
import { isValidJobId } from '../job-id.js';
import { randomTimeError } from '../job-lifecycle.js';
import { error, type Reply } from '../resp-writer.js';
import { text } from './args.js';
import { BADID } from './ids.js';
import { jobInfo } from './job-reply.js';
import type { CommandContext, CommandSpec } from './types.js';

function show({ node, argv }: CommandContext): Reply {
  if (!isValidJobId(argv[1]!)) return BADID;
  const job = node.jobs.get(text(argv[1]));
  return job === undefined ? null : jobInfo(node, job);
}

/**
 * Postpones the next delivery by a full RETRY from now (dequeuing a queued job), unless more than
 * half of the job's lifetime already elapsed.
 */
function working({ node, argv }: CommandContext): Reply {
  if (!isValidJobId(argv[1]!)) return BADID;
  const job = node.jobs.get(text(argv[1]));
  if (job === undefined) return error('NOJOB Job not known in the context of this node.');
  const ctimeMs = job.ctimeMs;
  const lifetime = job.etime * 1000 - ctimeMs;
  const elapsed = node.now() - ctimeMs;
  if (lifetime > 0 && elapsed > lifetime / 2) {
    return error(
      'TOOLATE Half of job TTL already elapsed, you are no longer allowed to postpone the next delivery.',
    );
  }
  if (job.state === 'queued') node.lifecycle.dequeueJob(job);
  job.bcastWillQueue = true;
  node.lifecycle.updateJobRequeueTime(job, node.now() + job.retry * 1000 + randomTimeError(500));
  node.cluster.jobSender.broadcastWorking(job);
  return job.retry;
}

/** @internal */
export const SHOW: CommandSpec = { name: 'show', arity: 2, flags: ['readonly', 'fast'], run: show };
/** @internal */
export const WORKING: CommandSpec = { name: 'working', arity: 2, flags: ['write', 'fast'], run: working };
