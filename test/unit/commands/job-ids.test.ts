import * as C from '../../../src/commands/index.js';
import { serverHold } from '../../../src/commands/types.js';
import { ID, ID2, argumentError } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('commands on job ids', () => {
  test.each([C.ACKJOB, C.FASTACK, C.NACK, C.ENQUEUE, C.DEQUEUE, C.DELJOB])(
    '$name builds and parses',
    (cmd) => {
      expect(cmd.args(ID, ID2)).toEqual([cmd.name, ID, ID2]);
      expect(cmd.args()).toEqual([cmd.name]);
      expect(cmd.reply('2')).toBe(2);
      expect(argumentError(() => cmd.args(ID, 'D-short')).argument).toBe('ids[1]');
    },
  );

  test('a job id is checked as the server does: length, D-, dashes at 10 and 35', () => {
    expect(C.ACKJOB.args('D-zzzzzzzz-!!!!!!!!!!!!!!!!!!!!!!!!-zzzz')).toHaveLength(2);
    expect(argumentError(() => C.ACKJOB.args('d-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1')).argument).toBe(
      'ids[0]',
    );
    expect(argumentError(() => C.ACKJOB.args(42 as unknown as string)).argument).toBe('ids[0]');
  });
});

describe('job id commands: hot or not', () => {
  test('ACKJOB, FASTACK and NACK are hot; ENQUEUE, DEQUEUE and DELJOB are not', () => {
    expect([C.ACKJOB, C.FASTACK, C.NACK].map((c) => c.hot)).toEqual([true, true, true]);
    expect([C.ENQUEUE, C.DEQUEUE, C.DELJOB].map((c) => c.hot)).toEqual([false, false, false]);
  });

  test('none is held by the server', () => {
    for (const c of [C.ACKJOB, C.FASTACK, C.NACK, C.ENQUEUE, C.DEQUEUE, C.DELJOB])
      expect(serverHold(c, [ID])).toBe(0);
  });
});
