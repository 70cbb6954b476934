/**
 * What the dashboard's buttons do. Each action is one POST, checked by the router (session,
 * CSRF token, origin) before it gets here, and validated here (an ArgumentError names the field).
 * @internal
 * @module
 */
import * as C from '../commands/index.js';
import type { Pool } from '../pool.js';
import { ArgumentError } from '../errors.js';
import { isJobId } from '../job-id.js';
import * as v from '../commands/validate.js';
import { jobBody } from './reader.js';
import { onNode, reachableNodes } from '../each-node.js';

const str = (name: string, value: unknown): string =>
  typeof value === 'string' ? value : v.fail(name, 'a string', value);
const jobId = (value: unknown): string => {
  const id = str('id', value);
  if (!isJobId(id))
    throw new ArgumentError('id', `Expected \`id\` to be a Disque job id, got \`${id.slice(0, 60)}\``);
  return id;
};

/**
 * Pauses or resumes a queue on every node (PAUSE … BCAST), then reads the state back from each
 * node until they all agree (the broadcast travels over the cluster bus) or ~2 s have passed.
 * @internal
 */
export async function pauseQueue(
  pool: Pool,
  queueValue: unknown,
  stateValue: unknown,
): Promise<{ node: string; address: string; pause: C.PauseState }[]> {
  const queue = v.queueName('queue', str('queue', queueValue)) as string;
  const state = v.oneOf('state', str('state', stateValue), ['none', 'in', 'out', 'all'] as const);
  await pool.run(C.PAUSE, [queue, state, { bcast: true }]);
  const nodes = await reachableNodes(pool);
  const read = () =>
    Promise.all(
      nodes.map(async (node) => ({
        node: node.id as string,
        address: node.address,
        pause: await onNode(pool, node, C.PAUSE, [queue, 'state']),
      })),
    );
  let states = await read();
  for (let i = 0; i < 40 && states.some((s) => s.pause !== state); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    states = await read();
  }
  return states;
}

/** Adds a job (string body) to a queue. @internal */
export async function addJob(pool: Pool, queueValue: unknown, bodyValue: unknown): Promise<string> {
  const queue = v.queueName('queue', str('queue', queueValue)) as string;
  const body = str('body', bodyValue);
  if (body.length === 0) throw new ArgumentError('body', 'Expected `body` to be a non-empty string');
  return pool.run(C.ADDJOB, [queue, body, {}], { retry: 'unsent' });
}

/** What a job button does. @internal */
export type JobAction = 'ack' | 'nack' | 'enqueue' | 'delete';

/**
 * Acks (cluster-wide), NACKs, enqueues again, or deletes a job. Delete is DELJOB on every
 * reachable node, since DELJOB only removes the copy of the node it is sent to.
 * Resolves to how many nodes or jobs were affected.
 * @internal
 */
export async function jobAction(pool: Pool, action: JobAction, idValue: unknown): Promise<number> {
  const id = jobId(idValue);
  switch (action) {
    case 'ack':
      return pool.runByJob(C.ACKJOB, [id]);
    case 'nack':
      return pool.runByJob(C.NACK, [id]);
    case 'enqueue':
      return pool.runByJob(C.ENQUEUE, [id]);
    case 'delete': {
      const counts = await Promise.all(
        (await reachableNodes(pool)).map((node) => onNode(pool, node, C.DELJOB, [id]).catch(() => 0)),
      );
      return counts.reduce((a, b) => a + b, 0);
    }
  }
}

/**
 * Moves a dead letter back to its original queue: ADDJOB of its body there, then ACKJOB of the
 * dead letter (in that order: a failure in between leaves a copy in both, never in neither).
 * @internal
 */
export async function requeueDeadLetter(
  pool: Pool,
  idValue: unknown,
  deadLetters: Readonly<Record<string, string>>,
  targetValue: unknown,
): Promise<{ id: string; queue: string }> {
  const id = jobId(idValue);
  const found = await jobBody(pool, id);
  if (!found) throw new ArgumentError('id', `No reachable node knows job ${id}`);
  const configured = found.queue === null ? undefined : deadLetters[found.queue];
  const target =
    targetValue === undefined || targetValue === null || targetValue === ''
      ? configured
      : (v.queueName('target', str('target', targetValue)) as string);
  if (target === undefined)
    throw new ArgumentError(
      'target',
      `Queue ${found.queue ?? '?'} is not a configured dead-letter queue: say where to requeue`,
    );
  const newId = await pool.run(C.ADDJOB, [target, found.body, {}], { retry: 'unsent' });
  await pool.runByJob(C.ACKJOB, [id]);
  return { id: newId, queue: target };
}
