import { Job } from '../../src/server/job.js';
import { Queue } from '../../src/server/queue.js';
import { noServer } from '../helpers/target.js';

noServer();

function job(n: number, ctime: bigint): Job {
  const j = new Job(
    `D-00000000-${String(n).padStart(24, 'A')}-05a1`,
    Buffer.from('q'),
    'queued',
    Buffer.from(''),
  );
  j.ctime = ctime;
  return j;
}

describe('Queue', () => {
  test('keeps jobs in ctime order, so a re-queued old job goes to the front', () => {
    const q = new Queue(Buffer.from('q'), 0);
    const a = job(1, 100n);
    const b = job(2, 200n);
    const c = job(3, 300n);
    q.insert(b);
    q.insert(c);
    q.insert(a);
    expect(q.peek(10, false)).toEqual([a, b, c]);
    expect(q.peek(2, true)).toEqual([c, b]);
    expect(q.popHead()).toBe(a);
    q.insert(a);
    expect(q.popHead()).toBe(a);
  });

  test('remove() finds a job among equal ctimes by id', () => {
    const q = new Queue(Buffer.from('q'), 0);
    const js = [job(3, 5n), job(1, 5n), job(2, 5n)];
    for (const j of js) q.insert(j);
    expect(q.remove(js[2]!)).toBe(true);
    expect(q.remove(js[2]!)).toBe(false);
    expect(q.length).toBe(2);
  });

  test('stays consistent across many pops (head compaction)', () => {
    const q = new Queue(Buffer.from('q'), 0);
    for (let i = 0; i < 5000; i++) q.insert(job(i, BigInt(i)));
    for (let i = 0; i < 3000; i++) expect(q.popHead()?.ctime).toBe(BigInt(i));
    q.insert(job(99999, 1n));
    expect(q.length).toBe(2001);
    expect(q.popHead()?.ctime).toBe(1n);
    expect(q.popHead()?.ctime).toBe(3000n);
  });
});
