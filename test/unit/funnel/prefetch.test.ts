import { Funnel } from '../../../src/funnel.js';
import {
  AdaptivePrefetch,
  DEFAULT_PREFETCH_CAP,
  DEFAULT_PREFETCH_START,
} from '../../../src/funnel/prefetch.js';
import { FakeSource, tick, until } from './fake-source.js';
import { noServer } from '../../helpers/target.js';

noServer('a fake JobSource: no sockets');

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('AdaptivePrefetch', () => {
  test('asks for the window minus what is buffered, at least one per waiting loop, at most the cap', () => {
    const p = new AdaptivePrefetch(64, 16, 500);
    expect(p.room(0, 0)).toBe(16);
    expect(p.room(0, 40)).toBe(40);
    expect(p.room(0, 100)).toBe(64);
    expect(p.room(10, 0)).toBe(0); // more than half full: wait
    expect(p.room(6, 0)).toBe(10);
    expect(p.room(16, 0)).toBe(0);
  });

  test('grows while loops run dry on full fetches, up to the cap', () => {
    const p = new AdaptivePrefetch(100, 16, 500);
    p.fetched(16, 16, false, 0); // nobody was waiting
    expect(p.window).toBe(16);
    p.fetched(16, 3, true, 0); // the queue ran dry, not the window
    expect(p.window).toBe(16);
    p.fetched(16, 16, true, 0);
    expect(p.window).toBe(32);
    for (let i = 0; i < 5; i++) p.fetched(p.window, p.window, true, 0);
    expect(p.window).toBe(100);
    p.handedOut(600, 10_000); // shrinks to 50 …
    p.fetched(50, 50, true, 10_300); // … and does not grow back within the horizon
    expect(p.window).toBe(50);
    p.fetched(50, 50, true, 10_600);
    expect(p.window).toBe(100);
  });

  test('shrinks when a job waited in the buffer longer than the horizon, at most once per horizon', () => {
    const p = new AdaptivePrefetch(1024, 64, 500);
    p.handedOut(400, 1000);
    expect(p.window).toBe(64);
    p.handedOut(600, 1000);
    expect(p.window).toBe(32);
    p.handedOut(600, 1200); // same horizon
    expect(p.window).toBe(32);
    for (let t = 1600; t < 10_000; t += 600) p.handedOut(5000, t);
    expect(p.window).toBe(1);
  });
});

describe('Funnel - adaptive prefetch', () => {
  test('with default options, fast handlers make the GETJOB COUNT grow to the cap', async () => {
    const source = new FakeSource();
    source.latency = 1; // a GETJOB round trip: the loops run dry while it is on its way
    source.queueNew(20_000);
    const funnel = new Funnel(source, ['q']);
    let handled = 0;
    const done = funnel.process(
      () => {
        if (++handled === 20_000) void funnel.close();
      },
      { concurrency: 4 },
    );
    await until(done);
    const counts = source.receives.map((r) => r.count);
    expect(counts[0]).toBe(DEFAULT_PREFETCH_START);
    expect(Math.max(...counts)).toBe(DEFAULT_PREFETCH_CAP);
    expect(funnel.stats.prefetch).toBe(DEFAULT_PREFETCH_CAP);
    expect(source.ackedIds).toHaveLength(20_000);
  });

  test('slow handlers make it fetch less: buffered jobs stop piling up', async () => {
    const source = new FakeSource();
    source.queueNew(200);
    const funnel = new Funnel(source, ['q'], { prefetch: 64 });
    let handled = 0;
    const done = funnel.process(() => new Promise((resolve) => setTimeout(() => resolve(++handled), 200)), {
      concurrency: 2,
    });
    await tick(1);
    expect(source.receives[0]?.count).toBe(64); // an explicit prefetch is where it starts
    await tick(20_000);
    expect(funnel.stats.prefetch).toBeLessThanOrEqual(2);
    const late = source.receives.filter((r) => r.at > Date.now() - 10_000).map((r) => r.count);
    expect(late.length).toBeGreaterThan(0);
    expect(Math.max(...late)).toBeLessThanOrEqual(2);
    expect(funnel.stats.buffered).toBeLessThanOrEqual(2);
    void funnel.close();
    await until(done);
  });

  test('an explicit prefetch caps the window', async () => {
    const source = new FakeSource();
    source.queueNew(5000);
    const funnel = new Funnel(source, ['q'], { prefetch: 50 });
    let handled = 0;
    const done = funnel.process(
      () => {
        if (++handled === 5000) void funnel.close();
      },
      { concurrency: 200 }, // more loops than the cap
    );
    await until(done);
    expect(Math.max(...source.receives.map((r) => r.count))).toBe(50);
  });
});
