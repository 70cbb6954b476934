import { parseCliArgs, runCli } from '../../src/server/cli.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

describe('disque-ts-server command line', () => {
  test('parses options with defaults', () => {
    expect(parseCliArgs([])).toEqual({
      port: 7711,
      host: '127.0.0.1',
      nodes: 1,
      password: undefined,
      nodeTimeout: undefined,
      help: false,
    });
    expect(
      parseCliArgs(['--port', '0', '--nodes', '3', '--password', 'x', '--host', '0.0.0.0']),
    ).toMatchObject({
      port: 0,
      nodes: 3,
      password: 'x',
      host: '0.0.0.0',
    });
  });

  test.each([[['--port', 'abc']], [['--nodes', '0']], [['--what']], [['--password']]])(
    'rejects %j',
    (argv) => {
      expect(() => parseCliArgs(argv)).toThrow(TypeError);
    },
  );

  test('starts a joined cluster and prints the addresses', async () => {
    const lines: string[] = [];
    const stop = await runCli(parseCliArgs(['--port', '0', '--nodes', '2', '--password', 'pw']), (l) =>
      lines.push(l),
    );
    try {
      expect(lines).toHaveLength(3);
      const seeds = /^DISQUE_NODES=(.*)$/.exec(lines[2]!)?.[1]?.split(',') ?? [];
      expect(seeds).toHaveLength(2);
      const c = new RespClient(Number(seeds[0]!.split(':')[1]));
      expect(await c.call('AUTH', 'pw')).toEqual({ status: 'OK' });
      expect(((await c.call('HELLO')) as unknown[]).length).toBe(4);
      c.close();
    } finally {
      await stop();
    }
  });
});
