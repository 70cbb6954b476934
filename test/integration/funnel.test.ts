import { Readable } from 'node:stream';
import { connect, type Jobs } from '../../src/jobs.js';
import type { FunnelJob } from '../../src/funnel-job.js';
import { startTestDisque, uniqueQueue, type TestDisque } from '../helpers/disque.js';

let disque: TestDisque;
const handles: Jobs<string>[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  disque = await startTestDisque();
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await disque.close();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

/** A handle on the first node: the funnel tests count jobs per queue on one node. */
function open(): Jobs<string> {
  const jobs = connect({
    nodes: `${disque.nodes[0]?.host}:${disque.nodes[0]?.port}`,
    discover: false,
    defaults: { replicate: 1 },
  });
  handles.push(jobs);
  return jobs;
}

async function addMany(jobs: Jobs<string>, queue: string, n: number, options = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 500)
    ids.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(500, n - i) }, (_, k) => jobs.add(`job ${i + k}`, queue, options)),
      )),
    );
  return ids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Funnel - for await', () => {
  test('acks each job when the loop moves on', async () => {
    const jobs = open();
    const q = uniqueQueue();
    await addMany(jobs, q, 5);
    const funnel = jobs.funnel(q);
    const seen: string[] = [];
    for await (const job of funnel) {
      seen.push(job.body);
      if (seen.length === 5) break;
    }
    // The 5th was NACKed by the break (not settled); the first 4 were acked.
    await funnel.close();
    expect(funnel.stats).toMatchObject({ acked: 4, nacked: 1, inHand: 0, buffered: 0, received: 5 });
    expect(await jobs.len(q)).toBe(1);
  });

  test('break after an explicit ack does not redeliver', async () => {
    const jobs = open();
    const q = uniqueQueue();
    const [id] = await addMany(jobs, q, 1);
    const funnel = jobs.funnel(q);
    for await (const job of funnel) {
      await job.ack();
      break;
    }
    await funnel.close();
    expect(await jobs.len(q)).toBe(0);
    expect(await jobs.show(id as string)).toBeNull();
  });

  test('a throw in the body NACKs the job: it is delivered again, counted', async () => {
    const jobs = open();
    const q = uniqueQueue();
    const [id] = await addMany(jobs, q, 1);
    const funnel = jobs.funnel(q);
    await expect(
      (async () => {
        for await (const job of funnel) {
          void job;
          throw new Error('handler failed');
        }
      })(),
    ).rejects.toThrow('handler failed');
    await funnel.close();
    const again = await jobs.getMany(1, q);
    expect(again[0]?.id).toBe(id);
    const info = await jobs.show(id as string);
    expect(info?.nacks).toBe(1);
    await jobs.ack(id as string);
  });

  test('close with 500 prefetched jobs puts all 500 back in the queue', async () => {
    const jobs = open();
    const q = uniqueQueue();
    await addMany(jobs, q, 501);
    const funnel = jobs.funnel(q, { prefetch: 501 });
    const iterator = funnel[Symbol.asyncIterator]();
    const first = await iterator.next(); // one in hand, the rest prefetched
    expect(first.done).toBe(false);
    while (funnel.stats.buffered < 500) await sleep(10);
    expect(await jobs.len(q)).toBe(0);
    await (first.value as FunnelJob<string>).ack();
    await funnel.close();
    expect(await jobs.len(q)).toBe(500);
    expect(funnel.stats).toMatchObject({ received: 501, acked: 1, nacked: 500, inHand: 0 });
    await iterator.return(undefined);
  });

  test('several loops share the buffer; when the last leaves the buffer goes back', async () => {
    const jobs = open();
    const q = uniqueQueue();
    await addMany(jobs, q, 20);
    const funnel = jobs.funnel(q, { prefetch: 10 });
    const taken: string[] = [];
    const loop = async (n: number) => {
      for await (const job of funnel) {
        taken.push(job.id);
        if (taken.length >= n) break;
      }
    };
    await Promise.all([loop(6), loop(6)]);
    // Idle (no loop left): the funnel gives back everything it fetched for nobody.
    await new Promise((resolve) => funnel.once('drained', () => resolve(undefined)));
    const stats = funnel.stats;
    expect(stats).toMatchObject({ buffered: 0, inHand: 0 });
    expect(stats.acked + stats.nacked).toBe(stats.received);
    expect(await jobs.len(q)).toBe(20 - stats.acked);
    await funnel.close();
  });

  test('a job held longer than its RETRY is not delivered again meanwhile', async () => {
    const jobs = open();
    const q = uniqueQueue();
    const [id] = await addMany(jobs, q, 1, { retry: 1000 });
    const funnel = jobs.funnel(q, { leaseAfter: 200 });
    for await (const job of funnel) {
      await sleep(2500); // 2.5 × RETRY
      expect(await jobs.tryGet(q)).toBeNull();
      expect(job.id).toBe(id);
      break;
    }
    await funnel.close();
  });

  test('a lease the server refuses (past half the TTL) is reported, and processing goes on', async () => {
    const jobs = open();
    const q = uniqueQueue();
    const [id] = await addMany(jobs, q, 1, { retry: 1000, ttl: 2000 });
    const funnel = jobs.funnel(q, { leaseAfter: 100 });
    const lost: unknown[] = [];
    funnel.on('lease:lost', (job, error) => lost.push([job.id, (error as Error).name]));
    for await (const job of funnel) {
      while (lost.length === 0) await sleep(50);
      expect(job.id).toBe(id);
      break;
    }
    await funnel.close();
    expect(lost).toEqual([[id, 'TooLateError']]);
  });

  test('an abort signal closes the funnel and ends the loop', async () => {
    const jobs = open();
    const q = uniqueQueue();
    await addMany(jobs, q, 3);
    const controller = new AbortController();
    const funnel = jobs.funnel(q, { signal: controller.signal });
    let n = 0;
    for await (const job of funnel) {
      void job;
      n++;
      if (n === 2) controller.abort();
    }
    expect(n).toBe(2);
    expect(funnel.closed).toBe(true);
    await funnel.close();
    expect(await jobs.len(q)).toBe(1);
  });

  test('Readable.from(funnel) streams jobs', async () => {
    const jobs = open();
    const q = uniqueQueue();
    await addMany(jobs, q, 3);
    const funnel = jobs.funnel(q, { autoAck: false });
    const bodies: string[] = [];
    for await (const job of Readable.from(funnel)) {
      const j = job as FunnelJob<string>;
      bodies.push(j.body);
      await j.ack();
      if (bodies.length === 3) break;
    }
    await funnel.close();
    expect(bodies.sort()).toEqual(['job 0', 'job 1', 'job 2']);
    expect(await jobs.len(q)).toBe(0);
    expect(funnel.stats.acked).toBe(3);
  });
});

describe('Funnel - process', () => {
  test('10 000 jobs with concurrency 16: each processed exactly once', async () => {
    const jobs = open();
    const q = uniqueQueue();
    const ids = new Set(await addMany(jobs, q, 10_000));
    const funnel = jobs.funnel(q, { prefetch: 256 });
    const counts = new Map<string, number>();
    const done = funnel.process(
      async (job) => {
        counts.set(job.id, (counts.get(job.id) ?? 0) + 1);
        if (counts.size === ids.size) void funnel.close();
      },
      { concurrency: 16 },
    );
    await done;
    expect(counts.size).toBe(10_000);
    expect([...counts.keys()].every((id) => ids.has(id))).toBe(true);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(funnel.stats.acked).toBe(10_000);
    expect(await jobs.len(q)).toBe(0);
  }, 120_000);

  test('resolve acks, throw nacks; after maxAttempts the job goes to the dead-letter queue', async () => {
    const jobs = open();
    const [q, dead] = [uniqueQueue(), uniqueQueue('dead')];
    const [bad] = await addMany(jobs, q, 1);
    const funnel = jobs.funnel(q);
    const attempts: number[] = [];
    const deadLettered: string[] = [];
    funnel.on('deadLetter', (job) => {
      deadLettered.push(job.id);
      void funnel.close();
    });
    await funnel.process(
      async (job) => {
        attempts.push(job.attempts);
        throw new Error('always fails');
      },
      { maxAttempts: 3, deadLetter: dead },
    );
    expect(attempts).toEqual([1, 2, 3]);
    expect(deadLettered).toEqual([bad]);
    expect(await jobs.len(q)).toBe(0);
    const [moved] = await jobs.getMany(1, dead);
    expect(moved?.body).toBe('job 0');
    await jobs.ack(moved as { id: string });
  });

  test('backoff re-adds a failed job with a delay and counts the attempt', async () => {
    const jobs = open();
    const q = uniqueQueue();
    await addMany(jobs, q, 1);
    const funnel = jobs.funnel(q);
    const seen: { attempts: number; at: number }[] = [];
    await funnel.process(
      async (job) => {
        seen.push({ attempts: job.attempts, at: Date.now() });
        if (seen.length === 1) throw new Error('try later');
        void funnel.close();
      },
      { backoff: 1000 },
    );
    expect(seen.map((s) => s.attempts)).toEqual([1, 2]);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  test('processBatch acks a batch on success and NACKs it on failure', async () => {
    const jobs = open();
    const q = uniqueQueue();
    await addMany(jobs, q, 10);
    const funnel = jobs.funnel(q, { prefetch: 10 });
    const sizes: number[] = [];
    let failed = false;
    await funnel.processBatch(
      async (batch) => {
        sizes.push(batch.length);
        if (!failed) {
          failed = true;
          throw new Error('first batch fails');
        }
        if (funnel.stats.acked + batch.length >= 10) void funnel.close();
      },
      { size: 5 },
    );
    expect(sizes[0]).toBeGreaterThan(0);
    expect(funnel.stats.acked).toBe(10);
    expect(funnel.stats.nacked).toBe(sizes[0]);
    expect(await jobs.len(q)).toBe(0);
  });

  test('the outgoing side adds to the first queue or a named one', async () => {
    const jobs = open();
    const [a, b] = [uniqueQueue('a'), uniqueQueue('b')];
    const funnel = jobs.funnel(a, b);
    await funnel.add('to a');
    await funnel.add('to b', { queue: b });
    expect(await jobs.len(a)).toBe(1);
    expect(await jobs.len(b)).toBe(1);
    const all = await jobs.getMany(2, a, b);
    await jobs.ack(...all);
    await funnel.close();
  });
});

describe('Funnel - its Jobs handle closed under it', () => {
  test('the loops end instead of waiting forever', async () => {
    const jobs = connect({ nodes: `${disque.nodes[0]?.host}:${disque.nodes[0]?.port}`, discover: false });
    const funnel = jobs.funnel(uniqueQueue());
    funnel.on('error', () => undefined);
    const loop = (async () => {
      let n = 0;
      for await (const job of funnel) n += job ? 1 : 0;
      return n;
    })();
    await sleep(50);
    await jobs.close();
    expect(await loop).toBe(0);
    expect(funnel.closed).toBe(true);
  });
});
