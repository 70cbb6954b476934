import * as C from '../../../src/commands/index.js';
import { ID, argumentError, SHOW_REPLY } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('QSCAN and JSCAN', () => {
  test('QSCAN builds every option', () => {
    expect(C.QSCAN.args()).toEqual(['QSCAN']);
    expect(
      C.QSCAN.args({ cursor: '12', count: 5, busyLoop: true, minLen: 1, maxLen: 9, importRate: 2 }),
    ).toEqual(['QSCAN', '12', 'COUNT', 5, 'BUSYLOOP', 'MINLEN', 1, 'MAXLEN', 9, 'IMPORTRATE', 2]);
    expect(C.QSCAN.reply(['0', ['a', 'b']])).toEqual({ cursor: '0', items: ['a', 'b'] });
    expect(argumentError(() => C.QSCAN.args({ cursor: 'abc' })).argument).toBe('options.cursor');
  });

  test('JSCAN builds every option and asks for ids or whole jobs', () => {
    expect(C.JSCAN.args({ queue: 'q', states: ['queued', 'active'], count: 3 })).toEqual([
      'JSCAN',
      'COUNT',
      3,
      'QUEUE',
      'q',
      'STATE',
      'queued',
      'STATE',
      'active',
      'REPLY',
      'id',
    ]);
    expect(C.JSCAN_ALL.args()).toEqual(['JSCAN', 'REPLY', 'all']);
    expect(C.JSCAN.reply(['7', [ID]])).toEqual({ cursor: '7', items: [ID] });
    const page = C.JSCAN_ALL.reply(['0', [SHOW_REPLY()]]);
    expect(page.items[0]?.id).toBe(ID);
    expect(argumentError(() => C.JSCAN.args({ states: ['done' as never] })).argument).toBe(
      'options.states[0]',
    );
  });
});
