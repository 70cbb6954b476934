import { ArgumentError } from '../../src/errors.js';
import { POOL_DEFAULTS, POOL_OPTION_NAMES, resolvePoolOptions } from '../../src/pool/options.js';
import { Pool } from '../../src/pool.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('Pool options (pool/options.ts)', () => {
  test('every default comes from POOL_DEFAULTS', () => {
    const resolved = resolvePoolOptions({ nodes: '127.0.0.1:7711' });
    for (const [key, value] of Object.entries(POOL_DEFAULTS))
      expect({ key, value: resolved[key as keyof typeof resolved] }).toEqual({ key, value });
    expect(resolved.seeds).toEqual([{ host: '127.0.0.1', port: 7711 }]);
  });

  test('given values win; every name is known', () => {
    const resolved = resolvePoolOptions({ nodes: 'h:1,h:2', retries: 0, fastPath: false, max: 3, min: 3 });
    expect(resolved).toMatchObject({ retries: 0, fastPath: false, max: 3, min: 3 });
    expect(resolved.seeds).toHaveLength(2);
    expect(POOL_OPTION_NAMES).toEqual(
      expect.arrayContaining([...Object.keys(POOL_DEFAULTS), 'nodes', 'natMap']),
    );
  });

  test.each([
    ['options.retries', { retries: -1 }],
    ['options.commandTimeout', { commandTimeout: 2 ** 31 }],
    ['options.refreshInterval', { refreshInterval: 5 }],
    ['options.min', { min: 4, max: 3 }],
    ['options.fastPath', { fastPath: 'yes' }],
    ['options.colour', { colour: 1 }],
    ['options.nodes', { nodes: [] }],
  ])('refuses a bad %s', (argument, options) => {
    expect(() => resolvePoolOptions(options as never)).toThrow(expect.objectContaining({ argument }));
    expect(() => resolvePoolOptions(options as never)).toThrow(ArgumentError);
  });

  test('a hole in a Pool node list is an ArgumentError naming it', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => new Pool({ nodes: [, '127.0.0.1:7711'] as unknown as string[] })).toThrow(
      expect.objectContaining({ name: 'ArgumentError', argument: 'options.nodes[0]' }),
    );
  });
});
