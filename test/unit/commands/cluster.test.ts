import * as C from '../../../src/commands/index.js';
import { argumentError } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('cluster commands', () => {
  test('CLUSTER subcommands', () => {
    expect(C.CLUSTER_MEET.args('127.0.0.1', 7712)).toEqual(['CLUSTER', 'MEET', '127.0.0.1', 7712]);
    expect(C.CLUSTER_MEET.reply('OK')).toBe('OK');
    expect(C.CLUSTER_LEAVING_SET.args(true)).toEqual(['CLUSTER', 'LEAVING', 'yes']);
    expect(C.CLUSTER_LEAVING_GET.reply('no')).toBe(false);
    expect(argumentError(() => C.CLUSTER_FORGET.args('abc')).argument).toBe('nodeId');
    const nodes = C.CLUSTER_NODES.reply(
      'aaaa 127.0.0.1:7711 myself 0 0 connected\nbbbb 127.0.0.1:7712 fail?,leaving 1700000000000 1700000000001 disconnected\n',
    );
    expect(nodes).toEqual([
      {
        id: 'aaaa',
        host: '127.0.0.1',
        port: 7711,
        flags: ['myself'],
        pingSent: 0,
        pongReceived: 0,
        connected: true,
      },
      {
        id: 'bbbb',
        host: '127.0.0.1',
        port: 7712,
        flags: ['fail?', 'leaving'],
        pingSent: 1700000000000,
        pongReceived: 1700000000001,
        connected: false,
      },
    ]);
    expect(C.CLUSTER_INFO.reply('cluster_state:ok\r\ncluster_known_nodes:3\r\n')).toEqual({
      cluster_state: 'ok',
      cluster_known_nodes: '3',
    });
  });
});
