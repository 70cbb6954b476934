import * as C from '../../../src/commands/index.js';
import { ProtocolError, type RawReply } from '../../../src/replies.js';
import { argumentError } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('queue commands', () => {
  test('QLEN and QPEEK', () => {
    expect(C.QLEN.args('q')).toEqual(['QLEN', 'q']);
    expect(C.QLEN.reply('4')).toBe(4);
    expect(C.QPEEK.args('q', -3)).toEqual(['QPEEK', 'q', -3]);
    expect(C.QPEEK.reply([])).toEqual([]);
    expect(argumentError(() => C.QPEEK.args('q', 1.5)).argument).toBe('count');
  });

  test('QSTAT parses the 20-element array; a missing queue is null', () => {
    const raw: RawReply = [
      'name',
      'q',
      'len',
      '2',
      'age',
      '3',
      'idle',
      '1',
      'blocked',
      '0',
      'import-from',
      ['n1'],
      'import-rate',
      '5',
      'jobs-in',
      '7',
      'jobs-out',
      '5',
      'pause',
      'out',
    ];
    expect(C.QSTAT.reply(raw)).toEqual({
      name: 'q',
      len: 2,
      age: 3000,
      idle: 1000,
      blocked: 0,
      importFrom: ['n1'],
      importRate: 5,
      jobsIn: 7,
      jobsOut: 5,
      pause: 'out',
      extra: {},
    });
    expect(C.QSTAT.reply(null)).toBeNull();
  });

  test('PAUSE builds options and parses the state', () => {
    expect(C.PAUSE.args('q', 'in')).toEqual(['PAUSE', 'q', 'in']);
    expect(C.PAUSE.args('q', 'none', { bcast: true })).toEqual(['PAUSE', 'q', 'none', 'bcast']);
    expect(C.PAUSE.reply('all')).toBe('all');
    expect(() => C.PAUSE.reply('sideways')).toThrow(ProtocolError);
    expect(argumentError(() => C.PAUSE.args('q', 'up' as never)).argument).toBe('option');
  });
});
