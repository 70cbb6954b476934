/**
 * How the dashboard classifies and cuts job bodies (pure: no server).
 */
import { bodyPreview, showBody } from '../../src/dashboard/body.js';
import { noServer } from '../helpers/target.js';

noServer();

test('showBody - JSON is pretty-printed, text kept, binary shown as hex', () => {
  expect(showBody('{"a":[1,2]}')).toEqual({
    kind: 'json',
    text: '{\n  "a": [\n    1,\n    2\n  ]\n}',
    bytes: 11,
    truncated: false,
  });
  expect(showBody('<img src=x onerror=alert(1)>')).toMatchObject({
    kind: 'text',
    text: '<img src=x onerror=alert(1)>',
  });
  expect(showBody('{not json')).toMatchObject({ kind: 'text', text: '{not json' });
  const binary = showBody(Buffer.from([0x00, 0xff, 0x41, 0x0a]));
  expect(binary.kind).toBe('binary');
  expect(binary.text).toBe('00000000  00 ff 41 0a' + ' '.repeat(36) + '  ..A.');
  expect(showBody(Buffer.from('tab\tand\nnewline'))).toMatchObject({ kind: 'text' });
  expect(showBody(Buffer.from('bell\u0007'))).toMatchObject({ kind: 'binary' });
  expect(showBody(null)).toEqual({ kind: 'none', text: '', bytes: 0, truncated: false });
});

test('showBody - a large body shows its start, even cut inside a character', () => {
  const big = 'é'.repeat(40_000); // 80 000 bytes
  const shown = showBody(big, 64 * 1024 + 1); // the cut falls inside an 'é'
  expect(shown.kind).toBe('text');
  expect(shown.truncated).toBe(true);
  expect(shown.bytes).toBe(80_000);
  expect(shown.text).toBe('é'.repeat(shown.text.length));
  expect(shown.text.length).toBeGreaterThan(32_000);
});

test('bodyPreview - one line, cut to length, binary described', () => {
  expect(bodyPreview('{\n  "a": 1\n}')).toBe('{"a":1}');
  expect(bodyPreview('x'.repeat(200), 10)).toBe(`${'x'.repeat(10)}…`);
  expect(bodyPreview(Buffer.from([0, 1, 2]))).toBe('(3 bytes of binary)');
});
