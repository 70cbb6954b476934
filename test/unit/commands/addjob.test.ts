import * as C from '../../../src/commands/index.js';
import { serverHold } from '../../../src/commands/types.js';
import { ID, ID2, argumentError } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('ADDJOB', () => {
  test('builds the minimal argv with the default timeout', () => {
    expect(C.ADDJOB.args('q', 'body')).toEqual(['ADDJOB', 'q', 'body', 5000]);
  });

  test('sends every option, converting ms to seconds rounded up', () => {
    expect(
      C.ADDJOB.args('q', Buffer.from('b'), {
        timeout: 0,
        replicate: 2,
        delay: 1500,
        retry: 1,
        ttl: 60_000,
        maxLen: 10,
        async: true,
      }),
    ).toEqual([
      'ADDJOB',
      'q',
      Buffer.from('b'),
      0,
      'REPLICATE',
      2,
      'DELAY',
      2,
      'RETRY',
      1,
      'TTL',
      60,
      'MAXLEN',
      10,
      'ASYNC',
    ]);
  });

  test('retry 0 stays 0 (at-most-once) and brings REPLICATE 1, which Disque requires; async false sends nothing', () => {
    expect(C.ADDJOB.args('q', 'b', { retry: 0, async: false })).toEqual([
      'ADDJOB',
      'q',
      'b',
      5000,
      'REPLICATE',
      1,
      'RETRY',
      0,
    ]);
    expect(C.ADDJOB.args('q', 'b', { retry: 0, replicate: 1 })).toEqual([
      'ADDJOB',
      'q',
      'b',
      5000,
      'REPLICATE',
      1,
      'RETRY',
      0,
    ]);
    // Any retry above 0 is at least one second: no REPLICATE added.
    expect(C.ADDJOB.args('q', 'b', { retry: 1 })).toEqual(['ADDJOB', 'q', 'b', 5000, 'RETRY', 1]);
  });

  test.each([
    ['queue', () => C.ADDJOB.args('', 'b')],
    ['body', () => C.ADDJOB.args('q', 5 as unknown as string)],
    ['options.timeout', () => C.ADDJOB.args('q', 'b', { timeout: -1 })],
    ['options.timeout', () => C.ADDJOB.args('q', 'b', { timeout: 1.5 })],
    ['options.replicate', () => C.ADDJOB.args('q', 'b', { replicate: 0 })],
    ['options.replicate', () => C.ADDJOB.args('q', 'b', { replicate: 65536 })],
    ['options.delay', () => C.ADDJOB.args('q', 'b', { delay: -5 })],
    ['options.retry', () => C.ADDJOB.args('q', 'b', { retry: Number.NaN })],
    ['options.replicate', () => C.ADDJOB.args('q', 'b', { retry: 0, replicate: 2 })],
    ['options.ttl', () => C.ADDJOB.args('q', 'b', { ttl: 0 })],
    ['options.maxLen', () => C.ADDJOB.args('q', 'b', { maxLen: 0 })],
    ['options.async', () => C.ADDJOB.args('q', 'b', { async: 'yes' as unknown as boolean })],
    ['options.retries', () => C.ADDJOB.args('q', 'b', { retries: 3 } as never)],
    ['options.delay', () => C.ADDJOB.args('q', 'b', { delay: 5000, ttl: 5000 })],
  ])('rejects a bad %s', (argument, fn) => {
    expect(argumentError(fn).argument).toBe(argument);
  });

  test('the reply is the id', () => {
    expect(C.ADDJOB.reply(ID)).toBe(ID);
  });
});

describe('ADDJOB facts', () => {
  test('ADDJOB: its replication timeout; for ever with 0; other commands: 0', () => {
    expect(serverHold(C.ADDJOB, ['q', 'b', { timeout: 700 }])).toBe(700);
    expect(serverHold(C.ADDJOB, ['q', 'b', { timeout: 0 }])).toBe(Number.POSITIVE_INFINITY);
    expect(serverHold(C.QLEN, ['q'])).toBe(0);
    expect(serverHold(C.ACKJOB, [ID, ID2])).toBe(0);
  });
});

describe('ADDJOB facts and seconds', () => {
  test('is hot; holds its connection while synchronously replicated', () => {
    expect(C.ADDJOB.hot).toBe(true);
    expect(C.ADDJOB.holdsConnection('q', 'b')).toBe(true); // the server's default replication
    expect(C.ADDJOB.holdsConnection('q', 'b', { replicate: 2 })).toBe(true);
    expect(C.ADDJOB.holdsConnection('q', 'b', { replicate: 1 })).toBe(false);
    expect(C.ADDJOB.holdsConnection('q', 'b', { async: true })).toBe(false);
  });

  test('the default replication timeout is the hold', () => {
    expect(serverHold(C.ADDJOB, ['q', 'b'])).toBe(C.DEFAULT_ADDJOB_TIMEOUT);
  });

  test('DELAY, RETRY and TTL round up to whole seconds', () => {
    expect(C.ADDJOB.args('q', 'b', { delay: 1, retry: 1000, ttl: 1001 })).toEqual([
      'ADDJOB',
      'q',
      'b',
      5000,
      'DELAY',
      1,
      'RETRY',
      1,
      'TTL',
      2,
    ]);
  });
});
