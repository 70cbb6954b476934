import net from 'node:net';
import { BUS_PORT_OFFSET, TcpBus } from '../../src/server/cluster-tcp-bus.js';
import { pickPort } from '../../src/server/process-cluster.js';
import { decodeFrame, encodeFrame } from '../../src/server/cluster-wire.js';
import type { ClusterMessage } from '../../src/server/cluster-messages.js';
import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { RespClient } from './helpers/resp-client.js';
import { eventually } from './helpers/eventually.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

test('bus frames carry Buffers and bigints intact', () => {
  const msg: ClusterMessage = {
    type: 'repljob',
    sender: 'a'.repeat(40),
    senderHost: '127.0.0.1',
    senderPort: 7711,
    noreply: false,
    jobs: [
      {
        id: 'D-x',
        queue: Buffer.from([0, 255, 10]),
        body: Buffer.from('b\r\nody'),
        repl: 2,
        ttlLeft: 10,
        ctime: 1796290282158000001n,
        delay: 0,
        retry: 5,
        nacks: 1,
        deliveries: 2,
        bcastQueued: true,
        nodesDelivered: ['n1', 'n2'],
      },
    ],
  };
  const frame = encodeFrame(msg);
  expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  expect(decodeFrame(frame.subarray(4))).toEqual(msg);
});

test('bus frames carry gossip, job-id flags and queue messages intact; a cut frame is refused', () => {
  const base = { sender: 'b'.repeat(40), senderHost: '10.0.0.2', senderPort: 7712 };
  const msgs: ClusterMessage[] = [
    {
      ...base,
      type: 'meet',
      leaving: true,
      toId: 'c'.repeat(40),
      gossip: [
        { id: 'n1', host: '10.0.0.3', port: 7713, pfail: true, fail: false },
        { id: 'n2', host: 'h\u00e9te', port: 65535, pfail: false, fail: true },
      ],
    },
    { ...base, type: 'queued', id: 'D-1', aux: 3600, incrNacks: true, incrDeliveries: false },
    { ...base, type: 'setack', id: 'D-2', aux: 7, incrNacks: false, incrDeliveries: true },
    { ...base, type: 'pause', queue: Buffer.from('q\x00'), aux: 3 },
    { ...base, type: 'fail', about: 'n1' },
  ];
  for (const msg of msgs) {
    const frame = encodeFrame(msg);
    expect(decodeFrame(frame.subarray(4))).toEqual(msg);
    expect(() => decodeFrame(frame.subarray(4, frame.length - 2))).toThrow(RangeError);
  }
});

describe('in-process cluster over the TCP cluster bus', () => {
  let cluster: ClusterHandle;
  const clients: RespClient[] = [];
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, clusterBus: 'tcp', nodeTimeout: 1000 });
    for (const n of cluster.nodes) clients.push(new RespClient(n.port));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster.close();
  });

  test('replication, federation and acks travel over sockets', async () => {
    const id = ((await clients[0]!.call('ADDJOB', 'tq', 'body', 1000, 'REPLICATE', 3)) as { status: string })
      .status;
    const replica = (await clients[1]!.call('SHOW', id)) as unknown[];
    expect(replica[5]).toBe('active');
    const fid = ((await clients[0]!.call('ADDJOB', 'tf', 'x', 0, 'REPLICATE', 1)) as { status: string })
      .status;
    expect(await clients[2]!.call('GETJOB', 'TIMEOUT', 3000, 'FROM', 'tf')).toEqual([['tf', fid, 'x']]);
    expect(await clients[2]!.call('ACKJOB', id)).toBe(1);
    await eventually(async () => (await clients[0]!.call('SHOW', id)) === null, 5000);
  });

  test('link state comes from the sockets: a stopped node is unlinked, then PFAIL/FAIL, then back', async () => {
    const stoppedId = cluster.nodes[2]!.nodeId;
    const prio = async (): Promise<string | undefined> => {
      const hello = (await clients[0]!.call('HELLO')) as unknown[];
      return (hello.slice(2) as string[][]).find((e) => e[0] === stoppedId)?.[3];
    };
    await cluster.stop(2);
    await eventually(async () => (await prio()) !== '1', 3000);
    await eventually(async () => (await prio()) === '100', 8000);
    await cluster.restart(2);
    await eventually(async () => (await prio()) === '1', 8000);
  });
});

test('cluster-port and bind-source-addr: the bus listens where told and dials from the source address', async () => {
  const got: { msg: ClusterMessage; from: string }[] = [];
  const sources: string[] = [];
  const listener = new TcpBus({
    id: 'b'.repeat(40),
    receive: (msg) => void got.push({ msg, from: 'b' }),
    linkReady: () => undefined,
  });
  // Node "b" has client port P but its bus listens on B (not P + 10000): a forwarder stands at P + 10000.
  const busPort = await pickPort('127.0.0.1', new Set());
  const clientPort = await pickPort('127.0.0.1', new Set([busPort]));
  await listener.listen('127.0.0.1', clientPort, busPort);
  const forwarder = net.createServer((s) => {
    sources.push(s.remoteAddress ?? '');
    const up = net.connect(busPort, '127.0.0.1');
    s.pipe(up).pipe(s);
    for (const x of [s, up]) x.on('error', () => undefined);
  });
  await new Promise<void>((r) => forwarder.listen(clientPort + BUS_PORT_OFFSET, '127.0.0.1', r));
  const dialer = new TcpBus(
    { id: 'a'.repeat(40), receive: () => undefined, linkReady: () => undefined },
    undefined,
    '127.0.0.3',
  );
  try {
    const msg: ClusterMessage = {
      type: 'pause',
      sender: 'a'.repeat(40),
      senderHost: '127.0.0.1',
      senderPort: 1,
      queue: Buffer.from('q'),
      aux: 0,
    };
    await eventually(async () => {
      dialer.send('127.0.0.1', clientPort, msg);
      return dialer.peerAt('127.0.0.1', clientPort) === 'b'.repeat(40) && got.length > 0;
    }, 5000);
    expect(sources[0]).toMatch(/127\.0\.0\.3$/);
    expect(got[0]!.msg.type).toBe('pause');
  } finally {
    await dialer.close();
    await listener.close();
    await new Promise<void>((r) => forwarder.close(() => r()));
  }
});
