/**
 * Bad input: property-based tests (fast-check) over the arguments of every public function —
 * command builders and reply parsers, addresses and URLs, codecs, job ids, errors, Connection,
 * Pool, Jobs (and its fluent options), Funnel. Inputs are random strings, numbers, NaN, ±Infinity,
 * negative and huge values, values of the wrong type (through casts), malformed job ids, node
 * lists and URLs, oversized bodies. Each call must work or fail with a typed DisqueError
 * (ArgumentError before anything is sent, or the server's typed error) — never a plain Error,
 * never a hang, never a crash. The number of generated cases is printed.
 */
import fc from 'fast-check';
import * as C from '../../src/commands/index.js';
import { Connection } from '../../src/connection.js';
import { Pool } from '../../src/pool.js';
import { POOL_OPTION_NAMES } from '../../src/pool/options.js';
import { CONNECTION_OPTION_NAMES } from '../../src/transport/options.js';
import { JOBS_CONFIG_KEYS } from '../../src/options.js';
import { connect, type Jobs } from '../../src/jobs.js';
import { ArgumentError, DisqueError, fromReplyError, ReplyError } from '../../src/errors.js';
import { parseAddress, parseNodeList } from '../../src/address.js';
import { json, string, buffer } from '../../src/codec.js';
import { isJobId, jobIdNodePrefix, jobIdIsAtLeastOnce } from '../../src/job-id.js';
import type { RawReply } from '../../src/replies.js';
import { startServer, type ServerHandle } from '../../src/server/index.js';
import { HUNG, UnhandledCollector, report, scale, settleWithin } from './support.js';
import { embeddedServer } from '../helpers/target.js';

// Fuzzes commands with hostile queue names and options: not on a long-lived node that cannot
// be cleaned of what it creates.
embeddedServer('fuzzes hostile queue names and commands: kept off real nodes');

/** Generated cases per property: the soak form reaches well over 100 000 in all. */
const PURE = scale(1500, 12_000);
const IO = scale(400, 3000);
const SLOW = scale(20, 150);
const BOUND = 5000;

const unhandled = new UnhandledCollector();
let cases = 0;
const perProperty = new Map<string, number>();
/** Failures of the current test (reset before each). */
let untyped: string[] = [];
/** Shows a failure at once (fast-check stops at the first failing property). */
function fail(message: string): false {
  if (untyped.length < 5) process.stdout.write(`[bad input] ${message}\n`);
  untyped.push(message);
  return false;
}
let failures = 0;
let jobsServer: ServerHandle;
let connServer: ServerHandle;
let jobs: Jobs<string>;
let conn: Connection;
const SEED = process.env['RELIABILITY_SEED'] ? Number(process.env['RELIABILITY_SEED']) : undefined;

beforeAll(async () => {
  unhandled.install();
  jobsServer = await startServer({ port: 0 });
  connServer = await startServer({ port: 0 });
  jobs = connect({ nodes: `127.0.0.1:${jobsServer.port}`, discover: false, retries: 0 });
  conn = new Connection({ port: connServer.port });
});

beforeEach(() => {
  failures += untyped.length;
  untyped = [];
});

afterAll(async () => {
  failures += untyped.length;
  await jobs.close();
  await conn.close();
  await jobsServer.close();
  await connServer.close();
  unhandled.uninstall();
  report('bad input', {
    'generated cases': cases,
    'per property': [...perProperty].map(([k, n]) => `${k}=${n}`).join(' '),
    'untyped errors or hangs': failures,
    'unhandled rejections': unhandled.reasons.length,
  });
  expect(unhandled.reasons).toEqual([]);
});

// ---- generators ---------------------------------------------------------------------------

const VALID_ID = 'D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1';

/** Job ids: valid, almost valid (one character off, wrong length, wrong dashes), or junk. */
const jobIdLike = fc.oneof(
  fc.constant(VALID_ID),
  fc
    .tuple(fc.nat({ max: 39 }), fc.string({ minLength: 1, maxLength: 1 }))
    .map(([i, c]) => VALID_ID.slice(0, i) + c + VALID_ID.slice(i + 1)),
  fc.string({ minLength: 38, maxLength: 42 }).map((s) => `D-${s}`.slice(0, 40 + (s.length % 3) - 1)),
  fc.stringMatching(/^[0-9a-f]{8}$/).map((h) => `D-${h}-${'A'.repeat(24)}-05a1`),
  fc.string(),
);

/** Numbers that break careless code. */
const nastyNumber = fc.oneof(
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    -1,
    0,
    1,
    0.5,
    999.999,
    1000,
    1001,
    65535,
    65536,
    2 ** 31,
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    1e308,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.EPSILON,
  ),
  fc.integer(),
  fc.double(),
  fc.integer({ min: -5, max: 70_000 }),
);

/** Strings that break careless code: empty, whitespace, control characters, huge. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '\0',
    '\r\n',
    '*1\r\n$4\r\nPING\r\n',
    '__proto__',
    'constructor',
    'toString',
    '-1',
    'NaN',
  ),
  fc.nat({ max: 3 }).map((k) => 'x'.repeat([1_000, 100_000, 1_000_000, 4_000_000][k] as number)),
);

/** Anything at all, including wrong types smuggled in through casts. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  nastyNumber,
  nastyString,
  jobIdLike,
  fc.bigInt(),
  fc.boolean(),
  fc.constantFrom(null, undefined, Symbol('s'), () => 1, new Date(NaN), /re/, Promise.resolve(1)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.alloc(0)),
  fc.anything({
    maxDepth: 2,
    withNullPrototype: true,
    withBigInt: true,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
  }),
);

/** An options object: known keys with hostile values, maybe unknown keys, or not an object. */
function optionsOf(keys: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(Object.fromEntries(keys.map((k) => [k, hostile])), { requiredKeys: [] }),
    },
    { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), hostile, { maxKeys: 3 }) },
    { weight: 1, arbitrary: hostile },
  );
}

/** Raw replies as ioredis may hand them over (strings, Buffers, integers as strings, arrays…). */
const rawReply: fc.Arbitrary<RawReply> = fc.letrec((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.constantFrom('0', '-1', '18446744073709551616', 'OK', 'queued', 'yes', 'no', 'state', 'id'),
    fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
    fc.integer(),
    fc.bigInt(),
    fc.constant(null),
    fc.array(tie('reply'), { maxLength: 8 }),
  ),
})).reply as fc.Arbitrary<RawReply>;

// ---- checking -----------------------------------------------------------------------------

function describe(value: unknown): string {
  try {
    return String(value).slice(0, 200);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Runs `fn`: it must return, or throw/reject with a DisqueError (or `allowed(err)`), within BOUND. */
async function typed(
  label: string,
  fn: () => unknown,
  allowed: (err: unknown) => boolean = () => false,
): Promise<boolean> {
  cases++;
  perProperty.set(label, (perProperty.get(label) ?? 0) + 1);
  let value: unknown;
  try {
    value = fn();
  } catch (error) {
    if (error instanceof DisqueError || allowed(error)) return true;
    return fail(`${label}: threw ${describe(error)}`);
  }
  if (!(value instanceof Promise)) return true;
  const result = await settleWithin(value, BOUND);
  if (result === HUNG) {
    return fail(`${label}: hung`);
  }
  if (result.ok || result.error instanceof DisqueError || allowed(result.error)) return true;
  return fail(`${label}: rejected with ${describe(result.error)}`);
}

/** Sync-only variant for pure functions (no promise expected). */
function typedSync(label: string, fn: () => unknown): boolean {
  cases++;
  perProperty.set(label, (perProperty.get(label) ?? 0) + 1);
  try {
    fn();
    return true;
  } catch (error) {
    if (error instanceof DisqueError) return true;
    return fail(`${label}: threw ${describe(error)}`);
  }
}

const run = (property: fc.IRawProperty<unknown[], boolean>, numRuns: number) =>
  fc.assert(property, { numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

/** Whether an argv is safe to send: strings, Buffers and finite integers only. */
function wireSafe(argv: unknown[]): boolean {
  return argv.every(
    (a) => typeof a === 'string' || Buffer.isBuffer(a) || (typeof a === 'number' && Number.isSafeInteger(a)),
  );
}

// ---- pure functions -------------------------------------------------------------------------

const COMMANDS = (Object.entries(C) as [string, unknown][]).filter(
  (entry): entry is [string, C.Command<unknown[], unknown>] =>
    typeof entry[1] === 'object' && entry[1] !== null && 'args' in entry[1] && 'reply' in entry[1],
);

test('Bad input - every command builder refuses bad arguments with ArgumentError; what it builds is wire-safe', async () => {
  expect(COMMANDS.length).toBeGreaterThan(20);
  await run(
    fc.property(
      fc.constantFrom(...COMMANDS),
      fc.array(
        fc.oneof(
          hostile,
          optionsOf([
            'timeout',
            'replicate',
            'delay',
            'retry',
            'ttl',
            'maxLen',
            'async',
            'nohang',
            'count',
            'withCounters',
            'cursor',
            'busyLoop',
            'minLen',
            'queue',
            'states',
            'bcast',
          ]),
        ),
        { maxLength: 4 },
      ),
      ([name, command], args) => {
        let argv: unknown[] | undefined;
        const ok = typedSync('command args', () => {
          argv = command.args(...args);
        });
        if (argv !== undefined && !wireSafe(argv)) untyped.push(`${name}.args built ${describe(argv)}`);
        return ok && (argv === undefined || wireSafe(argv));
      },
    ),
    PURE * 4,
  );
  expect(untyped).toEqual([]);
});

test('Bad input - every reply parser turns a foreign reply into a value or a ProtocolError', async () => {
  await run(
    fc.property(fc.constantFrom(...COMMANDS), rawReply, ([, command], raw) =>
      typedSync('reply parsers', () => command.reply(raw)),
    ),
    PURE * 4,
  );
  expect(untyped).toEqual([]);
});

test('Bad input - addresses, node lists and URLs', async () => {
  const urlish = fc.oneof(
    hostile,
    fc.webUrl(),
    fc
      .tuple(
        fc.constantFrom('disque', 'disques', 'redis', 'DISQUE', 'disque+x', ''),
        fc.string(),
        fc.string(),
        nastyNumber,
      )
      .map(([scheme, password, host, port]) => `${scheme}://:${password}@${host}:${String(port)}`),
    fc
      .tuple(fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6(), fc.string()), nastyNumber)
      .map(([h, p]) => `${h}:${String(p)}`),
    fc.ipV6().map((h) => `[${h}]:7711`),
    fc.array(fc.oneof(fc.ipV4(), fc.string()), { maxLength: 5 }).map((a) => a.join(',')),
  );
  await run(
    fc.property(urlish, fc.oneof(fc.constant(undefined), hostile), (text, name) =>
      [
        typedSync('parseAddress', () => parseAddress(text as string, name as string)),
        typedSync('parseNodeList', () => parseNodeList(text as string, name as string)),
        typedSync('Connection.fromUrl', () =>
          Connection.fromUrl(text as string, { lazyConnect: true }).destroy(),
        ),
      ].every(Boolean),
    ),
    PURE,
  );
  expect(untyped).toEqual([]);
});

test('Bad input - codecs, job ids and reply errors', async () => {
  await run(
    fc.property(hostile, fc.string(), (value, text) =>
      [
        typedSync('codec encode', () => string().encode(value as string)),
        typedSync('codec encode', () => buffer().encode(value as Buffer)),
        typedSync('codec encode', () => json().encode(value)),
        typedSync('codec decode', () => string().decode(text)),
        typedSync('codec decode', () => buffer().decode(Buffer.from(text))),
        typedSync('job ids', () => isJobId(value as string)),
        typedSync('job ids', () => jobIdNodePrefix(value as string)),
        typedSync('job ids', () => jobIdIsAtLeastOnce(value as string)),
        typedSync('fromReplyError', () => {
          if (!(fromReplyError(text, describe(value)) instanceof ReplyError))
            throw new Error('not a ReplyError');
        }),
      ].every(Boolean),
    ),
    PURE,
  );
  expect(untyped).toEqual([]);
});

// ---- clients: constructors and fluent options --------------------------------------------

// The option lists come from the sources, so that a new option is fuzzed as soon as it exists.
const CONNECTION_KEYS: readonly string[] = CONNECTION_OPTION_NAMES;
const POOL_KEYS: readonly string[] = POOL_OPTION_NAMES;
const CONFIG_KEYS: readonly string[] = JOBS_CONFIG_KEYS;

test('Bad input - Connection, Pool and connect() options', async () => {
  await run(
    fc.asyncProperty(
      optionsOf(CONNECTION_KEYS),
      optionsOf(POOL_KEYS),
      optionsOf(['codec', 'defaults', 'affinity', ...POOL_KEYS]),
      async (c, p, j) => {
        const results = [
          // Never dial out to a generated host: connections are lazy and destroyed at once.
          typedSync('new Connection', () =>
            new Connection(
              (typeof c === 'object' && c !== null ? { ...c, lazyConnect: true } : c) as never,
            ).destroy(),
          ),
          await typed('new Pool', () => new Pool(p as never).close()),
          await typed('connect()', () => connect(j as never).close()),
        ];
        return results.every(Boolean);
      },
    ),
    PURE,
  );
  expect(untyped).toEqual([]);
});

test('Bad input - Jobs fluent options never mutate and refuse bad values', async () => {
  const methods = [
    'timeout',
    'replicate',
    'delay',
    'retry',
    'ttl',
    'maxLen',
    'async',
    'count',
    'signal',
    'with',
    'use',
  ] as const;
  await run(
    fc.property(fc.constantFrom(...methods), fc.oneof(hostile, optionsOf(CONFIG_KEYS)), (method, value) => {
      const handle = jobs.with({});
      const before = JSON.stringify(jobs.config);
      const ok = typedSync('Jobs fluent', () => (handle[method] as (v: unknown) => unknown)(value));
      // A fluent call on a derived handle never changes the original.
      return ok && JSON.stringify(jobs.config) === before;
    }),
    PURE * 2,
  );
  expect(untyped).toEqual([]);
});

// ---- clients: calls that reach a server ---------------------------------------------------

/** An abort signal the test itself fires, to end calls that block by design. */
const testAbort = (err: unknown): boolean =>
  // A DOMException from AbortSignal.timeout(), made in Node's realm (not jest's: no instanceof).
  typeof err === 'object' &&
  err !== null &&
  !(err instanceof DisqueError) &&
  ['TimeoutError', 'AbortError'].includes((err as { name?: unknown }).name as string);

test('Bad input - Jobs methods against a server', async () => {
  const queue = fc.oneof(fc.constantFrom('bad-input-q', 'other'), hostile);
  const calls: [string, (a: unknown, b: unknown, c: unknown) => unknown][] = [
    ['add', (a, b, c) => jobs.add(a as string, b as string, c as never)],
    ['tryGet', (a, b) => jobs.tryGet(a as string, b as string)],
    ['get', (a) => jobs.timeout(50).get(a as string)],
    ['getMany', (a, b) => jobs.timeout(50).getMany(a as number, b as string)],
    ['receive', (a, b) => jobs.receive(a as string[], b as never, AbortSignal.timeout(300))],
    ['ack', (a, b) => jobs.ack(a as string, b as string)],
    ['fastAck', (a) => jobs.fastAck(a as string)],
    ['nack', (a) => jobs.nack(a as string)],
    ['working', (a) => jobs.working(a as string)],
    ['show', (a) => jobs.show(a as string)],
    ['len', (a) => jobs.len(a as string)],
    ['peek', (a, b) => jobs.peek(a as string, b as number)],
    ['wait', (a, b) => jobs.signal(AbortSignal.timeout(300)).wait(a as string, b as never)],
    [
      'request',
      (a, b, c) => jobs.signal(AbortSignal.timeout(300)).request(a as string, b as string, c as never),
    ],
    ['reply', (a, b) => jobs.reply(a as string, b as string)],
  ];
  await run(
    fc.asyncProperty(
      fc.constantFrom(...calls),
      fc.oneof(queue, jobIdLike, fc.array(queue, { maxLength: 3 })),
      fc.oneof(queue, jobIdLike, nastyNumber, optionsOf(['count', 'nohang', 'timeout', 'withCounters'])),
      optionsOf([...CONFIG_KEYS, 'timeout']),
      ([name, call], a, b, c) => typed(`Jobs.${name}`, () => call(a, b, c), testAbort),
    ),
    IO * 3,
  );
  expect(untyped).toEqual([]);
});

test('Bad input - Funnel options, process() options and close()', async () => {
  await run(
    fc.asyncProperty(
      fc.oneof(fc.constant('bad-input-funnel'), hostile),
      optionsOf(['prefetch', 'ackMode', 'autoAck', 'lease', 'leaseAfter', 'signal', 'closeTimeout']),
      optionsOf(['concurrency', 'maxAttempts', 'deadLetter', 'backoff']),
      fc.oneof(
        fc.constant(() => undefined),
        hostile,
      ),
      async (queue, options, processOptions, handler) => {
        let funnel: ReturnType<Jobs<string>['funnel']> | undefined;
        const made = typedSync('Funnel options', () => {
          funnel = jobs.funnel(queue as string, options as never);
        });
        if (!funnel) return made;
        const f = funnel;
        // process() runs until close(); close() gives back whatever it fetched.
        const processing = f.process(handler as never, processOptions as never);
        const closing = typed('Funnel close', () => f.close({ timeout: 100 }));
        return made && (await typed('Funnel process', () => processing)) && (await closing);
      },
    ),
    SLOW,
  );
  expect(untyped).toEqual([]);
});

test('Bad input - every Connection method against a server', async () => {
  const q = fc.oneof(fc.constantFrom('bad-input-q', 'other'), hostile);
  const calls: [string, (c: Connection, a: unknown, b: unknown, d: unknown) => unknown][] = [
    ['addJob', (c, a, b, d) => c.addJob(a as string, b as string, d as never)],
    ['ackJob', (c, a, b) => c.ackJob(a as string, b as string)],
    ['fastAck', (c, a) => c.fastAck(a as string)],
    ['nack', (c, a) => c.nack(a as string)],
    ['working', (c, a) => c.working(a as string)],
    ['enqueue', (c, a) => c.enqueue(a as string)],
    ['dequeue', (c, a) => c.dequeue(a as string)],
    ['delJob', (c, a) => c.delJob(a as string)],
    ['show', (c, a) => c.show(a as string)],
    ['showBuffer', (c, a) => c.showBuffer(a as string)],
    ['qlen', (c, a) => c.qlen(a as string)],
    ['qpeek', (c, a, b) => c.qpeek(a as string, b as number)],
    ['qpeekBuffer', (c, a, b) => c.qpeekBuffer(a as string, b as number)],
    ['qstat', (c, a) => c.qstat(a as string)],
    ['pause', (c, a, b, d) => c.pause(a as string, b as never, d as never)],
    ['qscan', (c, a) => c.qscan(a as never)],
    ['jscan', (c, a) => c.jscan(a as never)],
    ['jscanJobs', (c, a) => c.jscanJobs(a as never)],
    ['hello', (c) => c.hello()],
    ['info', (c, a) => c.info(a as string)],
    ['ping', (c, a) => c.ping(a as string)],
    ['auth', (c, a) => c.auth(a as string)],
    ['clusterNodes', (c) => c.clusterNodes()],
    ['clusterLeaving', (c) => c.clusterLeaving()],
    ['clusterForget', (c, a) => c.clusterForget(a as string)],
    ['clusterMyId', (c) => c.clusterMyId()],
    ['clusterInfo', (c) => c.clusterInfo()],
    ['call', (c, a, b) => c.call(a as string, b as string)],
    ['callBuffer', (c, a) => c.callBuffer(a as string)],
    // Non-blocking or bounded forms only: a GETJOB that blocks as asked is not a hang.
    ['getJob', (c, a, b) => c.getJob(a as string[], boundedGetJob(b) as never)],
    ['getJobBuffer', (c, a, b) => c.getJobBuffer(a as string[], boundedGetJob(b) as never)],
  ];
  const denied = /^(shutdown|debug|config|cluster|client|quit|monitor|subscribe|psubscribe)$/i;
  await run(
    fc.asyncProperty(
      fc.constantFrom(...calls),
      fc.oneof(
        q,
        jobIdLike,
        fc.array(q, { maxLength: 3 }),
        optionsOf(['cursor', 'count', 'busyLoop', 'minLen', 'maxLen', 'importRate', 'queue', 'states']),
      ),
      fc.oneof(
        q,
        jobIdLike,
        nastyNumber,
        fc.constantFrom('in', 'out', 'all', 'none', 'state'),
        optionsOf(['nohang', 'timeout', 'count', 'withCounters']),
      ),
      optionsOf(['timeout', 'replicate', 'delay', 'retry', 'ttl', 'maxLen', 'async', 'bcast']),
      async ([name, call], a, b, d) => {
        if (name.startsWith('call') && typeof a === 'string' && denied.test(a)) return true;
        return typed(`Connection.${name}`, () => call(conn, a, b, d));
      },
    ),
    IO * 4,
  );
  expect(untyped).toEqual([]);
});

/** GETJOB options made non-blocking (or bounded) when they are valid, left as they are otherwise. */
function boundedGetJob(options: unknown): unknown {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return options;
  return { ...options, timeout: 10 };
}

test('Bad input - oversized bodies and queue names round-trip or are refused with a typed error', async () => {
  await run(
    fc.asyncProperty(fc.nat({ max: 3 }), fc.boolean(), async (size, asBuffer) => {
      const length = [0, 1024, 1024 * 1024, 8 * 1024 * 1024][size] as number;
      const body = asBuffer ? Buffer.alloc(length, 7) : 'b'.repeat(length);
      return typed('oversized', async () => {
        const id = await conn.addJob('bad-input-big', body, { replicate: 1 });
        const info = await conn.showBuffer(id);
        if (info?.body?.length !== length)
          throw new Error(`body of ${length} bytes came back as ${info?.body?.length}`);
        await conn.delJob(id);
      });
    }),
    SLOW,
  );
  expect(untyped).toEqual([]);
});

test('Bad input - the cases the generators found, kept as examples', async () => {
  const argumentError = (fn: () => unknown): void => {
    expect(fn).toThrow(ArgumentError);
  };
  // An error reply whose first word is an Object.prototype key.
  expect(fromReplyError('toString x')).toBeInstanceOf(ReplyError);
  expect(fromReplyError('constructor')).toBeInstanceOf(ReplyError);
  expect(fromReplyError('__proto__ y').code).toBe('__proto__');
  // Not JSON-serialisable.
  argumentError(() => json().encode(1n));
  const cycle: Record<string, unknown> = {};
  cycle['self'] = cycle;
  argumentError(() => json().encode(cycle));
  // A URL whose password is badly percent-encoded: refused, and the password is not quoted.
  expect(() => parseAddress('disque://:s3%cret@h:1')).toThrow(ArgumentError);
  expect(() => parseAddress('disque://:s3%cret@h:1')).not.toThrow(/s3%cret/);
  // Values of the wrong type, including objects that cannot be turned into strings.
  argumentError(() => parseAddress(Object.create(null) as never));
  argumentError(() => parseAddress('', Symbol('n') as never));
  expect(parseNodeList('h:1', Symbol('n') as never)).toEqual([{ host: 'h', port: 1 }]);
  argumentError(() => new Pool({ nodes: [{} as never] }));
  argumentError(() => new Pool({ max: Object.create(null) as never }));
  argumentError(() => new Connection({ port: Object.create(null) as never, lazyConnect: true }));
  argumentError(() => connect(null as never));
  argumentError(() => jobIdNodePrefix(5 as never));
  argumentError(() => jobIdIsAtLeastOnce(null as never));
  expect(isJobId(null as never)).toBe(false);
  await expect(conn.call('PING', {} as never)).rejects.toThrow(ArgumentError);
  await expect(conn.call('PING', Object.create(null) as never)).rejects.toThrow(ArgumentError);
  await expect(conn.callBuffer('PING', NaN as never)).rejects.toThrow(ArgumentError);
  await expect(jobs.request('x', 'q', null as never)).rejects.toThrow(ArgumentError);
});
