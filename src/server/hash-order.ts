/**
 * Disque keeps nodes, jobs and queues in hash tables, so HELLO, CLUSTER NODES, JSCAN, QSCAN and a
 * job's `nodes-delivered` come in hash order: neither creation order nor "myself first". The
 * embedded server does the same (a seeded FNV-1a hash, seed random per process), so a client that
 * leans on an order fails here as it would on real Disque.
 * @internal
 */
import { randomBytes } from 'node:crypto';

const SEED = randomBytes(4).readUInt32LE(0);

/** A 32-bit hash of `key` plus one (1..2^32), so that 0 stays free for "scan finished". @internal */
export function hashKey(key: string): number {
  let h = (0x811c9dc5 ^ SEED) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche, so that keys sharing a prefix (job ids of one node) still spread out.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h + 1;
}

/** `items` sorted by the hash of their key (ties by key, so the order is total). @internal */
export function inHashOrder<T>(items: Iterable<T>, key: (x: T) => string): T[] {
  return [...items]
    .map((x) => ({ x, k: key(x), h: hashKey(key(x)) }))
    .sort((a, b) => a.h - b.h || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((e) => e.x);
}
