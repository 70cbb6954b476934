/**
 * Disque job ids: `D-<8 hex of the node id>-<24 base64 chars>-<4 hex TTL part>`, 40 characters.
 * @internal
 */
import { randomBytes } from 'node:crypto';

/** Length of every job id. @internal */
export const JOB_ID_LENGTH = 40;

/**
 * The 16-bit TTL part: TTL in minutes, capped at 65535, with the lowest bit telling the delivery
 * guarantee (odd = at-least-once, RETRY > 0; even = at-most-once). Dummy acks read it back to
 * pick their own expiry. `ttlSeconds` is the C `int` Disque stores, so it may be negative.
 * @internal
 */
export function ttlPart(ttlSeconds: number, retry: number): number {
  let minutes = Math.trunc(ttlSeconds / 60);
  if (minutes > 65535) minutes = 65535;
  if (minutes < 0) minutes = 1;
  return retry > 0 ? minutes | 1 : minutes & ~1;
}

const RANDOM_BYTES = 18;
/** Random bytes are drawn in batches: one `randomBytes` call per job would dominate ADDJOB. */
const POOL_IDS = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomPart(): string {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    pool = randomBytes(RANDOM_BYTES * POOL_IDS);
    poolOffset = 0;
  }
  const s = pool.toString('base64', poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return s;
}

/**
 * Creates a new id for a job created by `nodeId`. The random part only needs Disque's alphabet and
 * length: 18 random bytes are exactly 24 base64 characters, without padding.
 * @internal
 */
export function generateJobId(nodeId: string, ttlSeconds: number, retry: number): string {
  const random = randomPart();
  const ttl = ttlPart(ttlSeconds, retry).toString(16).padStart(4, '0');
  return `D-${nodeId.slice(0, 8)}-${random}-${ttl}`;
}

/**
 * Disque's own (weak) validation: length 40, `D-` prefix and dashes at offsets 10 and 35.
 * Anything passing this is "well formed", even with non-hex characters.
 * @internal
 */
export function isValidJobId(id: Buffer | string): boolean {
  if (id.length !== JOB_ID_LENGTH) return false;
  const at = (i: number): number => (typeof id === 'string' ? id.charCodeAt(i) : (id[i] ?? 0));
  return at(0) === 0x44 && at(1) === 0x2d && at(10) === 0x2d && at(35) === 0x2d;
}

/** Reads the TTL part back; a character that is not a hex digit counts as 0, as in Disque. @internal */
export function ttlPartOf(id: string): number {
  let v = 0;
  for (let i = 36; i < 40; i++) {
    const d = parseInt(id.charAt(i).toLowerCase(), 16);
    v = (v << 4) | (Number.isNaN(d) ? 0 : d);
  }
  return v;
}
