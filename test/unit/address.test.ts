import { parseAddress, parseNodeList } from '../../src/address.js';
import { ArgumentError } from '../../src/errors.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('parseAddress', () => {
  test.each([
    ['localhost', { host: 'localhost', port: 7711 }],
    ['10.0.0.1:7712', { host: '10.0.0.1', port: 7712 }],
    ['[::1]:7713', { host: '::1', port: 7713 }],
    ['[::1]', { host: '::1', port: 7711 }],
    ['disque://h:7000', { host: 'h', port: 7000 }],
    ['disque://:s%40cret@h', { host: 'h', port: 7711, password: 's@cret' }],
    ['disques://[::1]:7000', { host: '::1', port: 7000, tls: true }],
  ])('%s', (text, expected) => {
    expect(parseAddress(text)).toEqual(expected);
  });

  test.each(['', 'h:0', 'h:70000', 'h:abc', '::1:7711', '[::1', 'redis://h', 'h:1:2', 'a b:1'])(
    'rejects %p with an ArgumentError',
    (text) => {
      expect(() => parseAddress(text)).toThrow(ArgumentError);
    },
  );

  test('an error about a URL never shows its password', () => {
    try {
      parseAddress('disque://:hunter2@h:99999');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
      return;
    }
    throw new Error('expected an error');
  });
});

describe('parseNodeList', () => {
  test('parses a comma-separated list', () => {
    expect(parseNodeList('a:1, b , [::1]:3')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 7711 },
      { host: '::1', port: 3 },
    ]);
  });

  test('names the bad entry', () => {
    try {
      parseNodeList('a:1,b:x');
    } catch (err) {
      expect(err).toBeInstanceOf(ArgumentError);
      expect((err as ArgumentError).argument).toBe('DISQUE_NODES[1]');
      return;
    }
    throw new Error('expected an error');
  });

  test('an empty list is an error, not an empty pool', () => {
    expect(() => parseNodeList(' , ')).toThrow(/lists no nodes/);
  });
});
