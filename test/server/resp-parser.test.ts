import { ProtocolError, RespParser, splitInlineArgs } from '../../src/server/resp-parser.js';
import { noServer } from '../helpers/target.js';

noServer();

function all(p: RespParser): string[][] {
  const out: string[][] = [];
  for (;;) {
    const argv = p.next();
    if (argv === null) return out;
    out.push(argv.map((b) => b.toString('latin1')));
  }
}

describe('RespParser', () => {
  test('parses pipelined multi-bulk requests fed one byte at a time', () => {
    const wire = Buffer.from('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nQLEN\r\n$2\r\niq\r\n');
    const p = new RespParser();
    const got: string[][] = [];
    for (const byte of wire) {
      p.feed(Buffer.from([byte]));
      got.push(...all(p));
    }
    expect(got).toEqual([['PING'], ['QLEN', 'iq']]);
    expect(p.buffered).toBe(0);
  });

  test('keeps bulks binary safe (NUL, CR LF inside a bulk)', () => {
    const body = Buffer.from([0, 0xff, 13, 10, 0x1b]);
    const p = new RespParser();
    p.feed(
      Buffer.concat([Buffer.from(`*2\r\n$6\r\nADDJOB\r\n$${body.length}\r\n`), body, Buffer.from('\r\n')]),
    );
    const argv = p.next();
    expect(argv?.[1]).toEqual(body);
  });

  test('inline requests: bare LF, quotes, escapes; empty lines and *0 are skipped', () => {
    const p = new RespParser();
    p.feed(Buffer.from('PING\n\r\n*0\r\nADDJOB iq "hello world" \'it\\\'s\' "\\x41\\n" 0\r\n'));
    expect(all(p)).toEqual([['PING'], ['ADDJOB', 'iq', 'hello world', "it's", 'A\n', '0']]);
  });

  test.each([
    ['ADDJOB q "unbalanced 0\r\n', 'unbalanced quotes in request'],
    ['*abc\r\n', 'invalid multibulk length'],
    ['*1\r\nPING\r\n', "expected '$', got 'P'"],
    ['*1\r\n$abc\r\n', 'invalid bulk length'],
    ['"a"b\r\n', 'unbalanced quotes in request'],
  ])('protocol error for %j', (wire, message) => {
    const p = new RespParser();
    p.feed(Buffer.from(wire));
    expect(() => p.next()).toThrow(new ProtocolError(message));
  });

  test('an inline request without newline longer than 64 KiB is refused', () => {
    const p = new RespParser();
    p.feed(Buffer.alloc(70 * 1024, 0x61));
    expect(() => p.next()).toThrow(new ProtocolError('too big inline request'));
  });

  test('a large bulk arriving in chunks is returned once complete', () => {
    const big = Buffer.alloc(300000, 0x78);
    const wire = Buffer.concat([Buffer.from(`*1\r\n$${big.length}\r\n`), big, Buffer.from('\r\n')]);
    const p = new RespParser();
    for (let i = 0; i < wire.length; i += 65536) {
      expect(p.next()).toBeNull();
      p.feed(wire.subarray(i, i + 65536));
    }
    expect(p.next()?.[0]?.length).toBe(300000);
  });

  test('splitInlineArgs returns null for a closing quote followed by a non-blank', () => {
    expect(splitInlineArgs(Buffer.from('"foo"bar'))).toBeNull();
    expect(splitInlineArgs(Buffer.from('  a   b  '))?.map(String)).toEqual(['a', 'b']);
  });
});
