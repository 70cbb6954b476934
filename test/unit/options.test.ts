import { ArgumentError } from '../../src/errors.js';
import { addJobOptions, validateConfig, JOBS_CONFIG_KEYS } from '../../src/options.js';
import { seconds } from '../../src/commands/validate.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('ms → seconds: the one rule (commands/validate.ts)', () => {
  test('rounds up, so a positive value never becomes 0', () => {
    expect(seconds('retry', 0)).toBe(0);
    expect(seconds('retry', 1)).toBe(1);
    expect(seconds('retry', 1000)).toBe(1);
    expect(seconds('retry', 1001)).toBe(2);
  });

  test('exact: refuses a value the rounding would change, naming it and saying what it would become', () => {
    expect(seconds('retry', 2000, { exact: true })).toBe(2);
    expect(() => seconds('retry', 1500, { exact: true })).toThrow(
      expect.objectContaining({ argument: 'retry', message: expect.stringContaining('would become 2 s') }),
    );
  });

  test('a value that is not whole ms >= min is refused', () => {
    expect(() => seconds('ttl', 0, { min: 1 })).toThrow(ArgumentError);
    expect(() => seconds('ttl', 1.5)).toThrow(ArgumentError);
    expect(() => seconds('ttl', -1)).toThrow(ArgumentError);
  });
});

describe('Jobs options (options.ts)', () => {
  test('names a bad option as written: config.x for with(), x for the fluent form', () => {
    expect(() => validateConfig({ retry: 1500 })).toThrow(
      expect.objectContaining({ argument: 'config.retry' }),
    );
    expect(() => validateConfig({ retry: 1500 }, '')).toThrow(expect.objectContaining({ argument: 'retry' }));
    expect(() => validateConfig({ ttl: 500 }, 'options')).toThrow(
      expect.objectContaining({ argument: 'options.ttl' }),
    );
    expect(() => validateConfig({ colour: 1 }, '')).toThrow(
      expect.objectContaining({ argument: 'config.colour' }),
    );
  });

  test('keeps whole seconds as ms, drops undefined values, lists its keys', () => {
    expect(validateConfig({ retry: 60_000, ttl: undefined, delay: 0 })).toEqual({ retry: 60_000, delay: 0 });
    expect(JOBS_CONFIG_KEYS).toContain('retry');
    expect(JOBS_CONFIG_KEYS).toHaveLength(9);
  });

  test('addJobOptions takes the ADDJOB ones only; async only when true', () => {
    expect(addJobOptions({ timeout: 1, replicate: 2, count: 5, async: false })).toEqual({
      timeout: 1,
      replicate: 2,
    });
    expect(addJobOptions({ async: true })).toEqual({ async: true });
  });
});
