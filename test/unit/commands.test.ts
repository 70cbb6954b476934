import * as C from '../../src/commands/index.js';
import { ArgumentError } from '../../src/errors.js';
import { ProtocolError, type RawReply } from '../../src/replies.js';
import { serverHold } from '../../src/commands/hold.js';
import { Pool } from '../../src/pool.js';
import { noServer } from '../helpers/target.js';

noServer();

const ID = 'D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1';
const ID2 = 'D-dcb833cf-AAAAAAAAAAAAAAAAAAAAAAAA-05a1';

function argumentError(fn: () => unknown): ArgumentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArgumentError);
    return err as ArgumentError;
  }
  throw new Error('expected an ArgumentError');
}

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
    ['options.ttl', () => C.ADDJOB.args('q', 'b', { ttl: 0 })],
    ['options.maxLen', () => C.ADDJOB.args('q', 'b', { maxLen: 0 })],
    ['options.async', () => C.ADDJOB.args('q', 'b', { async: 'yes' as unknown as boolean })],
    ['options.retries', () => C.ADDJOB.args('q', 'b', { retries: 3 } as never)],
    ['options.delay', () => C.ADDJOB.args('q', 'b', { delay: 5000, ttl: 5000 })],
    ['options.replicate', () => C.ADDJOB.args('q', 'b', { retry: 0, replicate: 2 })],
  ])('rejects a bad %s', (argument, fn) => {
    expect(argumentError(fn).argument).toBe(argument);
  });

  test('the reply is the id', () => {
    expect(C.ADDJOB.reply(ID)).toBe(ID);
  });
});

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

  test('WORKING returns the retry in milliseconds', () => {
    expect(C.WORKING.args(ID)).toEqual(['WORKING', ID]);
    expect(C.WORKING.reply('300')).toBe(300_000);
    expect(argumentError(() => C.WORKING.args('x')).argument).toBe('id');
  });
});

const SHOW_REPLY = (body: RawReply = Buffer.from('hello'), extra: RawReply[] = []): RawReply =>
  [
    'id',
    Buffer.from(ID),
    'queue',
    Buffer.from('q'),
    'state',
    Buffer.from('queued'),
    'repl',
    '1',
    'ttl',
    '86399',
    'ctime',
    '1795397542340000001',
    'delay',
    '0',
    'retry',
    '300',
    'nacks',
    '0',
    'additional-deliveries',
    '3',
    'nodes-delivered',
    [Buffer.from('dcb833cf0000000000000000000000000000000a')],
    'nodes-confirmed',
    [],
    'next-requeue-within',
    '299000',
    'next-awake-within',
    null,
    'body',
    body,
    ...extra,
  ].map((x) => (typeof x === 'string' && Number.isNaN(Number(x)) ? Buffer.from(x) : x));

describe('SHOW', () => {
  test('parses every field, durations in ms, ctime without losing precision', () => {
    const info = C.SHOW.reply(SHOW_REPLY());
    expect(info).toEqual({
      id: ID,
      queue: 'q',
      state: 'queued',
      replicate: 1,
      ttl: 86_399_000,
      ctime: 1795397542340000001n,
      createdAt: new Date(1795397542340),
      delay: 0,
      retry: 300_000,
      nacks: 0,
      additionalDeliveries: 3,
      nodesDelivered: ['dcb833cf0000000000000000000000000000000a'],
      nodesConfirmed: [],
      nextRequeueWithin: 299_000,
      nextAwakeWithin: null,
      body: 'hello',
      extra: {},
    });
  });

  test('unknown job is null; unknown fields from a newer server are kept', () => {
    expect(C.SHOW.reply(null)).toBeNull();
    const info = C.SHOW.reply(SHOW_REPLY(Buffer.from('x'), [Buffer.from('shiny-field'), '7']));
    expect(info?.extra).toEqual({ shinyField: '7' });
  });

  test('the Buffer form keeps the body bytes; a dummy ack has a null body', () => {
    expect(C.SHOW_BUFFER.reply(SHOW_REPLY(Buffer.from([1, 2])))?.body).toEqual(Buffer.from([1, 2]));
    expect(C.SHOW.reply(SHOW_REPLY(null))?.body).toBeNull();
  });

  test('a missing field is a ProtocolError', () => {
    expect(() => C.SHOW.reply(['id', ID])).toThrow(ProtocolError);
  });
});

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

describe('server and cluster commands', () => {
  test('HELLO parses version, own id and node entries with bulk ports and priorities', () => {
    const raw: RawReply = ['1', 'aaaa', ['aaaa', '', '7711', '1'], ['bbbb', '127.0.0.1', '7712', '100']];
    expect(C.HELLO.reply(raw)).toEqual({
      version: 1,
      nodeId: 'aaaa',
      nodes: [
        { id: 'aaaa', host: '', port: 7711, priority: 1 },
        { id: 'bbbb', host: '127.0.0.1', port: 7712, priority: 100 },
      ],
    });
    expect(() => C.HELLO.reply(['1'])).toThrow(ProtocolError);
  });

  test('INFO parses sections', () => {
    const text = '# Server\r\ndisque_version:1.0-rc1\r\ntcp_port:7711\r\n\r\n# Jobs\r\nregistered_jobs:3\r\n';
    expect(C.INFO.reply(text)).toEqual({
      server: { disque_version: '1.0-rc1', tcp_port: '7711' },
      jobs: { registered_jobs: '3' },
    });
    expect(C.INFO.args('all')).toEqual(['INFO', 'all']);
  });

  test('PING and AUTH; AUTH never shows the password', () => {
    expect(C.PING.args()).toEqual(['PING']);
    expect(C.PING.args('x')).toEqual(['PING', 'x']);
    expect(C.AUTH.args('s3cret')).toEqual(['AUTH', 's3cret']);
    expect(argumentError(() => C.AUTH.args('')).message).not.toContain('s3cret');
  });

  test('CLUSTER subcommands', () => {
    expect(C.CLUSTER_MEET.args('127.0.0.1', 7712)).toEqual(['CLUSTER', 'MEET', '127.0.0.1', 7712]);
    expect(C.CLUSTER_MEET.reply('OK')).toBe('OK');
    expect(C.CLUSTER_LEAVING_SET.args(true)).toEqual(['CLUSTER', 'LEAVING', 'yes']);
    expect(C.CLUSTER_LEAVING_GET.reply('no')).toBe(false);
    expect(argumentError(() => C.CLUSTER_FORGET.args('abc')).argument).toBe('nodeId');
    const nodes = C.CLUSTER_NODES.reply(
      'aaaa 127.0.0.1:7711 myself 0 0 connected\nbbbb 127.0.0.1:7712 fail?,leaving 1700000000000 1700000000001 disconnected\n',
    );
    expect(nodes).toEqual([
      {
        id: 'aaaa',
        host: '127.0.0.1',
        port: 7711,
        flags: ['myself'],
        pingSent: 0,
        pongReceived: 0,
        connected: true,
      },
      {
        id: 'bbbb',
        host: '127.0.0.1',
        port: 7712,
        flags: ['fail?', 'leaving'],
        pingSent: 1700000000000,
        pongReceived: 1700000000001,
        connected: false,
      },
    ]);
    expect(C.CLUSTER_INFO.reply('cluster_state:ok\r\ncluster_known_nodes:3\r\n')).toEqual({
      cluster_state: 'ok',
      cluster_known_nodes: '3',
    });
  });
});

describe('serverHold (how long the server may hold a reply, under the command timeout)', () => {
  test('GETJOB: its TIMEOUT; for ever without one or with 0; nothing with NOHANG', () => {
    expect(serverHold(C.GETJOB.args(['q'], { timeout: 1500 }))).toBe(1500);
    expect(serverHold(C.GETJOB.args(['q']))).toBe(Number.POSITIVE_INFINITY);
    expect(serverHold(C.GETJOB.args(['q'], { timeout: 0 }))).toBe(Number.POSITIVE_INFINITY);
    expect(serverHold(C.GETJOB.args(['q'], { nohang: true, timeout: 900 }))).toBe(0);
    // Queue names after FROM are not options.
    expect(serverHold(['GETJOB', 'TIMEOUT', '10', 'FROM', 'NOHANG', 'TIMEOUT'])).toBe(10);
    expect(serverHold(['getjob', 'timeout', 20, 'from', 'q'])).toBe(20);
  });

  test('ADDJOB: its replication timeout; for ever with 0; other commands: 0', () => {
    expect(serverHold(C.ADDJOB.args('q', 'b', { timeout: 700 }))).toBe(700);
    expect(serverHold(C.ADDJOB.args('q', 'b', { timeout: 0 }))).toBe(Number.POSITIVE_INFINITY);
    expect(serverHold(C.QLEN.args('q'))).toBe(0);
    expect(serverHold(C.ACKJOB.args(ID, ID2))).toBe(0);
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
  test('a hole in a Pool node list is an ArgumentError naming it', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => new Pool({ nodes: [, '127.0.0.1:7711'] as unknown as string[] })).toThrow(
      expect.objectContaining({ name: 'ArgumentError', argument: 'options.nodes[0]' }),
    );
  });
});
