import { table, visible } from '../../src/cli/format.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('CLI tables', () => {
  test('columns two spaces apart, numbers right-aligned, no trailing spaces', () => {
    expect(
      table(
        [{ header: 'QUEUE' }, { header: 'LEN', right: true }, { header: 'PAUSE' }],
        [
          ['emails', '12', 'none'],
          ['q', '3', ''],
        ],
      ),
    ).toEqual(['QUEUE   LEN  PAUSE', 'emails   12  none', 'q         3']);
  });

  test('control characters in cells (a hostile job body) are shown, not sent to the terminal', () => {
    const body = 'hi\x1b]0;owned\x07\x1b[2J\r\x9b';
    expect(visible(body)).toBe('hi\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x9b');
    const [, row] = table([{ header: 'BODY' }], [[body]]);
    expect(row).toBe(visible(body));
    expect(row).not.toMatch(/\p{Cc}/u);
  });
});
