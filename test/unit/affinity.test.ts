import { Affinity } from '../../src/affinity.js';
import { noServer } from '../helpers/target.js';

noServer();

/** A job id created by the node whose id starts with `prefix` (8 characters). */
const id = (prefix: string, n = 0): string => `D-${prefix}-${String(n).padStart(24, '0')}-05a1`;
const even = (): number => 1;

describe('Affinity', () => {
  test('no switch before minSamples; then the node producing most becomes preferred', () => {
    const affinity = new Affinity({ minSamples: 10 });
    expect(
      affinity.record(
        Array.from({ length: 9 }, (_, i) => id('aaaaaaaa', i)),
        even,
      ),
    ).toBeUndefined();
    expect(affinity.record([id('aaaaaaaa', 9)], even)).toEqual({ from: undefined, to: 'aaaaaaaa' });
    expect(affinity.preferred).toBe('aaaaaaaa');
    expect(affinity.counts().get('aaaaaaaa')).toBe(10);
  });

  test('moves only past the margin, so that it does not flap', () => {
    const affinity = new Affinity({ minSamples: 1, window: 100, margin: 1.5 });
    affinity.record(
      Array.from({ length: 10 }, (_, i) => id('aaaaaaaa', i)),
      even,
    );
    // 14 against 10: not 1.5 times more.
    expect(
      affinity.record(
        Array.from({ length: 14 }, (_, i) => id('bbbbbbbb', i)),
        even,
      ),
    ).toBeUndefined();
    expect(affinity.record([id('bbbbbbbb', 99)], even)).toEqual({ from: 'aaaaaaaa', to: 'bbbbbbbb' });
  });

  test('counts only the last `window` jobs', () => {
    const affinity = new Affinity({ window: 5, minSamples: 1 });
    affinity.record(
      Array.from({ length: 5 }, (_, i) => id('aaaaaaaa', i)),
      even,
    );
    affinity.record(
      Array.from({ length: 5 }, (_, i) => id('bbbbbbbb', i)),
      even,
    );
    expect([...affinity.counts()]).toEqual([['bbbbbbbb', 5]]);
    expect(affinity.preferred).toBe('bbbbbbbb');
  });

  test('divides each count by the node priority', () => {
    const affinity = new Affinity({ minSamples: 1, margin: 1 });
    const priority = (prefix: string): number => (prefix === 'aaaaaaaa' ? 10 : 1);
    affinity.record([...Array.from({ length: 8 }, (_, i) => id('aaaaaaaa', i)), id('bbbbbbbb')], priority);
    expect(affinity.preferred).toBe('bbbbbbbb');
  });

  test('disabled: records nothing and never switches', () => {
    const affinity = new Affinity({ enabled: false, minSamples: 1 });
    expect(affinity.enabled).toBe(false);
    expect(affinity.record([id('aaaaaaaa')], even)).toBeUndefined();
    expect(affinity.counts().size).toBe(0);
  });
});
