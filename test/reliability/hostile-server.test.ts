/**
 * Hostile server replies: a fake RESP server answers the client's commands with malformed RESP,
 * replies of the wrong type, truncated replies, unknown errors, or no reply at all, and closes or
 * resets the connection. Every call must end with a value or a typed DisqueError (ProtocolError,
 * ConnectionError, ReplyError…): no plain Error, no crash, no hang, no unhandled rejection.
 */
import fc from 'fast-check';
import { Connection, type ConnectionOptions } from '../../src/connection.js';
import { ConnectionError, DisqueError } from '../../src/errors.js';
import { ProtocolError } from '../../src/replies.js';
import {
  afterReadyCheck,
  bulk,
  INFO_REPLY,
  startFakeServer,
  type After,
  type FakeServer,
} from '../helpers/fake-resp-server.js';
import { HUNG, UnhandledCollector, report, scale, settleWithin, waitFor } from './support.js';
import { fakeServer } from '../helpers/target.js';

fakeServer('scripted replies a real node never sends');

const ID = 'D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1';
const BOUND = 10_000;
const FUZZ_RUNS = scale(1500, 20_000);

/** Every Connection method, with valid arguments. */
const CALLS: readonly [string, (c: Connection) => Promise<unknown>][] = [
  ['addJob', (c) => c.addJob('q', 'body', { replicate: 1, timeout: 100 })],
  ['getJob', (c) => c.getJob(['q'], { timeout: 100, withCounters: true })],
  ['getJobBuffer', (c) => c.getJobBuffer(['q'], { nohang: true })],
  ['ackJob', (c) => c.ackJob(ID)],
  ['fastAck', (c) => c.fastAck(ID)],
  ['nack', (c) => c.nack(ID)],
  ['working', (c) => c.working(ID)],
  ['enqueue', (c) => c.enqueue(ID)],
  ['dequeue', (c) => c.dequeue(ID)],
  ['delJob', (c) => c.delJob(ID)],
  ['show', (c) => c.show(ID)],
  ['showBuffer', (c) => c.showBuffer(ID)],
  ['qlen', (c) => c.qlen('q')],
  ['qpeek', (c) => c.qpeek('q', 3)],
  ['qpeekBuffer', (c) => c.qpeekBuffer('q', -3)],
  ['qstat', (c) => c.qstat('q')],
  ['pause', (c) => c.pause('q', 'state')],
  ['qscan', (c) => c.qscan({ count: 10 })],
  ['jscan', (c) => c.jscan({ states: ['queued'] })],
  ['jscanJobs', (c) => c.jscanJobs()],
  ['scanQueues', async (c) => (await c.scanQueues()[Symbol.asyncIterator]().next()).value],
  ['hello', (c) => c.hello()],
  ['info', (c) => c.info()],
  ['ping', (c) => c.ping()],
  ['auth', (c) => c.auth('pw')],
  ['clusterMeet', (c) => c.clusterMeet('127.0.0.1', 7711)],
  ['clusterNodes', (c) => c.clusterNodes()],
  ['clusterLeaving', (c) => c.clusterLeaving()],
  ['clusterLeavingSet', (c) => c.clusterLeaving(false)],
  ['clusterForget', (c) => c.clusterForget('a'.repeat(40))],
  ['clusterMyId', (c) => c.clusterMyId()],
  ['clusterInfo', (c) => c.clusterInfo()],
  ['call', (c) => c.call('PING')],
  ['callBuffer', (c) => c.callBuffer('HELLO')],
];

/** Replies no Disque server sends, with what the server does next. */
const HOSTILE: readonly [string, string | Buffer, After][] = [
  ['unknown type byte', '?garbage\r\n', 'keep'],
  ['integer that is not a number', ':notanumber\r\n', 'keep'],
  // Incomplete for the parser, which waits for more: the end of the connection ends the call, or
  // the command timeout when the server keeps it open.
  ['bulk length that is not a number, then FIN', '$abc\r\n', 'end'],
  ['truncated bulk, connection kept', '$10\r\nabc', 'keep'],
  ['truncated array, connection kept', '*3\r\n:1\r\n', 'keep'],
  ['no reply, connection kept', '', 'keep'],
  ['negative bulk length', '$-5\r\n', 'keep'],
  ['negative array length', '*-7\r\n', 'keep'],
  ['truncated bulk, then FIN', '$10\r\nabc', 'end'],
  ['truncated array, then reset', '*3\r\n:1\r\n', 'reset'],
  ['huge bulk claimed, then FIN', '$2147483647\r\nab', 'end'],
  ['huge array claimed, then close', '*2147483647\r\n:1\r\n', 'destroy'],
  ['integer', ':5\r\n', 'keep'],
  ['status', '+OK\r\n', 'keep'],
  ['null bulk', '$-1\r\n', 'keep'],
  ['null array', '*-1\r\n', 'keep'],
  ['empty array', '*0\r\n', 'keep'],
  ['nested arrays', '*1\r\n*1\r\n*1\r\n$1\r\nx\r\n', 'keep'],
  ['array of integers', '*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n', 'keep'],
  ['odd key/value array', '*3\r\n$2\r\nid\r\n$1\r\nx\r\n$5\r\nstate\r\n', 'keep'],
  ['scan page with integers', '*2\r\n$1\r\n0\r\n*1\r\n:3\r\n', 'keep'],
  ['INFO text', INFO_REPLY, 'keep'],
  ['empty error', '-\r\n', 'keep'],
  ['unknown error prefix', '-WHATEVER something odd\r\n', 'keep'],
  ['NOJOB error', '-NOJOB Job not known\r\n', 'keep'],
  ['binary junk', Buffer.from([0, 255, 13, 10, 42, 13, 10, 36, 0, 13]), 'keep'],
  ['no reply, FIN', '', 'end'],
  ['no reply, reset', '', 'reset'],
  ['a line with no end, then FIN', `+${'x'.repeat(100_000)}`, 'end'],
  ['two replies for one command', '+OK\r\n+OK\r\n', 'keep'],
  // A null no command waits for used to crash the process (ioredis 6.0.0, DataHandler.shiftCommand).
  ['a reply, then an unsolicited null bulk', '+OK\r\n$-1\r\n', 'keep'],
  ['a reply, then an unsolicited null array', ':1\r\n*-1\r\n', 'keep'],
  ['a reply, then an unsolicited RESP3 null', '$1\r\nx\r\n_\r\n', 'keep'],
  ['an error, then an unsolicited error', '-ERR a\r\n-ERR b\r\n', 'keep'],
];

const unhandled = new UnhandledCollector();
let server: FakeServer;
const opened: Connection[] = [];
let cases = 0;
const outcomes = new Map<string, number>();
const bad: string[] = [];

beforeAll(async () => {
  unhandled.install();
  server = await startFakeServer(() => ({}));
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await server.close();
  unhandled.uninstall();
  report('hostile server replies', {
    cases,
    outcomes: [...outcomes].map(([k, n]) => `${k}=${n}`).join(' '),
    'untyped or hung': bad.length,
    'unhandled rejections': unhandled.reasons.length,
  });
  expect(unhandled.reasons).toEqual([]);
});

function open(options: ConnectionOptions): Connection {
  const conn = new Connection({ port: server.port, connectTimeout: 2000, commandTimeout: 500, ...options });
  opened.push(conn);
  return conn;
}

async function check(label: string, conn: Connection, call: (c: Connection) => Promise<unknown>) {
  cases++;
  let promise: Promise<unknown>;
  try {
    promise = call(conn);
  } catch (error) {
    promise = Promise.reject(error);
  }
  const result = await settleWithin(promise, BOUND);
  const kind =
    result === HUNG
      ? 'hung'
      : result.ok
        ? 'ok'
        : result.error instanceof DisqueError
          ? result.error.name
          : `untyped ${String(result.error)}`;
  outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
  if (kind === 'hung' || kind.startsWith('untyped')) {
    bad.push(`${label}: ${kind}`);
    process.stdout.write(`[hostile] ${label}: ${kind}\n`);
  }
  await conn.close();
}

test(
  'Hostile server - each malformed reply to each command gives a value or a typed error',
  async () => {
    for (const [name, bytes, after] of HOSTILE) {
      server.handle(afterReadyCheck(() => ({ bytes, after })));
      // Pool-style connections (no reconnection) for every command, in parallel.
      await Promise.all(
        CALLS.map(([call, run]) =>
          check(`${name} → ${call}`, open({ reconnect: false, maxRetriesPerRequest: 0 }), run),
        ),
      );
      // A reconnecting connection (the default) for a few, when the server keeps the connection.
      // (One that cuts every reply short is covered by resend-bound.test.ts: the command is sent
      // at most 1 + maxRetriesPerRequest times.)
      if (after === 'keep')
        await Promise.all(
          CALLS.slice(0, 4).map(([call, run]) => check(`${name} → ${call} (reconnecting)`, open({}), run)),
        );
    }
    expect(bad).toEqual([]);
  },
  scale(90_000, 300_000),
);

test('Hostile server - a connection lost during its ready check does not lose a command', async () => {
  // The first connection takes the ready check's INFO and dies without answering; the next one is
  // healthy. A command issued in between must be answered after the reconnection: INFO and HELLO
  // used to wait forever (ioredis 6.0.0 writes them early and drops them on the reconnection).
  const healthy = afterReadyCheck(() => ({ bytes: '+PONG\r\n' }));
  for (const [name, run] of CALLS.filter(([n]) => ['info', 'hello', 'auth', 'ping', 'qlen'].includes(n))) {
    let arrived: () => void = () => undefined;
    const readyCheck = new Promise<void>((resolve) => (arrived = resolve));
    server.handle(() => {
      arrived();
      return {}; // no answer: the ready check waits
    });
    const conn = open({});
    await readyCheck;
    const pending = run(conn);
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.handle(healthy);
    server.dropAll();
    const result = await settleWithin(pending, BOUND);
    cases++;
    // Answered (with a value or a typed error), not left pending.
    expect({ name, hung: result === HUNG }).toEqual({ name, hung: false });
    if (result !== HUNG && !result.ok) expect(result.error).toBeInstanceOf(DisqueError);
    await conn.close();
  }
});

test('Hostile server - an unsolicited reply drops the connection, never crashes the process', async () => {
  const unsolicited = ['$-1\r\n', '*-1\r\n', '_\r\n', '+OK\r\n', '-ERR stray\r\n'];
  for (const extra of unsolicited) {
    // Each command gets its reply and then one more that nothing asked for.
    server.handle(afterReadyCheck(() => ({ bytes: `+PONG\r\n${extra}` })));
    const conn = open({ reconnect: false, maxRetriesPerRequest: 0 });
    await expect(conn.ping()).resolves.toBe('PONG');
    await waitFor(`the connection to close after ${JSON.stringify(extra)}`, () => conn.closed, BOUND, 10);
    const error = await conn.ping().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toBeInstanceOf(ProtocolError);
    await conn.close();

    // A reconnecting connection drops the socket and carries on with a new one.
    const again = open({});
    await expect(again.ping()).resolves.toBe('PONG');
    await expect(again.ping()).resolves.toBe('PONG');
    await again.close();
    cases += 2;
  }
});

test(
  'Hostile server - random bytes and mutated replies (fast-check)',
  async () => {
    const resp = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 20 }).map((s) => `+${s.replace(/[\r\n]/g, '')}\r\n`),
        fc.string({ maxLength: 20 }).map((s) => `-${s.replace(/[\r\n]/g, '')}\r\n`),
        fc.oneof(fc.integer(), fc.constant('x'), fc.constant('')).map((n) => `:${n}\r\n`),
        fc.string({ maxLength: 30 }).map((s) => bulk(s).toString('latin1')),
        fc.constantFrom('$-1\r\n', '*-1\r\n', '*0\r\n', '$0\r\n\r\n'),
        fc
          .array(tie('value') as fc.Arbitrary<string>, { maxLength: 5 })
          .map((items) => `*${items.length}\r\n${items.join('')}`),
      ),
    })).value as fc.Arbitrary<string>;
    const bytes = fc.oneof(
      resp.map((s) => Buffer.from(s, 'latin1')),
      // A valid reply cut short, or with bytes flipped.
      fc
        .tuple(resp, fc.nat(), fc.uint8Array({ maxLength: 4 }))
        .map(([s, cut, junk]) =>
          Buffer.concat([Buffer.from(s, 'latin1').subarray(0, cut % (s.length + 1)), Buffer.from(junk)]),
        ),
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      // A reply followed by unsolicited ones (nulls included).
      fc
        .tuple(resp, fc.array(resp, { minLength: 1, maxLength: 3 }))
        .map(([first, extra]) => Buffer.from(first + extra.join(''), 'latin1')),
    );
    await fc.assert(
      fc.asyncProperty(
        bytes,
        fc.constantFrom<After>('end', 'destroy', 'reset'),
        fc.integer({ min: 0, max: CALLS.length - 1 }),
        async (reply, after, which) => {
          const [name, run] = CALLS[which] as [string, (c: Connection) => Promise<unknown>];
          server.handle(afterReadyCheck(() => ({ bytes: reply, after })));
          const before = bad.length;
          await check(
            `fuzz ${reply.toString('hex')} ${after} → ${name}`,
            open({ reconnect: false, maxRetriesPerRequest: 0 }),
            run,
          );
          return bad.length === before;
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
    expect(bad).toEqual([]);
  },
  scale(90_000, 600_000),
);
