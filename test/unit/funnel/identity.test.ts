import { Funnel } from '../../../src/funnel.js';
import { fromReplyError } from '../../../src/errors.js';
import type { FunnelJob } from '../../../src/funnel-job.js';
import { FakeSource, tick, until } from './fake-source.js';
import { noServer } from '../../helpers/target.js';

noServer('a fake JobSource: no sockets');

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const noJob = () => fromReplyError('NOJOB Job not known in the context of this node.', 'WORKING');

describe('Funnel identity - each job id is held at most once', () => {
  test('a redelivered copy of an id in hand is dropped, counted and reported, never run', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    const duplicates: string[] = [];
    funnel.on('duplicate', (job) => duplicates.push(job.id));
    const it = funnel[Symbol.asyncIterator]();
    source.deliver('A');
    const first = await it.next();
    expect((first.value as FunnelJob<string>).id).toBe('A');
    source.deliver('A', 'B'); // A again while A is in hand
    const second = await it.next(); // acks A
    expect((second.value as FunnelJob<string>).id).toBe('B');
    expect(funnel.stats).toMatchObject({ duplicates: 1, received: 2, buffered: 0 });
    expect(duplicates).toEqual(['A']);
    await it.return(undefined);
    await until(funnel.close());
  });

  test('a copy of a buffered id (even in the same GETJOB reply) is dropped', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q'], { prefetch: 8 });
    const it = funnel[Symbol.asyncIterator]();
    source.deliver('A', 'B', 'B', 'C', 'B');
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(((await it.next()).value as FunnelJob<string>).id);
    expect(seen).toEqual(['A', 'B', 'C']);
    expect(funnel.stats).toMatchObject({ duplicates: 2, received: 3, buffered: 0 });
    await it.return(undefined);
    await until(funnel.close());
  });

  test('a copy arriving while the ack is still unanswered is dropped', async () => {
    const source = new FakeSource();
    let answerAck: (() => void) | undefined;
    source.ack = (...ids: string[]) => {
      source.acks.push({ at: Date.now(), ids });
      return new Promise((resolve) => (answerAck = () => resolve(ids.length)));
    };
    const funnel = new Funnel(source, ['q']);
    const it = funnel[Symbol.asyncIterator]();
    source.deliver('A');
    await it.next();
    const next = it.next(); // acks A (batched: sent on the next turn)
    await tick(1);
    expect(source.ackedIds).toEqual(['A']);
    source.deliver('A', 'B');
    expect(((await next).value as FunnelJob<string>).id).toBe('B');
    expect(funnel.stats.duplicates).toBe(1);
    answerAck?.();
    await it.return(undefined);
    await until(funnel.close());
  });

  test('a NACKed id that comes back is a new delivery, run again', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    const runs: string[] = [];
    const done = funnel.process(async (job) => {
      runs.push(job.id);
      if (runs.length === 1) throw new Error('first attempt fails');
      void funnel.close();
    });
    source.deliver('A');
    await tick(1);
    expect(source.nackedIds).toEqual(['A']);
    source.deliver('A'); // Disque delivers it again after the NACK
    await tick(1);
    await until(done);
    expect(runs).toEqual(['A', 'A']);
    expect(funnel.stats).toMatchObject({ duplicates: 0, nacked: 1, acked: 1 });
  });

  test('a buffered job whose lease answers NOJOB is dropped, never handed out', async () => {
    const source = new FakeSource();
    source.workingReply = (id) => (id === 'B' ? Promise.reject(noJob()) : Promise.resolve(2000));
    const funnel = new Funnel(source, ['q'], { prefetch: 4 });
    const dropped: string[] = [];
    funnel.on('dropped', (job, error) => dropped.push(`${job.id} ${(error as Error).name}`));
    const it = funnel[Symbol.asyncIterator]();
    source.deliver('A', 'B', 'C');
    const first = await it.next();
    expect((first.value as FunnelJob<string>).id).toBe('A');
    await tick(1); // the leases (sent at once: the funnel does not know its handlers yet) answer
    expect(source.workings.map((w) => w.ids[0]).sort()).toEqual(['A', 'B', 'C']);
    expect(dropped).toEqual(['B NoJobError']);
    const second = await it.next();
    expect((second.value as FunnelJob<string>).id).toBe('C');
    expect(funnel.stats).toMatchObject({ dropped: 1, buffered: 0, received: 3 });
    await it.return(undefined);
    await until(funnel.close());
    // B was never NACKed or acked: it is not ours any more.
    expect([...source.ackedIds, ...source.nackedIds]).not.toContain('B');
  });

  test('a job in hand whose lease answers NOJOB is reported (lease:lost) and keeps running', async () => {
    const source = new FakeSource();
    source.workingReply = () => Promise.reject(noJob());
    const funnel = new Funnel(source, ['q']);
    const lost: string[] = [];
    funnel.on('lease:lost', (job) => lost.push(job.id));
    const it = funnel[Symbol.asyncIterator]();
    source.deliver('A');
    const first = (await it.next()).value as FunnelJob<string>;
    await tick(1);
    expect(lost).toEqual(['A']);
    expect(first.settled).toBe(false);
    expect(funnel.stats).toMatchObject({ inHand: 1, dropped: 0 });
    await until(first.ack());
    await it.return(undefined);
    await until(funnel.close());
  });
});
