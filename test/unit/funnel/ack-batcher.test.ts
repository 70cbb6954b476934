import { AckBatcher } from '../../../src/funnel/ack-batcher.js';
import { noServer } from '../../helpers/target.js';

noServer('a fake JobSource: no sockets');

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const job = (id: string) => ({ id });

describe('AckBatcher', () => {
  test('jobs added in one turn go out in one command; `max` waiting sends at once', async () => {
    const sent: string[][] = [];
    const acked: string[] = [];
    const b = new AckBatcher<{ id: string }>(
      (ids) => {
        sent.push(ids);
        return Promise.resolve(ids.length);
      },
      (jobs) => acked.push(...jobs.map((j) => j.id)),
      () => undefined,
      3,
    );
    const p = [b.add(job('a')), b.add(job('b'))];
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([['a', 'b']]);
    await Promise.all(p);
    b.add(job('c'));
    b.add(job('d'));
    b.add(job('e')); // the third: sent now
    expect(sent).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    await b.flush();
    expect(acked).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a failed batch is reported once, and its promise rejects without an unhandled rejection', async () => {
    const failures: [string[], string][] = [];
    const b = new AckBatcher<{ id: string }>(
      () => Promise.reject(new Error('node down')),
      () => undefined,
      (jobs, error) => failures.push([jobs.map((j) => j.id), (error as Error).message]),
    );
    const first = b.add(job('a'));
    void b.add(job('b')); // nobody waits for this one (auto ack)
    await jest.advanceTimersByTimeAsync(1);
    await expect(first).rejects.toThrow('node down');
    expect(failures).toEqual([[['a', 'b'], 'node down']]);
  });
});
