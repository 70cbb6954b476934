import { main as demo } from '../examples/demo.js';
import { main as producer } from '../examples/producer.js';
import { main as worker } from '../examples/worker.js';
import { main as priorities } from '../examples/priorities.js';
import { main as rpc } from '../examples/rpc.js';
import { disqueTarget } from './helpers/target.js';

// The examples use DISQUE_NODES when set, else an embedded server.
disqueTarget(1);

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
  test('demo: every job produced is processed, then the status table', async () => {
    let out = '';
    const result = await demo({ jobs: 2000, write: (t) => void (out += t), tty: false });
    expect(result).toMatchObject({ produced: 2000, processed: 2000, left: 0 });
    expect(out).toMatch(/Started an embedded 3-node Disque cluster|Using DISQUE_NODES/);
    expect(out).toMatch(/\[#{30}\] 100% {2}processed 2000\/2000 {2}produced 2000 {2}\d+ jobs\/s\n/);
    expect(out).toMatch(/2000 jobs produced and processed in [\d.]+ s: \d+ jobs\/s/);
    expect(out).toMatch(/\n\d\/\d nodes reachable, 1 queue\n\nNODE +ADDRESS +PRIO/);
    expect(out).toMatch(/\ndemo-\w+ +0 /);
    expect(out).not.toContain('\r');
  });

  test('producer: adds the jobs with their options; the delayed one waits', async () => {
    const { ids, queued } = await producer(40);
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
