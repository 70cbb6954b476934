/**
 * Job ids: `D-<node prefix, 8 hex>-<24 random chars>-<TTL part, 4 hex>`, 40 characters.
 * The node prefix is the first 8 characters of the id of the node that created the job, which is
 * what node affinity counts.
 * @module
 */

import { ArgumentError } from './errors.js';

function fail(id: unknown): never {
  throw new ArgumentError(
    'id',
    `Expected \`id\` to be a job id string, got ${id === null ? 'null' : typeof id}`,
  );
}

/**
 * The length of every Disque job id.
 *
 * @example
 * ```ts
 * id.length === JOB_ID_LENGTH; // true for every id ADDJOB returns
 * ```
 */
export const JOB_ID_LENGTH = 40;

/**
 * Whether `id` is a job id the server will accept. This is the server's own check (length 40,
 * `D-`, dashes at 10 and 35), so no id Disque accepts is ever refused here.
 *
 * @example
 * ```ts
 * isJobId(await conn.addJob('emails', 'hi')); // true
 * isJobId('42'); // false
 * ```
 */
export function isJobId(id: string): boolean {
  return (
    typeof id === 'string' &&
    id.length === JOB_ID_LENGTH &&
    id[0] === 'D' &&
    id[1] === '-' &&
    id[10] === '-' &&
    id[35] === '-'
  );
}

/**
 * The 8-character node prefix of a job id: the start of the creating node's id.
 *
 * @example
 * ```ts
 * const id = await conn.addJob('emails', 'hi');
 * (await conn.clusterMyId()).startsWith(jobIdNodePrefix(id)); // true
 * ```
 */
export function jobIdNodePrefix(id: string): string {
  if (typeof id !== 'string') fail(id);
  return id.slice(2, 10);
}

/**
 * Whether the job id says the job is at-least-once (RETRY > 0): Disque sets the lowest bit of the
 * TTL part for those, and clears it for at-most-once jobs.
 *
 * @example
 * ```ts
 * jobIdIsAtLeastOnce(await conn.addJob('emails', 'hi', { retry: 30_000 })); // true
 * jobIdIsAtLeastOnce(await conn.addJob('emails', 'hi', { retry: 0, replicate: 1 })); // false
 * ```
 */
export function jobIdIsAtLeastOnce(id: string): boolean {
  if (typeof id !== 'string') fail(id);
  return (Number.parseInt(id.slice(36), 16) & 1) === 1;
}
