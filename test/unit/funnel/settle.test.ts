import { Funnel, MAX_CONCURRENCY } from '../../../src/funnel.js';
import { ArgumentError } from '../../../src/errors.js';
import type { FunnelJob } from '../../../src/funnel-job.js';
import { FakeSource, tick, until } from './fake-source.js';
import { noServer } from '../../helpers/target.js';

noServer('a fake JobSource: no sockets');

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const idOf = (r: IteratorResult<FunnelJob<string>, void>) => (r.value as FunnelJob<string>).id;

describe('settle rule - for await', () => {
  test('the job yielded last is acked when the loop asks for the next one, not before', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    const it = funnel[Symbol.asyncIterator]();
    source.deliver('A', 'B');
    expect(idOf(await it.next())).toBe('A');
    await tick(1);
    expect(source.ackedIds).toEqual([]); // the body is still running
    expect(idOf(await it.next())).toBe('B');
    await tick(1);
    expect(source.ackedIds).toEqual(['A']);
    await it.return(undefined);
    await until(funnel.close());
    expect(source.nackedIds).toEqual(['B']);
  });

  test('break NACKs the current job; a job the body acked first is left alone', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    source.deliver('A');
    const loop = (async () => {
      for await (const job of funnel) {
        void job;
        break;
      }
    })();
    await until(loop);
    // The last loop left while its GETJOB was blocked: the NACK waits for that GETJOB to end.
    await tick(1100);
    expect(source.nackedIds).toEqual(['A']);
    source.deliver('B');
    const loop2 = (async () => {
      for await (const job of funnel) {
        await job.ack();
        break;
      }
    })();
    await until(loop2);
    await until(funnel.close());
    expect(source.ackedIds).toEqual(['B']);
    expect(source.nackedIds).toEqual(['A']);
  });

  test('a throw in the body NACKs the current job and every buffered one once the last loop leaves', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q'], { prefetch: 8 });
    source.deliver('A', 'B', 'C');
    const loop = (async () => {
      for await (const job of funnel) {
        void job;
        throw new Error('body failed');
      }
    })();
    await expect(until(loop)).rejects.toThrow('body failed');
    const drained = new Promise((resolve) => funnel.once('drained', () => resolve(undefined)));
    await until(drained); // the GETJOB in flight ends first, then the buffer goes back
    expect(source.nackedIds.sort()).toEqual(['A', 'B', 'C']);
    expect(funnel.stats).toMatchObject({ buffered: 0, inHand: 0, nacked: 3 });
    await until(funnel.close());
  });

  test('jobs given back while the last GETJOB was blocked are NACKed when it ends, even if a new loop started', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q'], { prefetch: 4 });
    const first = funnel[Symbol.asyncIterator]();
    source.deliver('A', 'B');
    expect(idOf(await first.next())).toBe('A');
    await tick(1); // the fetcher asks for more and blocks (the queue is empty)
    await first.return(undefined); // A abandoned, B never handed out: both go back…
    expect(source.nackedIds).toEqual([]); // …once the blocked GETJOB has ended
    const second = funnel[Symbol.asyncIterator]();
    const waiting = second.next(); // a new loop: the fetcher goes on
    await tick(1100);
    expect(source.nackedIds.sort()).toEqual(['A', 'B']);
    source.deliver('C');
    expect(idOf(await waiting)).toBe('C');
    await second.return(undefined);
    await until(funnel.close());
  });

  test('two loops share one buffer', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q'], { prefetch: 8 });
    const a = funnel[Symbol.asyncIterator]();
    const b = funnel[Symbol.asyncIterator]();
    source.deliver('1', '2', '3', '4');
    const got = [idOf(await a.next()), idOf(await b.next()), idOf(await a.next()), idOf(await b.next())];
    expect(got).toEqual(['1', '2', '3', '4']);
    expect(source.receives[0]?.count).toBe(8); // one GETJOB filled the buffer for both
    await a.return(undefined);
    await b.return(undefined);
    await until(funnel.close());
  });
});

describe('settle rule - process', () => {
  test('resolve acks; throw NACKs and emits nack', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    const nacked: string[] = [];
    funnel.on('nack', (job, error) => nacked.push(`${job.id}: ${(error as Error).message}`));
    const done = funnel.process(
      async (job) => {
        if (job.id === 'bad') throw new Error('no');
      },
      { concurrency: 2 },
    );
    source.deliver('good', 'bad');
    await tick(10);
    expect(source.ackedIds).toEqual(['good']);
    expect(source.nackedIds).toEqual(['bad']);
    expect(nacked).toEqual(['bad: no']);
    void funnel.close();
    await until(done);
    expect(funnel.stats).toMatchObject({ acked: 1, nacked: 1, inHand: 0 });
  });

  test('after maxAttempts a failing job goes to the dead-letter queue, and is acked', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    const dead: string[] = [];
    funnel.on('deadLetter', (job) => dead.push(job.id));
    const done = funnel.process(
      () => {
        throw new Error('always');
      },
      { maxAttempts: 3, deadLetter: 'q-dead' },
    );
    source.ready.push({ id: 'tired', queue: 'q', body: 'payload', nacks: 2, additionalDeliveries: 0 });
    source.deliver();
    await tick(10);
    expect(dead).toEqual(['tired']);
    expect(source.added).toEqual([{ body: 'payload', queue: 'q-dead', options: undefined }]);
    expect(source.ackedIds).toEqual(['tired']);
    expect(source.nackedIds).toEqual([]);
    void funnel.close();
    await until(done);
    expect(funnel.stats.deadLettered).toBe(1);
  });

  test('backoff re-adds the body with a delay in whole seconds, and acks the original', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    const done = funnel.process(
      () => {
        throw new Error('later');
      },
      { backoff: (attempt) => attempt * 1500 },
    );
    source.deliver('A');
    await tick(10);
    expect(source.added).toEqual([{ body: 'body of A', queue: 'q', options: { delay: 2000 } }]);
    expect(source.ackedIds).toEqual(['A']);
    expect(source.nackedIds).toEqual([]);
    void funnel.close();
    await until(done);
  });

  test('concurrency above MAX_CONCURRENCY is an ArgumentError naming the option and the bound', async () => {
    const funnel = new Funnel(new FakeSource(), ['q']);
    const attempt = funnel.process(() => undefined, { concurrency: Number.MAX_SAFE_INTEGER });
    await expect(attempt).rejects.toBeInstanceOf(ArgumentError);
    await expect(attempt).rejects.toThrow(`options.concurrency`);
    await expect(attempt).rejects.toThrow(String(MAX_CONCURRENCY));
    await expect(
      funnel.processBatch(() => undefined, { concurrency: MAX_CONCURRENCY + 1 }),
    ).rejects.toBeInstanceOf(ArgumentError);
    expect(MAX_CONCURRENCY).toBe(10_000);
    await until(funnel.close());
  });
});

describe('settle rule - processBatch', () => {
  test('resolve acks the batch; throw NACKs what the handler did not settle', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q'], { prefetch: 8 });
    const sizes: number[] = [];
    const done = funnel.processBatch(
      async (batch) => {
        sizes.push(batch.length);
        if (sizes.length === 2) {
          await batch[0]?.ack(); // settled by the handler: left alone
          throw new Error('second batch fails');
        }
      },
      { size: 3 },
    );
    source.deliver('1', '2', '3', '4', '5', '6');
    await tick(10);
    expect(sizes).toEqual([3, 3]);
    expect(source.ackedIds.sort()).toEqual(['1', '2', '3', '4']);
    expect(source.nackedIds.sort()).toEqual(['5', '6']);
    void funnel.close();
    await until(done);
  });
});

describe('close()', () => {
  test('NACKs every job never handed out, waits for jobs in hand, and NACKs them after the timeout', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q'], { prefetch: 8, closeTimeout: 2000 });
    const it = funnel[Symbol.asyncIterator]();
    source.deliver('A', 'B', 'C', 'D');
    expect(idOf(await it.next())).toBe('A');
    const closing = funnel.close();
    await tick(1500);
    expect(source.nackedIds.sort()).toEqual(['B', 'C', 'D']);
    expect(source.nackedIds).not.toContain('A'); // in hand: it may still finish
    await until(closing);
    expect(source.nackedIds).toContain('A');
    expect(funnel.stats).toMatchObject({ received: 4, nacked: 4, buffered: 0, inHand: 0 });
    expect((await it.next()).done).toBe(true);
  });

  test('a job in hand that finishes before the timeout is acked, not NACKed', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q'], { prefetch: 4 });
    const done = funnel.process(() => new Promise((resolve) => setTimeout(resolve, 500)));
    source.deliver('A', 'B');
    await tick(10);
    const closing = funnel.close();
    await until(closing);
    await until(done);
    expect(source.ackedIds).toEqual(['A']);
    expect(source.nackedIds).toEqual(['B']);
  });
});
