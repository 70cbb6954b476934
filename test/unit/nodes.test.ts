import { ClusterView, NodeState, PRIORITY_UNUSABLE, formatAddress, mapAddress } from '../../src/nodes.js';
import type { Hello } from '../../src/commands/server.js';
import { noServer } from '../helpers/target.js';

noServer();

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function hello(nodeId: string, nodes: [string, string, number, number][]): Hello {
  return {
    version: 1,
    nodeId,
    nodes: nodes.map(([id, host, port, priority]) => ({ id, host, port, priority })),
  };
}

describe('addresses', () => {
  test('IPv6 hosts are bracketed; a NAT map rewrites by address or by function', () => {
    expect(formatAddress('::1', 7711)).toBe('[::1]:7711');
    expect(formatAddress('10.0.0.1', 7711)).toBe('10.0.0.1:7711');
    expect(mapAddress({ '10.0.0.1:7711': { host: 'db', port: 1 } }, '10.0.0.1', 7711)).toEqual({
      host: 'db',
      port: 1,
    });
    expect(mapAddress({}, '10.0.0.2', 7711)).toEqual({ host: '10.0.0.2', port: 7711 });
    expect(mapAddress(({ port }) => ({ host: 'x', port: port + 1 }), 'h', 1)).toEqual({ host: 'x', port: 2 });
  });
});

describe('NodeState', () => {
  test('usable only when up, not leaving and below the unusable priority', () => {
    const node = new NodeState('h', 1);
    expect(node.usable).toBe(true);
    node.leaving = true;
    expect(node.usable).toBe(false);
    node.leaving = false;
    node.priority = PRIORITY_UNUSABLE;
    expect(node.usable).toBe(false);
    node.priority = 1;
    node.up = false;
    expect(node.usable).toBe(false);
    expect(node.snapshot()).toEqual({
      id: undefined,
      address: 'h:1',
      host: 'h',
      port: 1,
      priority: 1,
      up: false,
      leaving: false,
    });
  });
});

describe('ClusterView', () => {
  test('merges HELLO: the asked node takes its id, others are added once, new ones reported', () => {
    const view = new ClusterView([{ host: '127.0.0.1', port: 7711 }]);
    const [seed] = view.all() as [NodeState];
    const added = view.merge(
      hello(A, [
        [A, '', 7711, 1],
        [B, '127.0.0.1', 7712, 1],
        [C, '', 0, 1], // address unknown: skipped
      ]),
      seed,
    );
    expect(seed.id).toBe(A);
    expect(added.map((n) => n.address)).toEqual(['127.0.0.1:7712']);
    expect(view.size).toBe(2);
    expect(view.merge(hello(A, [[B, '127.0.0.1', 7712, 5]]), seed)).toEqual([]);
    expect(view.byId(B)?.priority).toBe(5);
    expect(view.byPrefix('bbbbbbbb')?.port).toBe(7712);
  });

  test('a second address of a known node becomes an alias of the first entry', () => {
    const view = new ClusterView([
      { host: 'localhost', port: 7711 },
      { host: '127.0.0.1', port: 7711 },
    ]);
    const [first, second] = view.all() as [NodeState, NodeState];
    expect(view.identify(first, A)).toBe(first);
    expect(view.identify(second, A)).toBe(first);
    expect(view.size).toBe(1);
    expect(view.get('127.0.0.1:7711')).toBe(first);
  });

  test('best: the lowest priority among usable nodes, else any node up, never an excluded one', () => {
    const view = new ClusterView([
      { host: 'h', port: 1 },
      { host: 'h', port: 2 },
      { host: 'h', port: 3 },
    ]);
    const [n1, n2, n3] = view.all() as [NodeState, NodeState, NodeState];
    n1.priority = 10;
    n2.priority = 1;
    n3.priority = 5;
    expect(view.best()).toBe(n2);
    expect(view.best(new Set([n2]))).toBe(n3);
    n1.leaving = true;
    n2.leaving = true;
    n3.priority = PRIORITY_UNUSABLE;
    // None usable: a node that is up and not leaving still beats nothing.
    expect(view.best()).toBe(n3);
    n3.up = false;
    expect(view.best()).toBeUndefined();
  });

  test('best spreads ties at random', () => {
    const view = new ClusterView([
      { host: 'h', port: 1 },
      { host: 'h', port: 2 },
    ]);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add((view.best() as NodeState).address);
    expect(seen).toEqual(new Set(['h:1', 'h:2']));
  });
});
