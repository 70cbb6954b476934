import { ScaledClock, TimerGroup, VariableClock } from '../../src/server/clock.js';
import { noServer } from '../helpers/target.js';

noServer();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('VariableClock', () => {
  test('runs in real time until told to fast-forward', async () => {
    const clock = new VariableClock(1000000);
    expect(clock.now()).toBeGreaterThanOrEqual(1000000);
    await sleep(50);
    const elapsed = clock.now() - 1000000;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1000);
    expect(clock.scale).toBe(1);
  });

  test('fastForward(ms, rate) passes exactly ms at that rate, then real time again', async () => {
    const clock = new VariableClock(0);
    const t0 = clock.now();
    expect(clock.fastForward(2000, 20)).toBe(100);
    expect(clock.fastForwarding).toBe(true);
    await sleep(300); // 100 ms fast (2000 virtual), then ~200 ms at 1x
    expect(clock.fastForwarding).toBe(false);
    expect(clock.scale).toBe(1);
    const elapsed = clock.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2000 + 150);
    expect(elapsed).toBeLessThan(2000 + 1000);
  });

  test('timers fire at their virtual due time across speed changes, never before it', async () => {
    const clock = new VariableClock(0);
    const fired: { name: string; late: number }[] = [];
    const at = (name: string, ms: number): void => {
      const due = clock.now() + ms;
      clock.setTimeout(() => fired.push({ name, late: clock.now() - due }), ms);
    };
    at('during', 500); // inside the fast-forward
    at('after', 3000); // 1000 virtual ms after it ended
    at('early', 100); // before it, re-armed when it starts
    clock.fastForward(2000, 20);
    const h = clock.setTimeout(() => fired.push({ name: 'cleared', late: 0 }), 10);
    clock.clearTimeout(h);
    await sleep(80);
    expect(fired.map((f) => f.name)).toEqual(['early', 'during']);
    await sleep(1500);
    expect(fired.map((f) => f.name)).toEqual(['early', 'during', 'after']);
    for (const f of fired) expect(f.late).toBeGreaterThanOrEqual(0);
  });

  test('ending a fast-forward early (rate 1) re-arms pending timers at real-time speed', async () => {
    const clock = new VariableClock(0);
    let fired = false;
    clock.fastForward(10000, 100);
    clock.setTimeout(() => {
      fired = true;
    }, 5000); // 50 real ms at 100x
    clock.fastForward(0, 1); // now 5 real seconds away
    await sleep(120);
    expect(fired).toBe(false);
  });

  test('rejects a rate below 1 and non-finite durations', () => {
    const clock = new VariableClock();
    expect(() => clock.fastForward(100, 0.5)).toThrow(RangeError);
    expect(() => clock.fastForward(Infinity, 2)).toThrow(RangeError);
  });

  test('a TimerGroup on it stops its periodic timer with clear()', async () => {
    const clock = new VariableClock();
    const group = new TimerGroup(clock);
    let ticks = 0;
    group.every(5, () => ticks++);
    await sleep(40);
    group.clear();
    const seen = ticks;
    expect(seen).toBeGreaterThan(0);
    await sleep(30);
    expect(ticks).toBe(seen);
  });
});

describe('ScaledClock', () => {
  test('a timer beyond the 24.8-day limit of setTimeout waits instead of firing at once (and spinning)', async () => {
    const clock = new ScaledClock(1);
    const spy = jest.spyOn(global, 'setTimeout');
    try {
      let fired = false;
      const h = clock.setTimeout(
        () => {
          fired = true;
        },
        30 * 86400 * 1000,
      );
      await sleep(50);
      expect(fired).toBe(false);
      // One timer armed for the capped delay (plus the test's own sleep), no 1 ms re-arming.
      expect(spy.mock.calls.length).toBeLessThanOrEqual(2);
      clock.clearTimeout(h);
    } finally {
      spy.mockRestore();
    }
  });

  test('clocks of one scale share an origin', () => {
    const a = new ScaledClock(7);
    const b = new ScaledClock(7);
    expect(Math.abs(a.now() - b.now())).toBeLessThan(50);
  });

  test('rejects a non-positive scale', () => {
    expect(() => new ScaledClock(0)).toThrow(TypeError);
  });
});
