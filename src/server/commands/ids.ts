/**
 * Commands taking job ids validate all of them before touching any (`-BADID` otherwise).
 * @internal
 */
import { isValidJobId } from '../job-id.js';
import { error, type ErrorReply } from '../resp-writer.js';

/** @internal */
export const BADID = error('BADID Invalid Job ID format.');

/** The ids as strings, or the BADID error if any is malformed. @internal */
export function jobIds(args: readonly Buffer[]): string[] | ErrorReply {
  const out: string[] = [];
  for (const a of args) {
    if (!isValidJobId(a)) return BADID;
    out.push(a.toString('latin1'));
  }
  return out;
}
