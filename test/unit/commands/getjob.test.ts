import * as C from '../../../src/commands/index.js';
import { ProtocolError, type RawReply } from '../../../src/replies.js';
import { serverHold } from '../../../src/commands/types.js';
import { ID, argumentError } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('GETJOB', () => {
  test('builds options before FROM and the queues after it', () => {
    expect(C.GETJOB.args(['a', 'b'])).toEqual(['GETJOB', 'FROM', 'a', 'b']);
    expect(C.GETJOB.args(['a'], { nohang: true, timeout: 100, count: 5, withCounters: true })).toEqual([
      'GETJOB',
      'NOHANG',
      'TIMEOUT',
      100,
      'COUNT',
      5,
      'WITHCOUNTERS',
      'FROM',
      'a',
    ]);
  });

  test.each([
    ['queues', () => C.GETJOB.args([])],
    ['queues[1]', () => C.GETJOB.args(['a', ''])],
    ['options.count', () => C.GETJOB.args(['a'], { count: 0 })],
    ['options.timeout', () => C.GETJOB.args(['a'], { timeout: -1 })],
    ['options.nohang', () => C.GETJOB.args(['a'], { nohang: 1 as unknown as boolean })],
  ])('rejects a bad %s', (argument, fn) => {
    expect(argumentError(fn).argument).toBe(argument);
  });

  test('parses entries, with and without counters; a null array is no job', () => {
    expect(C.GETJOB.reply(null)).toEqual([]);
    expect(C.GETJOB.reply([[Buffer.from('q'), Buffer.from(ID), Buffer.from('hi')]])).toEqual([
      { id: ID, queue: 'q', body: 'hi' },
    ]);
    const withCounters: RawReply = [
      [
        Buffer.from('q'),
        Buffer.from(ID),
        Buffer.from('x'),
        Buffer.from('nacks'),
        '2',
        Buffer.from('additional-deliveries'),
        '1',
      ],
    ];
    expect(C.GETJOB.reply(withCounters)).toEqual([
      { id: ID, queue: 'q', body: 'x', nacks: 2, additionalDeliveries: 1 },
    ]);
  });

  test('the Buffer form keeps bytes exact', () => {
    const body = Buffer.from([0, 255, 128]);
    const [job] = C.GETJOB_BUFFER.reply([[Buffer.from('q'), Buffer.from(ID), body]]);
    expect(job?.body.equals(body)).toBe(true);
  });

  test('a malformed reply is a ProtocolError', () => {
    expect(() => C.GETJOB.reply('OK')).toThrow(ProtocolError);
    expect(() => C.GETJOB.reply([['q']])).toThrow(ProtocolError);
  });
});

describe('GETJOB facts', () => {
  test('GETJOB: its TIMEOUT; for ever without one or with 0; nothing with NOHANG', () => {
    expect(serverHold(C.GETJOB, [['q'], { timeout: 1500 }])).toBe(1500);
    expect(serverHold(C.GETJOB, [['q']])).toBe(Number.POSITIVE_INFINITY);
    expect(serverHold(C.GETJOB, [['q'], { timeout: 0 }])).toBe(Number.POSITIVE_INFINITY);
    expect(serverHold(C.GETJOB, [['q'], { nohang: true, timeout: 900 }])).toBe(0);
  });
});

describe('sparse arrays', () => {
  // Found by the soak run of the bad-input suite: map() skips holes, so a hole reached the wire.
  test('a hole in a queue list is an ArgumentError naming it', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => C.GETJOB.args([, 'q'] as unknown as string[])).toThrow(
      expect.objectContaining({ name: 'ArgumentError', argument: 'queues[0]' }),
    );
  });
});

describe('GETJOB flags', () => {
  test('GETJOB and its Buffer form are hot; they never hold a connection for replication', () => {
    expect(C.GETJOB.hot).toBe(true);
    expect(C.GETJOB_BUFFER.hot).toBe(true);
    expect('holdsConnection' in C.GETJOB).toBe(false);
    expect(serverHold(C.GETJOB_BUFFER, [['q'], { timeout: 250 }])).toBe(250);
  });
});
