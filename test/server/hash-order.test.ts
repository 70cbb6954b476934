import { hashKey, inHashOrder } from '../../src/server/hash-order.js';
import { startCluster, startServer } from '../../src/server/index.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

test('hash order is a total order of unsigned keys, not creation order', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
  for (const k of keys) {
    expect(hashKey(k)).toBeGreaterThan(0);
    expect(hashKey(k)).toBeLessThanOrEqual(2 ** 32);
  }
  const ordered = inHashOrder(keys, (k) => k);
  expect([...ordered].sort()).toEqual([...keys].sort());
  expect(ordered).not.toEqual(keys);
  expect(inHashOrder([...keys].reverse(), (k) => k)).toEqual(ordered);
});

test('HELLO lists nodes in hash order on every node (so not myself first everywhere)', async () => {
  const cluster = await startCluster({ nodes: 5 });
  const clients = cluster.nodes.map((n) => new RespClient(n.port));
  try {
    const orders: string[][] = [];
    for (const c of clients) {
      const hello = (await c.call('HELLO')) as unknown[];
      orders.push((hello.slice(2) as string[][]).map((e) => e[0]!));
    }
    const expected = inHashOrder(
      cluster.nodes.map((n) => n.nodeId),
      (id) => id,
    );
    for (const o of orders) expect(o).toEqual(expected);
    const selfFirst = cluster.nodes.filter((n, i) => orders[i]![0] === n.nodeId).length;
    expect(selfFirst).toBe(1);
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
  }
});

test('JSCAN pages in hash order and a paged scan returns every job once', async () => {
  const server = await startServer({ port: 0 });
  const c = new RespClient(server.port);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++)
      ids.push(((await c.call('ADDJOB', 'hq', `j${i}`, 0)) as { status: string }).status);
    const seen: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const [next, page] = (await c.call('JSCAN', cursor, 'COUNT', 7)) as [string, { status: string }[]];
      seen.push(...page.map((p) => p.status));
      cursor = next;
      pages++;
    } while (cursor !== '0');
    expect(pages).toBeGreaterThan(1);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(seen).toEqual(inHashOrder(ids, (id) => id));
    expect(seen).not.toEqual(ids);
  } finally {
    c.close();
    await server.close();
  }
});
