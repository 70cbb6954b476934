import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { main as demo } from '../examples/demo.js';
import { main as producer } from '../examples/producer.js';
import { main as worker } from '../examples/worker.js';
import { main as priorities } from '../examples/priorities.js';
import { main as rpc } from '../examples/rpc.js';
import { disqueTarget } from './helpers/target.js';
import { createdQueues, drainCreatedQueues } from './helpers/cleanup.js';
import { parseNodeList } from '../src/address.js';

// The examples use DISQUE_NODES when set, else an embedded server.
const realNodes = disqueTarget(1);
afterAll(async () => {
  if (realNodes) await drainCreatedQueues(parseNodeList(realNodes.join(',')));
});

// Each example runs its main() in-process, against DISQUE_NODES or the embedded server it starts.
let logged: string[];
beforeEach(() => {
  logged = [];
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
});
afterEach(() => {
  jest.restoreAllMocks();
});

describe('examples', () => {
  test('run.mjs says that it compiles (and how long it took) before running an example', () => {
    const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'examples', 'run.mjs'), 'producer'], {
      env: { ...process.env, DISQUE_NODES: '' }, // its embedded server: nothing left on a real node
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^Compiling (src\/ and examples\/ with tsc \(first run|what changed)/);
    expect(run.stderr).toMatch(/Compiled in [\d.]+ s; running producer\./);
    expect(run.stdout).toMatch(/added 100 jobs to/);
  }, 120_000);

  test('demo: every job produced is processed, then the status table', async () => {
    let out = '';
    const result = await demo({ jobs: 2000, write: (t) => void (out += t), tty: false });
    expect(result).toMatchObject({ produced: 2000, processed: 2000, left: 0 });
    expect(out).toMatch(/Started an embedded 3-node Disque cluster|Using DISQUE_NODES/);
    expect(out).toMatch(/\[#{30}\] 100% {2}processed 2000\/2000 {2}produced 2000 {2}\d+ jobs\/s\n/);
    expect(out).toMatch(/2000 jobs produced and processed in [\d.]+ s: \d+ jobs\/s/);
    expect(out).toMatch(/\n\d\/\d nodes reachable, 1 queue\n\nNODE +ADDRESS +PRIO/);
    expect(out).toMatch(/\ndemo-\w+ +0 /);
    // IN/OUT can exceed the 2000 jobs (a job moved between nodes counts on each): the table says so.
    expect(out).toContain('The cluster now, as `disque-ts status` shows it:');
    expect(out).toContain('can exceed the number of jobs added.');
    expect(out).not.toContain('\r');
  });

  test('producer: adds the jobs with their options; the delayed one waits', async () => {
    const { ids, queued } = await producer(40);
    // The producer leaves its jobs queued: empty its queue on a real node when the file ends.
    const queue = /added \d+ jobs to (\S+);/.exec(logged.join('\n'))?.[1];
    if (queue) createdQueues.add(queue);
    expect(ids).toHaveLength(40);
    expect(queued).toBe(40);
    expect(logged[1]).toMatch(/state=queued retry=60000ms body=\{"to":"user0@example.com"/);
  });

  test('worker: processes every job and leaves the queue empty', async () => {
    expect(await worker(30)).toEqual({ processed: 30, left: 0 });
  });

  test('priorities: the most urgent queue first', async () => {
    expect(await priorities()).toEqual(['password reset', 'send invoice', 'weekly report', 'thumbnail']);
  });

  test('rpc: every request gets its own answer; no worker is a TimeoutError', async () => {
    expect(await rpc(3)).toEqual([0, 11, 22]);
    expect(logged).toContain('without a worker: TimeoutError');
  });
});
