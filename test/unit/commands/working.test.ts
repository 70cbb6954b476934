import * as C from '../../../src/commands/index.js';
import { ID, argumentError } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('WORKING', () => {
  test('WORKING returns the retry in milliseconds', () => {
    expect(C.WORKING.args(ID)).toEqual(['WORKING', ID]);
    expect(C.WORKING.reply('300')).toBe(300_000);
    expect(argumentError(() => C.WORKING.args('x')).argument).toBe('id');
  });
});

describe('WORKING facts', () => {
  test('is hot; QLEN, INFO and HELLO are not', () => {
    expect(C.WORKING.hot).toBe(true);
    expect([C.QLEN, C.INFO, C.HELLO].map((c) => 'hot' in c && c.hot)).toEqual([false, false, false]);
  });
});
