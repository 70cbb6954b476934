import { Connection } from '../../src/connection.js';
import {
  ArgumentError,
  BadIdError,
  ConnectionError,
  NoJobError,
  PausedError,
  MaxLenError,
  ReplyError,
} from '../../src/errors.js';
import { isJobId, jobIdNodePrefix } from '../../src/job-id.js';
import { startTestDisque, uniqueQueue, type TestDisque } from '../helpers/disque.js';

let disque: TestDisque;
let conn: Connection;

beforeAll(async () => {
  disque = await startTestDisque();
  conn = disque.connect();
});
afterAll(() => disque.close());

/** Adds a job kept on this node only, so the tests behave alike on one node and on a cluster. */
const add = (queue: string, body: string | Buffer = 'body', options = {}) =>
  conn.addJob(queue, body, { replicate: 1, ...options });

describe('Connection - server commands', () => {
  test('ping answers PONG, or echoes a message', async () => {
    expect(await conn.ping()).toBe('PONG');
    expect(await conn.ping('hello')).toBe('hello');
  });

  test('hello lists this node with its id and priority', async () => {
    const hello = await conn.hello();
    expect(hello.version).toBe(1);
    expect(hello.nodeId).toMatch(/^[0-9a-f]{40}$/);
    const me = hello.nodes.find((n) => n.id === hello.nodeId);
    expect(me).toBeDefined();
    expect(me?.port).toBe(disque.nodes[0]?.port);
    expect(me?.priority).toBe(1);
  });

  test('info is parsed into sections', async () => {
    const info = await conn.info();
    expect(info['server']?.['disque_version']).toMatch(/\d/);
    expect(Number(info['jobs']?.['registered_jobs'])).toBeGreaterThanOrEqual(0);
    const queues = await conn.info('queues');
    expect(Object.keys(queues)).toEqual(['queues']);
  });

  test('clusterMyId matches hello; clusterNodes lists myself', async () => {
    const id = await conn.clusterMyId();
    expect(id).toBe((await conn.hello()).nodeId);
    const nodes = await conn.clusterNodes();
    const me = nodes.find((n) => n.id === id);
    expect(me?.flags).toContain('myself');
    expect((await conn.clusterInfo())['cluster_known_nodes']).toMatch(/^\d+$/);
  });

  test('clusterLeaving reads and sets the leaving state', async () => {
    expect(await conn.clusterLeaving()).toBe(false);
    expect(await conn.clusterLeaving(true)).toBe('OK');
    try {
      expect(await conn.clusterLeaving()).toBe(true);
    } finally {
      await conn.clusterLeaving(false);
    }
    expect(await conn.clusterLeaving()).toBe(false);
  });

  test('clusterForget refuses to forget this node; clusterMeet validates its port', async () => {
    const id = await conn.clusterMyId();
    await expect(conn.clusterForget(id)).rejects.toThrow(/can't forget myself/);
    await expect(conn.clusterMeet('127.0.0.1', 0)).rejects.toBeInstanceOf(ArgumentError);
  });

  test('auth without a configured password is a ReplyError', async () => {
    await expect(conn.auth('x')).rejects.toThrow(ReplyError);
    await expect(conn.auth('x')).rejects.toThrow(/no password is set/);
  });

  test('call is a raw escape hatch', async () => {
    expect(await conn.call('PING')).toBe('PONG');
    await expect(conn.call('NOSUCHCOMMAND')).rejects.toThrow(/unknown command/);
  });
});

describe('Connection - jobs', () => {
  test('addJob returns an id carrying the node prefix; getJob delivers it; ackJob removes it', async () => {
    const q = uniqueQueue();
    const id = await add(q, 'hello');
    expect(isJobId(id)).toBe(true);
    expect(jobIdNodePrefix(id)).toBe((await conn.hello()).nodeId.slice(0, 8));
    const jobs = await conn.getJob([q], { nohang: true });
    expect(jobs).toEqual([{ id, queue: q, body: 'hello' }]);
    expect(await conn.ackJob(id)).toBe(1);
    expect(await conn.ackJob(id)).toBe(0);
  });

  test('getJob with NOHANG on an empty queue resolves to []', async () => {
    expect(await conn.getJob([uniqueQueue()], { nohang: true })).toEqual([]);
  });

  test('getJob with a timeout resolves to [] when nothing comes', async () => {
    expect(await conn.getJob([uniqueQueue()], { timeout: 100 })).toEqual([]);
  });

  test('getJob serves queues left to right and COUNT round-robin', async () => {
    const [a, b] = [uniqueQueue('a'), uniqueQueue('b')];
    await add(b, 'b1');
    await add(a, 'a1');
    await add(a, 'a2');
    const first = await conn.getJob([a, b], { nohang: true });
    expect(first.map((j) => j.body)).toEqual(['a1']);
    const rest = await conn.getJob([a, b], { nohang: true, count: 5 });
    expect(rest.map((j) => j.body)).toEqual(['a2', 'b1']);
  });

  test('a blocked getJob is served by a job added from another connection', async () => {
    const q = uniqueQueue();
    const consumer = disque.connect();
    const pending = consumer.getJob([q], { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    const id = await add(q, 'late');
    const jobs = await pending;
    expect(jobs.map((j) => j.id)).toEqual([id]);
  });

  test('withCounters reports nacks and additional deliveries', async () => {
    const q = uniqueQueue();
    const id = await add(q);
    await conn.getJob([q], { nohang: true });
    expect(await conn.nack(id)).toBe(1);
    const [job] = await conn.getJob([q], { nohang: true, withCounters: true });
    expect(job).toEqual({ id, queue: q, body: 'body', nacks: 1, additionalDeliveries: 0 });
  });

  test('a binary body round-trips byte for byte', async () => {
    const q = uniqueQueue();
    const body = Buffer.from([0, 255, 13, 10, 128, 36, 42, 0xc3, 0x28]);
    const id = await add(q, body);
    const [job] = await conn.getJobBuffer([q], { nohang: true });
    expect(job?.id).toBe(id);
    expect(Buffer.compare(job?.body ?? Buffer.alloc(0), body)).toBe(0);
    expect((await conn.showBuffer(id))?.body?.equals(body)).toBe(true);
    await conn.ackJob(id);
  });

  test('show reports every field, in milliseconds, with ctime as a bigint', async () => {
    const q = uniqueQueue();
    const before = Date.now();
    const id = await add(q, 'x', { retry: 7000, ttl: 600_000 });
    const info = await conn.show(id);
    expect(info).toMatchObject({
      id,
      queue: q,
      state: 'queued',
      replicate: 1,
      delay: 0,
      retry: 7000,
      nacks: 0,
      additionalDeliveries: 0,
      nodesConfirmed: [],
      body: 'x',
      extra: {},
    });
    expect(info?.ttl).toBeGreaterThan(590_000);
    expect(info?.ttl).toBeLessThanOrEqual(600_000);
    expect(typeof info?.ctime).toBe('bigint');
    expect(info?.ctime).toBeGreaterThan(2n ** 53n);
    expect(info?.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(info?.nodesDelivered).toEqual([await conn.clusterMyId()]);
    expect(await conn.show('D-00000000-000000000000000000000000-0001')).toBeNull();
  });

  test('addJob options reach the server', async () => {
    const q = uniqueQueue();
    const id = await add(q, 'd', { delay: 1500, ttl: 10_000, retry: 2000, maxLen: 10, async: true });
    const info = await conn.show(id);
    expect(info).toMatchObject({ state: 'active', delay: 2000, retry: 2000 });
    expect(await conn.qlen(q)).toBe(0);
    await conn.delJob(id);
  });

  test('maxLen refuses a job when the queue is full', async () => {
    const q = uniqueQueue();
    await add(q, '1');
    await expect(add(q, '2', { maxLen: 1 })).rejects.toBeInstanceOf(MaxLenError);
  });

  test('working postpones redelivery and returns the retry in ms; unknown job is NoJobError', async () => {
    const q = uniqueQueue();
    const id = await add(q, 'w', { retry: 30_000 });
    await conn.getJob([q], { nohang: true });
    expect(await conn.working(id)).toBe(30_000);
    await expect(conn.working('D-00000000-000000000000000000000000-0001')).rejects.toBeInstanceOf(NoJobError);
    await conn.ackJob(id);
  });

  test('fastAck deletes at once', async () => {
    const q = uniqueQueue();
    const id = await add(q);
    expect(await conn.fastAck(id)).toBe(1);
    expect(await conn.show(id)).toBeNull();
  });

  test('dequeue, enqueue and delJob move and delete jobs', async () => {
    const q = uniqueQueue();
    const id = await add(q);
    expect(await conn.dequeue(id)).toBe(1);
    expect(await conn.qlen(q)).toBe(0);
    expect(await conn.enqueue(id)).toBe(1);
    expect(await conn.qlen(q)).toBe(1);
    expect(await conn.delJob(id)).toBe(1);
    expect(await conn.qlen(q)).toBe(0);
  });

  test('commands taking ids accept none and answer 0', async () => {
    expect(await conn.ackJob()).toBe(0);
    expect(await conn.nack()).toBe(0);
  });

  test('a malformed id is refused before sending; a server-side BADID is typed', async () => {
    await expect(conn.ackJob('nope')).rejects.toBeInstanceOf(ArgumentError);
    await expect(conn.call('ACKJOB', 'nope')).rejects.toBeInstanceOf(BadIdError);
  });
});

describe('Connection - queues', () => {
  test('qlen, qpeek (both directions) and qstat', async () => {
    const q = uniqueQueue();
    const ids = [await add(q, '1'), await add(q, '2'), await add(q, '3')];
    expect(await conn.qlen(q)).toBe(3);
    expect((await conn.qpeek(q, 2)).map((j) => j.id)).toEqual(ids.slice(0, 2));
    expect((await conn.qpeek(q, -1)).map((j) => j.id)).toEqual([ids[2]]);
    expect((await conn.qpeekBuffer(q, 1))[0]?.body).toEqual(Buffer.from('1'));
    expect(await conn.qpeek(uniqueQueue(), 5)).toEqual([]);
    const stat = await conn.qstat(q);
    expect(stat).toMatchObject({
      name: q,
      len: 3,
      blocked: 0,
      jobsIn: 3,
      jobsOut: 0,
      pause: 'none',
      importFrom: [],
    });
    expect(await conn.qstat(uniqueQueue())).toBeNull();
    await conn.delJob(...ids);
  });

  test('pause sets and reads the state; a paused queue refuses jobs', async () => {
    const q = uniqueQueue();
    expect(await conn.pause(q, 'state')).toBe('none');
    expect(await conn.pause(q, 'in')).toBe('in');
    await expect(add(q)).rejects.toBeInstanceOf(PausedError);
    expect(await conn.pause(q, 'out')).toBe('out');
    expect(await conn.pause(q, 'none', { bcast: true })).toBe('none');
  });

  test('qscan and its iterator find queues; jscan and its iterators find jobs', async () => {
    const q = uniqueQueue();
    const ids = [await add(q, '1'), await add(q, '2')];
    const page = await conn.qscan({ count: 10, minLen: 2 });
    expect(typeof page.cursor).toBe('string');
    const queues: string[] = [];
    for await (const name of conn.scanQueues({ minLen: 2, count: 5 })) queues.push(name);
    expect(queues).toContain(q);
    const found: string[] = [];
    for await (const id of conn.scanJobIds({ queue: q, states: ['queued'] })) found.push(id);
    expect(found.sort()).toEqual([...ids].sort());
    const jobs = [];
    for await (const job of conn.scanJobs({ queue: q, busyLoop: true })) jobs.push(job);
    expect(jobs.map((j) => j.body).sort()).toEqual(['1', '2']);
    const one = await conn.jscan({ queue: q, busyLoop: true });
    expect(one.cursor).toBe('0');
    expect(one.items.sort()).toEqual([...ids].sort());
    const detailed = await conn.jscanJobs({ queue: q, busyLoop: true, states: ['active'] });
    expect(detailed.items).toEqual([]);
    await conn.delJob(...ids);
  });
});

describe('Connection - lifecycle and errors', () => {
  test('fromUrl connects', async () => {
    const node = disque.nodes[0];
    const c = Connection.fromUrl(`disque://${node?.host}:${node?.port}`);
    try {
      expect(await c.ping()).toBe('PONG');
    } finally {
      await c.close();
    }
  });

  test('close is idempotent and later commands fail with ConnectionError', async () => {
    const c = disque.connect();
    await c.ping();
    await Promise.all([c.close(), c.close()]);
    await expect(c.ping()).rejects.toBeInstanceOf(ConnectionError);
  });

  test('close cuts a blocked getJob instead of hanging', async () => {
    const c = disque.connect();
    await c.ping();
    const pending = c.getJob([uniqueQueue()]);
    await new Promise((r) => setTimeout(r, 30));
    await c.close();
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
  });

  test('a node that is not listening gives a ConnectionError, not a hang', async () => {
    const c = new Connection({ port: 1, connectTimeout: 500, maxRetriesPerRequest: 0 });
    try {
      await expect(c.ping()).rejects.toBeInstanceOf(ConnectionError);
    } finally {
      await c.close();
    }
  });
});
