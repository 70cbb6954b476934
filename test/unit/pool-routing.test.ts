/**
 * Consumer routing (src/pool/routing.ts) on its own: a ClusterView of plain NodeStates and a fake
 * `fetch` that answers from a script, with the clock faked so that a blocking GETJOB "takes" its
 * TIMEOUT without any wait. Checks slicing, affinity switches and detours.
 */
import { Affinity } from '../../src/affinity.js';
import type { GetJobOptions } from '../../src/commands/getjob.js';
import * as C from '../../src/commands/index.js';
import type { Arg } from '../../src/commands/types.js';
import type { Job } from '../../src/job.js';
import { ClusterView, type NodeState } from '../../src/nodes.js';
import { ConsumerRouting, type NodeSwitch, type Prefer } from '../../src/pool/routing.js';
import { noServer } from '../helpers/target.js';

noServer();

const PREFIX = ['aaaaaaaa', 'bbbbbbbb', 'cccccccc'] as const;

/** A job created by the node with this id prefix. */
const job = (prefix: string, n = 0): Job => ({
  id: `D-${prefix}-${String(n).padStart(24, '0')}-05a1`,
  queue: 'q',
  body: 'x',
});

/** What one fetch saw: its options, argv and the node its `prefer` named. */
interface Fetch {
  readonly options: GetJobOptions;
  readonly argv: Arg[];
  readonly preferred: NodeState | undefined;
}

interface Setup {
  readonly routing: ConsumerRouting;
  readonly nodes: NodeState[];
  readonly fetches: Fetch[];
  readonly switches: NodeSwitch[];
  /** QLEN asked, as "prefix queue". */
  readonly qlens: string[];
  /** Replies of the next fetches, in order; an empty reply once the script runs out. */
  readonly replies: Job[][];
  /** Jobs each node holds, by prefix (what QLEN answers). */
  readonly held: Map<string, number>;
  closing: boolean;
}

function setup(count = 3): Setup {
  const view = new ClusterView(Array.from({ length: count }, (_, i) => ({ host: 'h', port: 7711 + i })));
  const nodes = view.all();
  nodes.forEach((n, i) => (n.id = `${PREFIX[i]}${'0'.repeat(32)}`));
  const s: Setup = {
    routing: undefined as unknown as ConsumerRouting,
    nodes,
    fetches: [],
    switches: [],
    qlens: [],
    replies: [],
    held: new Map(),
    closing: false,
  };
  (s as { routing: ConsumerRouting }).routing = new ConsumerRouting(view, {
    fetch: <B>(
      _command: unknown,
      _queues: readonly (string | Buffer)[],
      options: GetJobOptions,
      argv: Arg[],
      prefer: Prefer,
    ): Promise<Job<B>[]> => {
      s.fetches.push({ options, argv, preferred: prefer(new Set()) });
      const reply = s.replies.shift() ?? [];
      // An empty blocking GETJOB returns when its TIMEOUT passed.
      if (reply.length === 0 && !options.nohang && options.timeout)
        jest.setSystemTime(Date.now() + options.timeout);
      return Promise.resolve(reply as Job<B>[]);
    },
    queueLength: (node, queue) => {
      const prefix = (node.id ?? '').slice(0, 8);
      s.qlens.push(`${prefix} ${String(queue)}`);
      return Promise.resolve(s.held.get(prefix) ?? 0);
    },
    switched: (change) => s.switches.push(change),
    closing: () => s.closing,
  });
  return s;
}

const getJob = (s: Setup, options: GetJobOptions, affinity?: Affinity, queues = ['q']): Promise<Job[]> =>
  s.routing.getJob(C.GETJOB, queues, options, C.GETJOB.args(queues, options), undefined, affinity);

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('ConsumerRouting - without affinity', () => {
  test('one GETJOB as asked, on no preferred node (the pool chooses)', async () => {
    const s = setup();
    s.replies.push([job(PREFIX[0])]);
    const jobs = await getJob(s, { timeout: 5000 });
    expect(jobs).toHaveLength(1);
    expect(s.fetches).toEqual([
      { options: { timeout: 5000 }, argv: ['GETJOB', 'TIMEOUT', 5000, 'FROM', 'q'], preferred: undefined },
    ]);
  });

  test('a disabled affinity, or a single node, is not followed: the wait is not sliced', async () => {
    const s = setup();
    expect(await getJob(s, { timeout: 5000 }, new Affinity({ enabled: false }))).toEqual([]);
    const one = setup(1);
    expect(await getJob(one, { timeout: 5000 }, new Affinity())).toEqual([]);
    expect(s.fetches.map((f) => f.options)).toEqual([{ timeout: 5000 }]);
    expect(one.fetches.map((f) => f.options)).toEqual([{ timeout: 5000 }]);
    expect(s.qlens).toEqual([]);
  });
});

describe('ConsumerRouting - with affinity on a cluster', () => {
  test('a long wait is cut into slices of a second, the last one the remainder, each with its own TIMEOUT', async () => {
    const s = setup();
    const jobs = await getJob(s, { timeout: 2500 }, new Affinity());
    expect(jobs).toEqual([]);
    expect(s.fetches.map((f) => f.options.timeout)).toEqual([1000, 1000, 500]);
    expect(s.fetches.map((f) => f.argv)).toEqual([
      ['GETJOB', 'TIMEOUT', 1000, 'FROM', 'q'],
      ['GETJOB', 'TIMEOUT', 1000, 'FROM', 'q'],
      ['GETJOB', 'TIMEOUT', 500, 'FROM', 'q'],
    ]);
  });

  test('the first slice with jobs ends the call; a NOHANG call is one GETJOB', async () => {
    const s = setup();
    s.replies.push([], [job(PREFIX[1])]);
    expect(await getJob(s, { timeout: 0 }, new Affinity())).toHaveLength(1); // 0: wait for ever
    expect(s.fetches).toHaveLength(2);
    const n = setup();
    expect(await getJob(n, { nohang: true }, new Affinity())).toEqual([]);
    expect(n.fetches.map((f) => f.argv)).toEqual([['GETJOB', 'NOHANG', 'FROM', 'q']]);
  });

  test('jobs from one node move the consumer there (node:switch), and later calls prefer it', async () => {
    const s = setup();
    const affinity = new Affinity({ minSamples: 3 });
    s.replies.push([job(PREFIX[2], 1), job(PREFIX[2], 2), job(PREFIX[1], 3)]);
    await getJob(s, { timeout: 1000 }, affinity);
    expect(s.switches).toEqual([{ from: undefined, to: PREFIX[2] }]);
    expect(affinity.preferred).toBe(PREFIX[2]);
    s.replies.push([job(PREFIX[2], 4)]);
    await getJob(s, { timeout: 1000 }, affinity);
    expect(s.fetches[1]?.preferred).toBe(s.nodes[2]);
    expect(s.switches).toHaveLength(1); // still the leader: no second switch
  });

  test('an empty slice while another node holds jobs sends the consumer on a detour to the node with the most', async () => {
    const s = setup();
    const affinity = new Affinity();
    affinity.preferred = PREFIX[0];
    s.held.set(PREFIX[1], 2).set(PREFIX[2], 7);
    s.replies.push([], [job(PREFIX[2])]);
    await getJob(s, { timeout: 5000 }, affinity, ['q', 'r']);
    // Every usable node was asked for every queue.
    expect([...s.qlens].sort()).toEqual(PREFIX.flatMap((p) => [`${p} q`, `${p} r`]).sort());
    expect(s.fetches.map((f) => f.preferred)).toEqual([s.nodes[0], s.nodes[2]]);
  });

  test('no detour while the preferred node has jobs, nor when the pool is closing, nor to a node not usable', async () => {
    const home = setup();
    const a1 = new Affinity();
    a1.preferred = PREFIX[0];
    home.held.set(PREFIX[0], 1).set(PREFIX[1], 50);
    await getJob(home, { timeout: 2000 }, a1);
    expect(home.fetches.map((f) => f.preferred)).toEqual([home.nodes[0], home.nodes[0]]);

    const closing = setup();
    const a2 = new Affinity();
    a2.preferred = PREFIX[0];
    closing.held.set(PREFIX[1], 5);
    closing.closing = true;
    await getJob(closing, { timeout: 2000 }, a2);
    expect(closing.fetches.map((f) => f.preferred)).toEqual([closing.nodes[0], closing.nodes[0]]);

    const leaving = setup();
    const a3 = new Affinity();
    a3.preferred = PREFIX[0];
    leaving.held.set(PREFIX[1], 5);
    (leaving.nodes[1] as NodeState).leaving = true;
    await getJob(leaving, { timeout: 2000 }, a3);
    expect(leaving.qlens.some((q) => q.startsWith(PREFIX[1]))).toBe(false); // not even asked
    expect(leaving.fetches.map((f) => f.preferred)).toEqual([leaving.nodes[0], leaving.nodes[0]]);
  });

  test('a detour ends when its node comes back empty too', async () => {
    const s = setup();
    const affinity = new Affinity();
    affinity.preferred = PREFIX[0];
    s.held.set(PREFIX[1], 3);
    await getJob(s, { timeout: 1000 }, affinity); // empty at home, jobs on b: detour to b
    s.held.clear(); // taken by others meanwhile
    await getJob(s, { timeout: 2000 }, affinity); // empty on b: back home for the next slice
    expect(s.fetches.map((f) => f.preferred)).toEqual([s.nodes[0], s.nodes[1], s.nodes[0]]);
  });

  test('a consumer looks for jobs elsewhere at most once a second', async () => {
    const s = setup();
    const affinity = new Affinity();
    affinity.preferred = PREFIX[0];
    // NOHANG calls take no time: only the first of these looks (QLEN on the 3 nodes).
    await getJob(s, { nohang: true }, affinity);
    await getJob(s, { nohang: true }, affinity);
    expect(s.qlens).toHaveLength(3);
    jest.setSystemTime(Date.now() + 1000);
    await getJob(s, { nohang: true }, affinity);
    expect(s.qlens).toHaveLength(6);
  });
});
