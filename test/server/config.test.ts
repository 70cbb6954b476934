import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  applyDirectives,
  defaultSettings,
  directivesFromEnv,
  parseConfigText,
  parseMemory,
  rewriteConfigFile,
  splitConfigLine,
} from '../../src/server/config.js';
import { parseServerArgs } from '../../src/server/server-args.js';
import { startServer, type ServerHandle } from '../../src/server/index.js';
import { RespClient } from './helpers/resp-client.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('tests the embedded server itself');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'disque-ts-config-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('Disque config file and directives', () => {
  test('config lines split like Disque (quotes, comments, escapes)', () => {
    expect(splitConfigLine('requirepass "a b\\"c"')).toEqual(['requirepass', 'a b"c']);
    expect(splitConfigLine("logfile ''")).toEqual(['logfile', '']);
    expect(splitConfigLine('bind "unbalanced')).toBeNull();
    const d = parseConfigText('# comment\n\nPORT 7777\n  dir ./x  \n', 'f.conf');
    expect(d.map((x) => [x.name, x.args, x.source])).toEqual([
      ['port', ['7777'], 'f.conf:3'],
      ['dir', ['./x'], 'f.conf:4'],
    ]);
  });

  test('memory units and bad values', () => {
    expect(parseMemory('1gb')).toBe(1024 ** 3);
    expect(parseMemory('100mb')).toBe(100 * 1024 ** 2);
    expect(parseMemory('4k')).toBe(4000);
    expect(parseMemory('lots')).toBeNull();
    const s = defaultSettings();
    expect(() => applyDirectives(s, [{ name: 'port', args: ['x'], source: 'test' }])).toThrow(/port.*test/);
    expect(() => applyDirectives(s, [{ name: 'appendonly', args: ['maybe'], source: 't' }])).toThrow(
      TypeError,
    );
  });

  test('unknown directives are warnings, known ones apply, ignored ones are silent', () => {
    const s = defaultSettings();
    const warnings = applyDirectives(s, [
      { name: 'cluster-node-timeout', args: ['3000'], source: 'a' },
      { name: 'hz', args: ['10'], source: 'b' },
      { name: 'frobnicate', args: ['yes'], source: 'c:9' },
      { name: 'maxmemory', args: ['2mb'], source: 'd' },
    ]);
    expect(warnings).toEqual(['unknown directive `frobnicate` (c:9) ignored']);
    expect(s.clusterNodeTimeout).toBe(3000);
    expect(s.maxmemory).toBe(2 * 1024 * 1024);
  });

  test('cluster-port and bind-source-addr (Redis 7 directives, to put a proxy on the bus)', () => {
    const s = defaultSettings();
    expect([s.clusterPort, s.bindSourceAddr]).toEqual([0, '']);
    expect(
      applyDirectives(s, [
        { name: 'cluster-port', args: ['17000'], source: 'a' },
        { name: 'bind-source-addr', args: ['127.0.0.2'], source: 'b' },
      ]),
    ).toEqual([]);
    expect([s.clusterPort, s.bindSourceAddr]).toEqual([17000, '127.0.0.2']);
    expect(() => applyDirectives(s, [{ name: 'cluster-port', args: ['70000'], source: 'c' }])).toThrow(
      /cluster-port 70000.*Invalid cluster port/,
    );
    expect(() => applyDirectives(s, [{ name: 'bind-source-addr', args: [], source: 'd' }])).toThrow(
      /bind-source-addr/,
    );
  });

  test('DISQUE_* environment variables are directives (dashes from underscores)', () => {
    const d = directivesFromEnv({
      DISQUE_PORT: '3456',
      DISQUE_CLUSTER_NODE_TIMEOUT: '500',
      DISQUE_MEET: 'a b',
      DISQUE_PASSWORD: 'client side',
      DISQUE_TS_SERVER_BIN: '/x',
      HOME: '/root',
    });
    expect(d.map((x) => [x.name, x.args])).toEqual([
      ['port', ['3456']],
      ['cluster-node-timeout', ['500']],
    ]);
  });

  test('precedence: config file < environment < command line; --nodes and DISQUE_MEET', () => {
    const file = path.join(tmp, 'disque.conf');
    fs.writeFileSync(file, 'port 7000\nbind 0.0.0.0\nloglevel warning\nappendonly yes\n');
    const a = parseServerArgs([file, '--port', '7002', '--nodes', '3', '--meet', 'h3:7713'], {
      DISQUE_PORT: '7001',
      DISQUE_LOGLEVEL: 'debug',
      DISQUE_MEET: 'h1 h2:7712',
    });
    expect(a.configFile).toBe(file);
    expect(a.settings).toMatchObject({ port: 7002, bind: '0.0.0.0', loglevel: 'debug', appendonly: true });
    expect(a.nodes).toBe(3);
    expect(a.meet).toEqual(['h1', 'h2:7712', 'h3:7713']);
    expect(a.warnings).toEqual([]);
    expect(
      parseServerArgs(['--host', '::1', '--password', 'pw', '--node-timeout', '900']).settings,
    ).toMatchObject({
      bind: '::1',
      requirepass: 'pw',
      clusterNodeTimeout: 900,
    });
    expect(parseServerArgs(['--what', 'x']).warnings).toEqual(['unknown directive `what` (--what) ignored']);
    expect(() => parseServerArgs([path.join(tmp, 'missing.conf')])).toThrow(/Cannot read config file/);
  });

  test('CONFIG REWRITE keeps comments and unknown lines, updates and appends settings', () => {
    const file = path.join(tmp, 'disque.conf');
    fs.writeFileSync(file, '# my node\nport 7711\nfoo bar\nport 7712\nloglevel notice\n');
    const s = { ...defaultSettings(), port: 7712, loglevel: 'warning', requirepass: 'a b' };
    rewriteConfigFile(file, s);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '# my node\nport 7712\nfoo bar\nloglevel warning\nrequirepass "a b"\n',
    );
  });
});

describe('CONFIG GET/SET/REWRITE on a node', () => {
  let server: ServerHandle | undefined;
  let c: RespClient | undefined;
  afterEach(async () => {
    c?.close();
    await server?.close();
  });

  test('without a dir, appendonly is refused with a reason; without a file, REWRITE fails', async () => {
    server = await startServer({ port: 0 });
    c = new RespClient(server.port);
    expect(await c.call('CONFIG', 'SET', 'appendonly', 'yes')).toEqual({
      error: expect.stringContaining('appendonly needs a dir') as string,
    });
    expect(await c.call('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await c.call('CONFIG', 'REWRITE')).toEqual({
      error: 'ERR The server is running without a config file',
    });
    expect(await c.call('CONFIG', 'SET', 'port', '1')).toEqual({
      error: 'ERR Unsupported CONFIG parameter: port',
    });
    expect(await c.call('CONFIG', 'SET', 'appendfsync', 'sometimes')).toEqual({
      error: "ERR Invalid argument 'sometimes' for CONFIG SET 'appendfsync'",
    });
  });

  test('with a dir and a config file: appendonly on at run time, INFO aof_state, REWRITE writes the file', async () => {
    const file = path.join(tmp, 'node.conf');
    fs.writeFileSync(file, '# test node\nloglevel notice\n');
    server = await startServer({ port: 0, dir: tmp, configFile: file });
    c = new RespClient(server.port);
    expect(String(await c.call('INFO', 'persistence'))).toContain('aof_state:off');
    expect(await c.call('CONFIG', 'SET', 'appendonly', 'yes')).toEqual({ status: 'OK' });
    expect(await c.call('CONFIG', 'SET', 'cluster-node-timeout', '4000')).toEqual({ status: 'OK' });
    expect(await c.call('CONFIG', 'SET', 'loglevel', 'warning')).toEqual({ status: 'OK' });
    expect(String(await c.call('INFO', 'persistence'))).toContain('aof_state:on');
    expect(await c.call('CONFIG', 'GET', 'cluster-node-timeout')).toEqual(['cluster-node-timeout', '4000']);
    expect(fs.existsSync(path.join(tmp, 'appendonly.aof'))).toBe(true);
    expect(await c.call('CONFIG', 'REWRITE')).toEqual({ status: 'OK' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# test node\nloglevel warning\n');
    expect(text).toContain('appendonly yes\n');
    expect(text).toContain('cluster-node-timeout 4000\n');
    expect(await c.call('CONFIG', 'SET', 'appendonly', 'no')).toEqual({ status: 'OK' });
    expect(String(await c.call('INFO', 'persistence'))).toContain('aof_state:off');
  });
});
