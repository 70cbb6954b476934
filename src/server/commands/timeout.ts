/**
 * Disque's `getTimeoutFromObjectOrReply` for millisecond timeouts.
 * @internal
 */
import type { DisqueNode } from '../node.js';
import { error, type ErrorReply } from '../resp-writer.js';
import { parseLongLong } from './args.js';

/** Absolute virtual deadline in ms (0 = none), or the error to reply. @internal */
export function parseTimeout(node: DisqueNode, arg: Buffer): number | ErrorReply {
  const v = parseLongLong(arg);
  if (v === null) return error('ERR timeout is not an integer or out of range');
  if (v < 0n) return error('ERR timeout is negative');
  return v > 0n ? node.now() + Number(v) : 0;
}
