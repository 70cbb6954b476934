import { Funnel } from '../../../src/funnel.js';
import { fromReplyError, ConnectionError } from '../../../src/errors.js';
import { LEASE_MARGIN, LEASE_TICK, Leases, renewalInterval } from '../../../src/funnel/leases.js';
import { FakeSource, tick, until } from './fake-source.js';
import { noServer } from '../../helpers/target.js';

noServer('a fake JobSource: no sockets');

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

/** Blocks the event loop for `ms`: the clock moves, no timer runs meanwhile. */
const stall = (ms: number) => jest.setSystemTime(Date.now() + ms);

/** Leases whose WORKINGs answer `retry` and are recorded at the time they are sent. */
function leases(retry: number) {
  const sent: number[] = [];
  const sentIds: string[] = [];
  const lost: string[] = [];
  const settled = new Set<string>();
  const l = new Leases({
    working: (id) => {
      sent.push(Date.now());
      sentIds.push(id);
      return Promise.resolve(retry);
    },
    held: (id) => !settled.has(id),
    lost: (id) => lost.push(id),
  });
  return { l, sent, sentIds, lost, settled };
}

describe('Leases - renewal schedule', () => {
  test.each([
    [1000, LEASE_TICK], // RETRY 1 s: min(333, 0) → one tick
    [2000, 2000 / 3],
    [3000, 1000],
    [60_000, 20_000],
  ])('RETRY %i ms renews every %d ms', (retry, interval) => {
    expect(renewalInterval(retry)).toBeCloseTo(interval);
  });

  test('the interval leaves at least the margin (and two thirds of RETRY) for a late renewal', () => {
    for (const retry of [1500, 2000, 5000, 30_000, 300_000]) {
      const slack = retry - renewalInterval(retry);
      expect(slack).toBeGreaterThanOrEqual(Math.min(LEASE_MARGIN, retry - LEASE_TICK));
      expect(slack).toBeGreaterThanOrEqual((2 * retry) / 3 - 1e-9);
    }
  });

  test('steady renewals: every RETRY/3, counted from when each WORKING was sent', async () => {
    const { l, sent } = leases(3000);
    const t0 = Date.now();
    l.hold('a', t0, 0);
    await tick(4000);
    expect(sent.map((t) => t - t0)).toEqual([0, 1000, 2000, 3000, 4000]);
    l.release('a');
  });

  test('a renewal delayed by a stalled event loop still reaches the server before the RETRY deadline', async () => {
    const retry = 2000;
    const { l, sent } = leases(retry);
    const t0 = Date.now();
    l.hold('a', t0, 0);
    await tick(600); // the next renewal is due at 667 ms
    // The loop is blocked for 1 200 ms just before it: with the old RETRY/2 schedule (renewal at
    // 1 000 ms after the reply) the WORKING would have gone out at 1 800 + a tick.
    stall(1200);
    await tick(LEASE_TICK);
    expect(sent).toHaveLength(2);
    const [first, second] = sent as [number, number];
    expect(second - first).toBeLessThan(retry); // the job never became due for re-queueing
    expect(second - first).toBe(1900);
    // And every later gap stays under RETRY with another long stall.
    stall(1000);
    await tick(3000);
    for (let i = 1; i < sent.length; i++)
      expect((sent[i] as number) - (sent[i - 1] as number)).toBeLessThan(retry);
    l.release('a');
  });

  test('the documented tolerance holds for every RETRY: a stall of (RETRY - interval - tick) is survived', async () => {
    for (const retry of [1000, 2000, 5000, 60_000]) {
      const { l, sent } = leases(retry);
      const t0 = Date.now();
      l.hold('a', t0, 0);
      await tick(1); // the first WORKING's reply
      const interval = renewalInterval(retry);
      // Stall right after the last tick before the renewal is due.
      const lastTickBefore = (Math.ceil(interval / LEASE_TICK) - 1) * LEASE_TICK;
      await tick(Math.max(0, lastTickBefore - 1));
      stall(retry - interval - LEASE_TICK - 1);
      await tick(LEASE_TICK + 1);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect((sent[1] as number) - (sent[0] as number)).toBeLessThan(retry);
      l.release('a');
    }
  });

  test('the first WORKING goes after firstAfter; a job released before it never costs one', async () => {
    const { l, sent } = leases(2000);
    const t0 = Date.now();
    l.hold('fast', t0, 500);
    l.hold('slow', t0, 500);
    await tick(300);
    l.release('fast');
    await tick(300);
    expect(sent).toHaveLength(1); // only 'slow', at 500-600 ms
    expect((sent[0] as number) - t0).toBeGreaterThanOrEqual(500);
    expect((sent[0] as number) - t0).toBeLessThanOrEqual(500 + LEASE_TICK);
    l.release('slow');
  });

  test('holdLater: one entry per batch; only the jobs still held when it falls due are leased', async () => {
    const { l, sent, sentIds, settled } = leases(2000);
    const t0 = Date.now();
    l.holdLater(['a', 'b', 'c'], t0, 500);
    expect(l.size).toBe(0);
    settled.add('b'); // settled quickly: never leased
    await tick(450);
    expect(sent).toEqual([]);
    await tick(100);
    expect(sentIds.sort()).toEqual(['a', 'c']);
    expect(l.size).toBe(2);
    l.release('a');
    l.release('c');
  });

  test('a refusal is final (lost); a connection error is retried two ticks later', async () => {
    let failWith: Error | undefined = new ConnectionError('reset', { node: 'n:1' });
    const lost: string[] = [];
    const sent: number[] = [];
    const l = new Leases({
      working: () => {
        sent.push(Date.now());
        return failWith ? Promise.reject(failWith) : Promise.resolve(2000);
      },
      held: () => true,
      lost: (id) => lost.push(id),
    });
    l.hold('a', Date.now(), 0);
    await tick(2 * LEASE_TICK);
    expect(sent).toHaveLength(2);
    expect(lost).toEqual([]);
    failWith = fromReplyError('TOOLATE Half of job TTL already elapsed', 'WORKING');
    await tick(2 * LEASE_TICK);
    expect(lost).toEqual(['a']);
    expect(l.size).toBe(0);
  });

  test('release() hands back the WORKING still in flight, so a NACK can wait for it', async () => {
    let answer: ((retry: number) => void) | undefined;
    const l = new Leases({
      working: () => new Promise((resolve) => (answer = resolve)),
      held: () => true,
      lost: () => undefined,
    });
    l.hold('a', Date.now(), 0);
    const inFlight = l.release('a');
    expect(inFlight).toBeInstanceOf(Promise);
    let done = false;
    void inFlight?.then(() => (done = true));
    await tick(1);
    expect(done).toBe(false);
    answer?.(2000);
    await tick(1);
    expect(done).toBe(true);
  });
});

describe('Funnel leases - every held job, buffered ones included', () => {
  test('while handlers are slow, every job is leased as soon as it arrives, and renewed before RETRY', async () => {
    const source = new FakeSource();
    source.retry = 2000;
    const funnel = new Funnel(source, ['q'], { prefetch: 4 });
    const done = funnel.process(() => new Promise((resolve) => setTimeout(resolve, 6000)), {
      concurrency: 2,
    });
    source.deliver('A', 'B', 'C', 'D'); // 2 in hand, 2 buffered for 6 s
    await tick(1);
    expect(source.workings.map((w) => w.ids[0]).sort()).toEqual(['A', 'B', 'C', 'D']);
    await tick(5500);
    // Each job's WORKINGs are less than RETRY apart, buffered ones too.
    for (const id of ['A', 'B', 'C', 'D']) {
      const times = source.workings.filter((w) => w.ids[0] === id).map((w) => w.at);
      expect(times.length).toBeGreaterThanOrEqual(8);
      for (let i = 1; i < times.length; i++)
        expect((times[i] as number) - (times[i - 1] as number)).toBeLessThanOrEqual(2000 / 3 + LEASE_TICK);
    }
    // Once the funnel has seen slow handlers, a job that arrives later is leased at once too.
    source.deliver('E');
    await tick(1);
    expect(source.workings.some((w) => w.ids[0] === 'E')).toBe(true);
    void funnel.close();
    await until(done);
  });

  test('while handlers are fast, jobs settled within leaseAfter never cost a WORKING', async () => {
    const source = new FakeSource();
    const funnel = new Funnel(source, ['q']);
    let handled = 0;
    const done = funnel.process(() => {
      handled++;
    });
    source.deliver('first'); // the funnel does not know its handlers yet: leased at once
    await tick(10);
    source.queueNew(200);
    await tick(10);
    source.queueNew(200);
    await tick(10);
    expect(handled).toBe(401);
    await tick(1000);
    expect(source.workings.map((w) => w.ids[0])).toEqual(['first']);
    void funnel.close();
    await until(done);
  });
});
