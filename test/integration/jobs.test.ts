import { spawn } from 'node:child_process';
import path from 'node:path';
import { connect, type Jobs } from '../../src/jobs.js';
import { buffer, DecodeError, json } from '../../src/codec.js';
import { ArgumentError, TimeoutError } from '../../src/errors.js';
import { startTestDisque, uniqueQueue, type TestDisque } from '../helpers/disque.js';

let disque: TestDisque;
const handles: Jobs<unknown>[] = [];

beforeAll(async () => {
  disque = await startTestDisque();
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await disque.close();
});

const seeds = () => disque.nodes.map((n) => `${n.host}:${n.port}`).join(',');
/**
 * A handle on the first node only. Queue order is a per-node property in Disque: on a cluster,
 * jobs added on different nodes reach a consumer in whatever order federation moves them.
 */
function single(): Jobs<string> {
  const jobs = connect({ nodes: seeds().split(',')[0], discover: false, defaults: { replicate: 1 } });
  handles.push(jobs as Jobs<unknown>);
  return jobs;
}

function open(): Jobs<string> {
  // REPLICATE 1 keeps the tests alike on one node and on a cluster.
  const jobs = connect({ nodes: seeds(), defaults: { replicate: 1 } });
  handles.push(jobs as Jobs<unknown>);
  return jobs;
}

describe('Jobs - options', () => {
  test('every option reaches the server', async () => {
    const jobs = open();
    const q = uniqueQueue();
    const id = await jobs.timeout(2000).delay(1000).retry(7000).ttl(60_000).maxLen(100).add('x', q);
    const info = await jobs.show(id);
    expect(info).toMatchObject({
      queue: q,
      state: 'active',
      replicate: 1,
      delay: 1000,
      retry: 7000,
      body: 'x',
    });
    expect(info?.ttl).toBeLessThanOrEqual(60_000);
    expect(info?.ttl).toBeGreaterThan(50_000);
    const asyncId = await jobs.async().add('y', q);
    expect((await jobs.show(asyncId))?.state).toBe('queued');
    await jobs.fastAck(id, asyncId);
  });

  test('chaining never mutates the parent handle; use() sets defaults, with() derives', () => {
    const jobs = open();
    const a = jobs.retry(5000);
    const b = a.ttl(60_000).replicate(1);
    expect(jobs.config).toEqual({ replicate: 1 });
    expect(a.config).toEqual({ replicate: 1, retry: 5000 });
    expect(b.config).toEqual({ replicate: 1, retry: 5000, ttl: 60_000 });
    const derived = a.with({ delay: 2000 });
    expect(a.config).toEqual({ replicate: 1, retry: 5000 });
    expect(derived.config).toMatchObject({ delay: 2000, retry: 5000 });
    expect(a.use({ maxLen: 3 })).toBe(a);
    expect(a.config).toEqual({ replicate: 1, retry: 5000, maxLen: 3 });
    expect(b.config).not.toHaveProperty('maxLen');
  });

  test('bad options are ArgumentErrors naming the option', async () => {
    const jobs = open();
    expect(() => jobs.retry(1500)).toThrow(expect.objectContaining({ argument: 'retry' }));
    expect(() => jobs.replicate(0)).toThrow(ArgumentError);
    expect(() => jobs.with({ colour: 1 } as never)).toThrow(
      expect.objectContaining({ argument: 'config.colour' }),
    );
    await expect(jobs.add('x', '')).rejects.toThrow(expect.objectContaining({ argument: 'queue' }));
    await expect(jobs.add(42 as unknown as string, 'q')).rejects.toThrow(
      expect.objectContaining({ argument: 'data' }),
    );
    await expect(jobs.ack('not-an-id')).rejects.toBeInstanceOf(ArgumentError);
  });
});

describe('Jobs - consuming', () => {
  test('get serves queues in the priority order given', async () => {
    const jobs = single();
    const [high, low] = [uniqueQueue('high'), uniqueQueue('low')];
    await jobs.add('low 1', low);
    await jobs.add('high 1', high);
    const first = await jobs.get(high, low);
    const second = await jobs.get(high, low);
    expect([first.body, second.body]).toEqual(['high 1', 'low 1']);
    await jobs.ack(first, second);
  });

  test('get blocks until a job comes; with a timeout it rejects with TimeoutError', async () => {
    const jobs = open();
    const q = uniqueQueue();
    const pending = jobs.get(q);
    setTimeout(() => void jobs.add('late', q), 50);
    const job = await pending;
    expect(job.body).toBe('late');
    await jobs.ack(job);
    await expect(jobs.timeout(200).get(q)).rejects.toBeInstanceOf(TimeoutError);
  });

  test('tryGet never blocks; getMany takes several; len and peek', async () => {
    const jobs = single();
    const q = uniqueQueue();
    expect(await jobs.tryGet(q)).toBeNull();
    for (const body of ['a', 'b', 'c']) await jobs.add(body, q);
    expect(await jobs.len(q)).toBe(3);
    expect((await jobs.peek(q, 2)).map((j) => j.body)).toEqual(['a', 'b']);
    const many = await jobs.getMany(2, q);
    expect(many.map((j) => j.body)).toEqual(['a', 'b']);
    expect(await jobs.ack(...many)).toBe(2);
    const last = await jobs.tryGet(q);
    expect(last?.body).toBe('c');
    expect(await jobs.nack(last as { id: string })).toBe(1);
    const again = await jobs.tryGet(q);
    expect(again?.id).toBe(last?.id);
    expect(await jobs.working(again as { id: string })).toBeGreaterThan(0);
    await jobs.ack(again as { id: string });
  });

  test('getMany without a count takes the handle count (count(n)), else one', async () => {
    const jobs = single();
    const q = uniqueQueue();
    for (const body of ['a', 'b', 'c', 'd']) await jobs.add(body, q);
    const three = await jobs.count(3).getMany(q);
    expect(three.map((j) => j.body)).toEqual(['a', 'b', 'c']);
    const one = await jobs.getMany(q);
    expect(one.map((j) => j.body)).toEqual(['d']);
    await jobs.ack(...three, ...one);
    await expect(jobs.getMany(0, q)).rejects.toMatchObject({ argument: 'count' });
  });

  test('an abort signal stops a blocked get', async () => {
    const jobs = open();
    const controller = new AbortController();
    const pending = jobs.signal(controller.signal).get(uniqueQueue());
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
  });
});

describe('Jobs - wait', () => {
  test('resolves after another client acks the job', async () => {
    const jobs = open();
    const worker = open();
    const q = uniqueQueue();
    const id = await jobs.add('task', q);
    let done = false;
    const waiting = jobs.wait(id, { timeout: 10_000 }).then(() => {
      done = true;
    });
    const job = await worker.get(q);
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false); // taken, not yet acknowledged
    await worker.ack(job);
    await waiting;
    expect(done).toBe(true);
  });

  test('times out while nobody acks', async () => {
    const jobs = open();
    const id = await jobs.add('task', uniqueQueue());
    await expect(jobs.wait(id, { timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
    await jobs.fastAck(id);
  });
});

describe('Jobs - codecs', () => {
  test('typed JSON bodies', async () => {
    const jobs = connect({ nodes: seeds(), codec: json<{ n: number }>(), defaults: { replicate: 1 } });
    handles.push(jobs as Jobs<unknown>);
    const q = uniqueQueue();
    await jobs.add({ n: 42 }, q);
    const job = await jobs.get(q);
    expect(job.body.n).toBe(42);
    await jobs.ack(job);
  });

  test('a body that fails to decode is a DecodeError carrying the job, which is not lost', async () => {
    const plain = open();
    const typed = connect({ nodes: seeds(), codec: json<unknown>(), defaults: { replicate: 1 } });
    handles.push(typed);
    const q = uniqueQueue();
    const id = await plain.add('{not json', q);
    const err = await typed.get(q).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).job).toMatchObject({ id, queue: q, body: '{not json' });
    expect((await plain.show(id))?.state).toBe('active');
    await plain.fastAck(id);
  });

  test('binary bodies round-trip through the buffer codec', async () => {
    const jobs = connect({ nodes: seeds(), codec: buffer(), defaults: { replicate: 1 } });
    handles.push(jobs as Jobs<unknown>);
    const q = uniqueQueue();
    const body = Buffer.from([0, 1, 254, 255, 13, 10]);
    await jobs.add(body, q);
    const job = await jobs.get(q);
    expect(job.body.equals(body)).toBe(true);
    await jobs.ack(job);
  });
});

describe('Jobs - request/reply', () => {
  test('a worker in another process answers on the queue named after the request id', async () => {
    const jobs = open();
    const q = uniqueQueue('rpc');
    const node = disque.nodes[0];
    const worker = spawn(
      process.execPath,
      [path.join(__dirname, '..', 'fixtures', 'reply-worker.cjs'), node?.host ?? '', String(node?.port), q],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const exited = new Promise((resolve) => worker.on('exit', resolve));
    try {
      expect(await jobs.request('[1,2,3]', q, { timeout: 10_000 })).toBe('6');
      expect(await exited).toBe(0);
    } finally {
      worker.kill();
    }
  });

  test('reply() answers from this SDK; a request nobody takes times out and is withdrawn', async () => {
    const client = open();
    const server = open();
    const q = uniqueQueue('rpc');
    const answering = (async () => {
      const job = await server.get(q);
      await server.reply(job, job.body.toUpperCase());
    })();
    expect(await client.request('ping', q, { timeout: 5000 })).toBe('PING');
    await answering;
    const lonely = uniqueQueue('nobody');
    await expect(client.request('hello?', lonely, { timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
    expect(await client.len(lonely)).toBe(0);
  });
});

describe('Jobs - status and list', () => {
  test('status shows the queue with its length; list finds its jobs by state', async () => {
    const jobs = single();
    const q = uniqueQueue('status');
    const ids = [await jobs.add('a', q), await jobs.add('b', q)];
    const report = await jobs.status({ queues: [q] });
    expect(report.nodes.some((n) => n.reachable && n.id !== undefined)).toBe(true);
    expect(report.queues.find((s) => s.name === q)).toMatchObject({ len: 2, pause: 'none' });
    const listed = await jobs.list({ queue: q, states: ['queued'] });
    expect(listed.map((j) => j.id).sort()).toEqual([...ids].sort());
    await jobs.fastAck(...ids);
  });
});
