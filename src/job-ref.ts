import * as v from './commands/validate.js';

/**
 * A job or its id, wherever a job is expected.
 *
 * @example
 * ```ts
 * const job = await jobs.get('emails');
 * await jobs.ack(job); // or jobs.ack(job.id): both are JobRefs
 * ```
 */
export type JobRef = string | { readonly id: string };

/**
 * The id of a job reference, or an ArgumentError naming the argument. `name` may be a function so
 * that the hot path (ack of many jobs) builds no string unless the reference is bad.
 */
export const idOf = (ref: JobRef, name: string | (() => string)): string =>
  typeof ref === 'string'
    ? ref
    : ref !== null && typeof ref === 'object' && 'id' in ref
      ? ref.id
      : v.fail(typeof name === 'string' ? name : name(), 'a job or a job id', ref);
