import { ErrorReply, RespReader } from '../../src/resp-reader.js';
import { ProtocolError, type RawReply } from '../../src/replies.js';
import { noServer } from '../helpers/target.js';

noServer();

/** Feeds `chunks` to a reader and returns what came out. */
function read(chunks: Buffer[], binary = false): (RawReply | ErrorReply)[] {
  const out: (RawReply | ErrorReply)[] = [];
  const reader = new RespReader(
    () => binary,
    (reply) => out.push(reply),
  );
  for (const chunk of chunks) reader.feed(chunk);
  return out;
}

const STREAM = Buffer.from(
  '+OK\r\n' +
    ':42\r\n' +
    ':-7\r\n' +
    '$5\r\nhello\r\n' +
    '$0\r\n\r\n' +
    '$-1\r\n' +
    '*-1\r\n' +
    '*0\r\n' +
    '-NOJOB no such job\r\n' +
    '*2\r\n*3\r\n$1\r\nq\r\n$2\r\nid\r\n$4\r\nbody\r\n*1\r\n:1\r\n' +
    '$6\r\nh\xc3\xa9llo\r\n',
  'latin1',
);
const EXPECTED: unknown[] = [
  'OK',
  42,
  -7,
  'hello',
  '',
  null,
  null,
  [],
  new ErrorReply('NOJOB no such job'),
  [['q', 'id', 'body'], [1]],
  'héllo',
];

describe('RespReader', () => {
  test('reads every RESP2 type, integers as numbers, errors apart', () => {
    expect(read([STREAM])).toEqual(EXPECTED);
  });

  test('an integer beyond 15 digits stays a decimal string (SHOW ctime exceeds 2^53)', () => {
    expect(read([Buffer.from(':1430579357544000000\r\n')])).toEqual(['1430579357544000000']);
  });

  test('the same replies whatever the TCP chunking: split at every offset, and byte by byte', () => {
    for (let cut = 1; cut < STREAM.length; cut++)
      expect(read([STREAM.subarray(0, cut), STREAM.subarray(cut)])).toEqual(EXPECTED);
    const bytes = [...STREAM].map((b) => Buffer.from([b]));
    expect(read(bytes)).toEqual(EXPECTED);
  });

  test('binary replies keep bulk strings as bytes (copied, not slices of the socket chunk)', () => {
    const body = Buffer.from([0, 255, 13, 10, 128]);
    const chunk = Buffer.concat([Buffer.from('*1\r\n$5\r\n'), body, Buffer.from('\r\n')]);
    const [reply] = read([chunk], true) as [Buffer[]];
    expect(reply[0]).toEqual(body);
    chunk.fill(0); // the socket's buffer is reused or freed: the body must not change with it
    expect(reply[0]).toEqual(body);
  });

  test('a large bulk string split in many chunks comes out whole', () => {
    const body = 'x'.repeat(1_000_000);
    const whole = Buffer.from(`$${body.length}\r\n${body}\r\n:1\r\n`);
    const chunks: Buffer[] = [];
    for (let at = 0; at < whole.length; at += 65_536) chunks.push(whole.subarray(at, at + 65_536));
    expect(read(chunks)).toEqual([body, 1]);
  });

  test.each([
    ['an unknown type byte', '!oops\r\n'],
    ['a bad length', '$abc\r\nxyz\r\n'],
    ['a negative length other than -1', '$-5\r\n'],
    ['a bulk string longer than announced', '$2\r\nabc\r\n'],
    ['CR without LF', '+OK\rX\n'],
    ['a non-numeric integer', ':12a\r\n'],
    ['an error inside an array', '*1\r\n-ERR x\r\n'],
    ['a length beyond 512 MB', '$999999999\r\n'],
  ])('%s is a ProtocolError', (_what, bytes) => {
    expect(() => read([Buffer.from(bytes)])).toThrow(ProtocolError);
  });

  test('a throw from onReply reaches the caller of feed', () => {
    const reader = new RespReader(
      () => false,
      () => {
        throw new ProtocolError('no command waits');
      },
    );
    expect(() => reader.feed(Buffer.from('+OK\r\n'))).toThrow('no command waits');
  });
});
