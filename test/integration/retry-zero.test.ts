import { connect, type Jobs } from '../../src/jobs.js';
import { ArgumentError } from '../../src/errors.js';
import { jobIdIsAtLeastOnce } from '../../src/job-id.js';
import { run } from '../../src/cli/run.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { uniqueQueue } from '../helpers/disque.js';

// RETRY 0 (at most once) on a 3-node cluster, where Disque's default REPLICATE is 3 and it
// refuses RETRY 0 unless REPLICATE 1 is explicit.
let cluster: TestCluster;
let jobs: Jobs;

beforeAll(async () => {
  cluster = await startTestCluster();
  jobs = connect({ nodes: cluster.seeds, natMap: cluster.natMap });
});
afterAll(async () => {
  await jobs.close();
  await cluster.close();
});

describe('RETRY 0 works as documented', () => {
  test('jobs.retry(0).add() adds an at-most-once job (one copy)', async () => {
    const q = uniqueQueue('retry0');
    const id = await jobs.retry(0).add('once', q);
    expect(jobIdIsAtLeastOnce(id)).toBe(false);
    const shown = await jobs.show(id);
    expect(shown?.retry).toBe(0);
    expect(shown?.replicate).toBe(1);
    const job = await jobs.timeout(5000).get(q);
    expect(job.body).toBe('once');
    await jobs.ack(job);
  });

  test('retry 0 with replicate 2 is refused before anything is sent, naming replicate', async () => {
    const q = uniqueQueue('retry0');
    await expect(jobs.retry(0).replicate(2).add('x', q)).rejects.toThrow(ArgumentError);
    await expect(jobs.retry(0).replicate(2).add('x', q)).rejects.toThrow(/replicate.*retry.*0/);
    expect(await jobs.len(q)).toBe(0);
  });

  test('disque-ts add q x --retry 0 prints the id', async () => {
    const q = uniqueQueue('retry0');
    let stdout = '';
    let stderr = '';
    const code = await run(['add', q, 'x', '--retry', '0', '--nodes', cluster.seeds], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: {},
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(jobIdIsAtLeastOnce(stdout.trim())).toBe(false);
    await jobs.ack(stdout.trim());
  });
});
