import { EventEmitter } from 'node:events';
import { run, COMMANDS, type CliIo } from '../../src/cli/run.js';
import { startCluster, startServer, type ClusterHandle, type ServerHandle } from '../../src/server/index.js';
import { Connection } from '../../src/connection.js';
import { parseNodeList } from '../../src/address.js';
import { realClusterNodes } from '../helpers/cluster.js';
import { uniqueQueue } from '../helpers/disque.js';
import { drainCreatedQueues } from '../helpers/cleanup.js';
import { disqueTarget, embeddedServer, noServer } from '../helpers/target.js';

// The commands on one node run on DISQUE_NODES when it lists any; those that show or act on
// every node of a cluster need 3 (else an embedded cluster, and the run says so).
noServer('usage errors, and a dead port');
const realAny = disqueTarget(1, 'disque-ts CLI - jobs');
disqueTarget(1, 'disque-ts CLI - usage an argument the library refuses');
disqueTarget(1, 'disque-ts CLI - usage options before the command');
const realCluster = disqueTarget(3, 'disque-ts CLI - status, pause, top');
embeddedServer('runs its own servers', 'disque-ts CLI - server and meet');

let cluster: ClusterHandle | undefined;
/** The cluster: 3 real nodes, else an embedded one. */
let nodes: string;
/** Any node list: the real nodes when given, else the embedded cluster. */
let single: string;

beforeAll(async () => {
  const real = realCluster ? realClusterNodes() : undefined;
  if (!real) cluster = await startCluster({ nodes: 3 });
  nodes = (real ?? cluster?.nodes ?? []).map((n) => `${n.host}:${n.port}`).join(',');
  single = realAny ? realAny.join(',') : nodes;
});
afterAll(async () => {
  // Real nodes outlive the run: empty the queues the tests filled.
  if (realAny) await drainCreatedQueues(parseNodeList(realAny.join(',')));
  await cluster?.close();
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process; `extra` adds to (or replaces parts of) the io. */
async function cli(argv: string[], extra: Partial<CliIo> = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    ...extra,
  });
  return { code, stdout, stderr };
}

/** A string matched literally in a RegExp (job ids hold `+` and `/`). */
const esc = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The CLI against the test cluster. */
const on = (...argv: string[]): Promise<Result> => cli([...argv, '--nodes', nodes]);
/** The CLI against any node given (one is enough). */
const onAny = (...argv: string[]): Promise<Result> => cli([...argv, '--nodes', single]);

describe('disque-ts CLI - usage', () => {
  test('--help lists every command; every command has its own --help', async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    for (const c of COMMANDS) expect(main.stdout).toContain(c.name);
    for (const c of COMMANDS) {
      const help = await cli([c.name, '--help']);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toContain(`Usage: disque-ts ${c.name}`);
      expect(help.stdout).toContain('--json');
      expect(await cli(['help', c.name])).toEqual(help);
    }
    expect((await cli(['add', '--help'])).stdout).toContain('--retry <ms>');
  });

  test.each([
    [[], 'Usage: disque-ts'],
    [['frobnicate'], 'Unknown command `frobnicate`'],
    [['add', 'q'], '`add` takes 2 arguments'],
    [['status', '--bogus'], 'Unknown option `--bogus`'],
    [['add', 'q', 'body', '--retry', 'soon'], '`--retry` expects a duration'],
    [['add', 'q', 'body', '--retry'], '`--retry` needs a value'],
    [['get', 'q', '--count', '0'], '`--count` expects a whole number >= 1'],
    [['pause', 'q', 'sideways'], 'must be one of in, out, all, none, state'],
    [['jobs', '--state', 'lost'], '`--state` expects'],
    [['top', '--once=yes'], '`--once` takes no value'],
    [['add', 'q', 'body', '--retry', '--ttl', '1s'], '`--retry` needs a value (ms)'],
    [['get', 'q', '-x'], 'Unknown option `-x`'],
    [['--nodes'], '`--nodes` needs a value'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  test('an unknown command points at the main help, not at its own --help', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Run 'disque-ts --help' for usage.");
    expect(r.stderr).not.toContain('frobnicate --help');
    expect((await cli(['help', 'frobnicate'])).stderr).toContain("Run 'disque-ts --help' for usage.");
  });

  test('options before the command, short options, --no-flag and -- parse as before', async () => {
    const q = uniqueQueue('parse');
    expect((await cli(['--nodes', single, 'add', q, '--', '--body-with-dashes'])).code).toBe(0);
    const got = await cli(['--nodes', single, 'get', q, '-t', '5s', '-c1', '--no-ack', '--json']);
    expect(got.code).toBe(0);
    const { id, body } = JSON.parse(got.stdout) as { id: string; body: string };
    expect(body).toBe('--body-with-dashes');
    expect((await cli(['ack', id, `--nodes=${single}`])).stdout).toBe('acked 1\n');
  });

  test('an argument the library refuses is a usage error too', async () => {
    const r = await onAny('add', uniqueQueue(), 'body', '--retry', '1500');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('whole seconds');
  });

  test('no node reachable: exit 3, also as JSON on stderr with --json', async () => {
    const r = await cli(['status', '--nodes', '127.0.0.1:1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('NoNodeAvailableError');
    const j = await cli(['status', '--json'], { env: { DISQUE_NODES: '127.0.0.1:1' } });
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { name: 'NoNodeAvailableError', code: 'NONODE' } });
  });
});

describe('disque-ts CLI - jobs', () => {
  test('add, peek, get (prints and acks), and get with nothing queued exits 1', async () => {
    const q = uniqueQueue('cli');
    const added = await onAny('add', q, 'hello world', '--retry', '30s', '--ttl', '1h');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const id = added.stdout.trim();
    expect(id).toMatch(/^D-/);
    const peek = await onAny('peek', q);
    expect(peek.code).toBe(0);
    expect(peek.stdout).toMatch(new RegExp(`^ID +NODE +BODY\\n${esc(id)} +[0-9a-f]{8} +hello world\\n$`));
    const got = await onAny('get', q, '--timeout', '5s');
    expect(got).toMatchObject({ code: 0, stdout: `${id}  ${q}  hello world\n` });
    const none = await onAny('get', q, '--timeout', '100');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no job in ${q}`);
    expect((await onAny('peek', q, '--json')).stdout).toBe('[]\n');
  });

  test('get --no-ack leaves the job; ack acks it', async () => {
    const q = uniqueQueue('noack');
    const { stdout } = await onAny('add', q, 'x', '--json');
    const { id } = JSON.parse(stdout) as { id: string };
    const got = await onAny('get', q, '--timeout', '5000', '--no-ack', '--json');
    expect(JSON.parse(got.stdout)).toEqual({ id, queue: q, body: 'x' });
    const listed = await onAny('jobs', '--queue', q, '--json');
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, state: 'active' })]);
    expect(await onAny('ack', id)).toMatchObject({ code: 0, stdout: 'acked 1\n' });
    expect(await onAny('ack', id, '--json')).toMatchObject({ code: 0, stdout: '{"acked":0}\n' });
    expect((await onAny('ack', 'not-an-id')).code).toBe(2);
  });

  test('jobs lists one line per job, oldest first, by state', async () => {
    const q = uniqueQueue('list');
    const a = (await onAny('add', q, 'first')).stdout.trim();
    await new Promise((r) => setTimeout(r, 5));
    const b = (await onAny('add', q, 'second')).stdout.trim();
    const table = await onAny('jobs', '--queue', q);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +QUEUE +STATE +AGE +NACKS +COPIES +BODY$/);
    expect(table.stdout).toMatch(
      new RegExp(`${esc(a)} +${q} +queued .*first\\n${esc(b)} +${q} +queued .*second`),
    );
    expect((await onAny('jobs', '--queue', q, '--state', 'active')).stdout).toBe('(no jobs)\n');
    expect((await onAny('jobs', '--queue', q, '--limit', '1', '--json')).stdout).toContain(a);
    await onAny('ack', a, b);
  });

  test('a blocking get stops on Ctrl-C with exit 130', async () => {
    const controller = new AbortController();
    const pending = cli(['get', uniqueQueue('wait'), '--nodes', single], { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const r = await pending;
    expect(r.code).toBe(130);
  });
});

describe('disque-ts CLI - status, pause, top', () => {
  test('status prints both tables; --json the status object', async () => {
    const q = uniqueQueue('status');
    await on('add', q, 'one');
    await on('add', q, 'two');
    const r = await on('status');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`3/3 nodes reachable, ${lines[0]?.split(', ')[1]}`);
    expect(lines[2]).toMatch(/^NODE +ADDRESS +PRIO +REACHABLE +LEAVING +JOBS +QUEUES +MEMORY +CLIENTS$/);
    expect(lines.filter((l) => / yes +no +\d+ +\d+ +[\d.]+[BKMG] +\d+$/.test(l))).toHaveLength(3);
    expect(r.stdout).toMatch(new RegExp(`\\n${q} +2 +[-\\d]+ +[-\\d]+ +[-\\d]+ +0 +0 +2 +0 +none\\n`));
    const j = await on('status', q, '--json');
    const s = JSON.parse(j.stdout) as { nodes: unknown[]; queues: { name: string; len: number }[] };
    expect(s.nodes).toHaveLength(3);
    expect(s.queues).toEqual([expect.objectContaining({ name: q, len: 2 })]);
  });

  test('pause sets the state on every node; a paused queue refuses jobs (exit 1)', async () => {
    const q = uniqueQueue('pause');
    await on('add', q, 'x');
    const paused = await on('pause', q, 'in');
    expect(paused.code).toBe(0);
    expect(paused.stdout.match(/ in$/gm)).toHaveLength(3);
    const refused = await on('add', q, 'y');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PausedError');
    const state = await on('pause', q, 'state', '--json');
    const nodesState = (JSON.parse(state.stdout) as { nodes: { pause: string }[] }).nodes;
    expect(nodesState.map((n) => n.pause)).toEqual(['in', 'in', 'in']);
    expect((await on('pause', q, 'none')).stdout.match(/ none$/gm)).toHaveLength(3);
    expect((await on('add', q, 'z')).code).toBe(0);
  });

  test('top --once shows the rate of a busy queue', async () => {
    const q = uniqueQueue('top');
    let producing = true;
    const producer = (async () => {
      const conn = new Connection({
        host: nodes.split(',')[0]?.split(':')[0],
        port: Number(nodes.split(',')[0]?.split(':')[1]),
      });
      try {
        // A short TTL: the jobs go away by themselves, even on a shared real cluster.
        while (producing) await conn.addJob(q, 'x', { replicate: 1, ttl: 5000 });
      } finally {
        await conn.close();
      }
    })();
    try {
      const r = await on('top', '--once', '--interval', '400');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^disque-ts top {2}\d\d:\d\d:\d\d {2}nodes 3\/3 {2}queued \d+ {2}in [\d.]+\/s/,
      );
      expect(r.stdout).not.toContain('\x1b[');
      const row = r.stdout.split('\n').find((l) => l.startsWith(q)) ?? '';
      const [, len, inRate, outRate] = row.split(/ +/);
      expect(Number(len)).toBeGreaterThan(0);
      expect(Number(inRate)).toBeGreaterThan(0);
      expect(Number(outRate)).toBe(0);
      const j = await on('top', '--once', '--interval', '200', '--json');
      const frame = JSON.parse(j.stdout) as { queues: { name: string; inRate: number }[] };
      expect(frame.queues.find((x) => x.name === q)?.inRate).toBeGreaterThan(0);
    } finally {
      producing = false;
      await producer;
    }
  });

  test('top on a terminal redraws in place and quits on q', async () => {
    const keys = Object.assign(new EventEmitter(), {
      isTTY: true,
      raw: false,
      setRawMode(mode: boolean) {
        this.raw = mode;
      },
      resume: () => undefined,
      pause: () => undefined,
    });
    let frames = 0;
    let stdout = '';
    const code = await run(['top', '--interval', '50', '--nodes', nodes], {
      stdout: (t) => {
        stdout += t;
        if (t.includes('\x1b[H\x1b[2J') && ++frames === 2)
          setImmediate(() => keys.emit('data', Buffer.from('q')));
      },
      stderr: () => undefined,
      env: {},
      isTTY: true,
      rows: 40,
      stdin: keys,
    });
    expect(code).toBe(0);
    expect(frames).toBe(2);
    expect(stdout.startsWith('\x1b[?25l')).toBe(true);
    expect(stdout.endsWith('\x1b[?25h\n')).toBe(true);
    expect(stdout).toContain('(q to quit)');
    expect(keys.raw).toBe(false);
    expect(keys.listenerCount('data')).toBe(0);
  });
});

describe('disque-ts CLI - server and meet', () => {
  test('server runs a cluster until interrupted; other commands can use it', async () => {
    const controller = new AbortController();
    let stdout = '';
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const serving = run(['server', '--nodes', '2', '--port', '0'], {
      stdout: (t) => {
        stdout += t;
        if (t.includes('DISQUE_NODES=')) listening();
      },
      stderr: () => undefined,
      env: {},
      signal: controller.signal,
    });
    await ready;
    const list = /DISQUE_NODES=(\S+)/.exec(stdout)?.[1] ?? '';
    expect(list.split(',')).toHaveLength(2);
    const s = await cli(['status', '--json'], { env: { DISQUE_NODES: list } });
    expect((JSON.parse(s.stdout) as { nodes: unknown[] }).nodes).toHaveLength(2);
    controller.abort();
    expect(await serving).toBe(0);
    expect((await cli(['status'], { env: { DISQUE_NODES: list } })).code).toBe(3);
  });

  test('meet joins nodes given by host name to the --nodes seed', async () => {
    const servers: ServerHandle[] = [await startServer({ port: 0 }), await startServer({ port: 0 })];
    try {
      const [a, b] = servers as [ServerHandle, ServerHandle];
      const r = await cli([
        'meet',
        `localhost:${b.port}`,
        '--nodes',
        `127.0.0.1:${a.port}`,
        '--timeout',
        '10s',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`${b.nodeId.slice(0, 8)} +localhost +127\\.0\\.0\\.1 +${b.port} +yes`),
      );
      expect(r.stdout).toContain('2 nodes in the cluster; 1 joined now');
      const again = await cli(['meet', `127.0.0.1:${b.port}`, '--nodes', `127.0.0.1:${a.port}`, '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ met: [] });
      const bad = await cli([
        'meet',
        'no-such-host.invalid',
        '--nodes',
        `127.0.0.1:${a.port}`,
        '--timeout',
        '200',
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('no-such-host.invalid');
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
