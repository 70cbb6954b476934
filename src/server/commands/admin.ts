/**
 * DEBUG, CONFIG, COMMAND, SHUTDOWN and the administrative commands the embedded server only
 * answers politely (MONITOR, CLIENT, SLOWLOG, LATENCY, BGREWRITEAOF, LOADJOB).
 * @internal
 */
import { error, OK, status, SYNTAX_ERROR, type Reply } from '../resp-writer.js';
import { keyword, parseLongLong, text } from './args.js';
import { BLOCKED, type CommandContext, type CommandSpec } from './types.js';
import { applyDirective, rewriteConfigFile, settingValues } from '../config.js';

/** Settings CONFIG SET may change at run time (port and bind need a restart, as in Disque). */
const SETTABLE = new Set([
  'requirepass',
  'maxmemory',
  'maxmemory-policy',
  'cluster-node-timeout',
  'appendonly',
  'appendfsync',
  'loglevel',
  'logfile',
  'dir',
]);

function debug({ node, argv }: CommandContext): Reply {
  const sub = keyword(argv[1]);
  if (sub === 'flushall') {
    node.flushAll();
    return OK;
  }
  if (sub === 'sleep' && argv.length === 3) {
    // Real Disque blocks its whole event loop; a test server must not stall the process.
    return OK;
  }
  if (sub === 'error' && argv.length === 3) {
    return error(text(argv[2]).replace(/[\r\n]/g, ' '));
  }
  if (sub === 'structsize' && argv.length === 2) {
    return 'bits:64 job:120 queue:112 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ';
  }
  return error(`ERR Unknown DEBUG subcommand or wrong number of arguments for '${text(argv[1])}'`);
}

/** Parameters CONFIG GET knows, in Disque's order, with their current values. */
function configParams(ctx: CommandContext): [string, string][] {
  const current = new Map(settingValues(ctx.node.settings));
  return baseConfigParams(ctx).map(([k, v]) => [k, current.get(k) ?? v]);
}

function baseConfigParams(ctx: CommandContext): [string, string][] {
  const { node } = ctx;
  return [
    ['requirepass', node.password ?? ''],
    ['unixsocket', ''],
    ['logfile', ''],
    ['pidfile', '/var/run/disque.pid'],
    ['maxmemory', String(node.memory.max)],
    ['maxmemory-samples', '5'],
    ['timeout', '0'],
    ['auto-aof-rewrite-percentage', '100'],
    ['auto-aof-rewrite-min-size', '67108864'],
    ['slowlog-log-slower-than', '10000'],
    ['latency-monitor-threshold', '0'],
    ['slowlog-max-len', '128'],
    ['port', String(node.port)],
    ['tcp-backlog', '511'],
    ['databases', '16'],
    ['maxclients', '10000'],
    ['watchdog-period', '0'],
    ['hz', '10'],
    ['cluster-node-timeout', String(node.nodeTimeout)],
    ['tcp-keepalive', 'no'],
    ['no-appendfsync-on-rewrite', 'no'],
    ['daemonize', 'no'],
    ['activerehashing', 'yes'],
    ['aof-rewrite-incremental-fsync', 'yes'],
    ['aof-load-truncated', 'yes'],
    ['aof-enqueue-jobs-once', 'no'],
    ['maxmemory-policy', 'acks'],
    ['loglevel', 'notice'],
    ['appendfsync', 'everysec'],
    ['syslog-facility', 'local0'],
    ['appendonly', 'no'],
    ['dir', process.cwd()],
    ['client-output-buffer-limit', 'normal 0 0 0'],
    ['unixsocketperm', '0'],
    ['bind', node.host],
  ];
}

/** Redis-style glob (`*`, `?`, `[...]`) match, case-insensitive. */
function globMatch(pattern: string, s: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(s);
}

function config(ctx: CommandContext): Reply {
  const { node, argv } = ctx;
  const sub = keyword(argv[1]);
  if (sub === 'get') {
    if (argv.length !== 3) return error(`ERR Wrong number of arguments for CONFIG ${text(argv[1])}`);
    const out: Reply[] = [];
    for (const [k, v] of configParams(ctx)) if (globMatch(text(argv[2]), k)) out.push(k, v);
    return out;
  }
  if (sub === 'set') {
    if (argv.length !== 4) return error(`ERR Wrong number of arguments for CONFIG ${text(argv[1])}`);
    const name = keyword(argv[2]);
    const value = text(argv[3]);
    if (!SETTABLE.has(name)) return error(`ERR Unsupported CONFIG parameter: ${text(argv[2])}`);
    if (name === 'maxmemory' || name === 'cluster-node-timeout') {
      const v = parseLongLong(argv[3]!);
      if (v === null || v < 0n)
        return error(`ERR Invalid argument '${value}' for CONFIG SET '${text(argv[2])}'`);
    }
    const next = { ...node.settings };
    const bad = applyDirective(next, name, [value]);
    if (bad !== null) return error(`ERR Invalid argument '${value}' for CONFIG SET '${text(argv[2])}'`);
    const failure = node.applySettings(next);
    if (failure !== null) return error(`ERR ${failure}`);
    return OK;
  }
  if (sub === 'resetstat') {
    if (argv.length !== 2) return error(`ERR Wrong number of arguments for CONFIG ${text(argv[1])}`);
    node.stats.reset();
    return OK;
  }
  if (sub === 'rewrite') {
    if (argv.length !== 2) return error(`ERR Wrong number of arguments for CONFIG ${text(argv[1])}`);
    const file = node.options.configFile;
    if (file === undefined) return error('ERR The server is running without a config file');
    try {
      rewriteConfigFile(file, node.settings);
    } catch (e) {
      return error(`ERR Rewriting config file: ${e instanceof Error ? e.message : String(e)}`);
    }
    return OK;
  }
  return error('ERR CONFIG subcommand must be one of GET, SET, RESETSTAT, REWRITE');
}

/** SHUTDOWN stops this node (the connection is closed without a reply, as the process would exit). */
function shutdown({ node, argv }: CommandContext): Reply | typeof BLOCKED {
  if (argv.length > 2 || (argv.length === 2 && keyword(argv[1]) !== 'rewrite-aof')) return SYNTAX_ERROR;
  node.requestShutdown();
  return BLOCKED;
}

function client({ node, client: me, argv }: CommandContext): Reply {
  const sub = keyword(argv[1]);
  if (sub === 'list' && argv.length === 2) {
    let out = '';
    for (const c of node.clientList()) {
      const age = Math.floor((node.now() - c.createdAt) / 1000);
      const idle = Math.floor((node.now() - c.lastInteraction) / 1000);
      out +=
        `id=${c.id} addr=${c.address} fd=${c.id + 6} name=${c.name} age=${age} idle=${idle} ` +
        `flags=${c.blocked !== null ? 'b' : 'N'} qbuf=${c.inputBuffered} qbuf-free=32768 obl=0 oll=0 omem=0 ` +
        `events=r cmd=${c.lastCommand}\n`;
    }
    return out;
  }
  if (sub === 'kill' && argv.length === 3) {
    const addr = text(argv[2]);
    for (const c of node.clientList()) {
      if (c.address === addr) {
        if (c === me) me.closeAfterReply();
        else c.kill();
        return OK;
      }
    }
    return error('ERR No such client');
  }
  if (sub === 'getname' && argv.length === 2) return me.name === '' ? null : me.name;
  if (sub === 'setname' && argv.length === 3) {
    const name = text(argv[2]);
    if (/[\s]/.test(name))
      return error('ERR Client names cannot contain spaces, newlines or special characters.');
    me.name = name;
    return OK;
  }
  return error('ERR Syntax error, try CLIENT (LIST | KILL ip:port | GETNAME | SETNAME connection-name)');
}

function slowlog({ argv }: CommandContext): Reply {
  const sub = keyword(argv[1]);
  if (sub === 'get') return [];
  if (sub === 'len') return 0;
  if (sub === 'reset') return OK;
  return error('ERR Unknown SLOWLOG subcommand or wrong # of args. Try GET, RESET, LEN.');
}

/** Latency monitoring is disabled (as by default in Disque): nothing is ever recorded. */
function latency({ argv }: CommandContext): Reply {
  const sub = keyword(argv[1]);
  if (sub === 'latest' && argv.length === 2) return [];
  if (sub === 'history' && argv.length === 3) return [];
  if (sub === 'reset') return 0;
  if (sub === 'doctor' && argv.length === 2) {
    return (
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Disque instance. " +
      'You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. ' +
      "If we weren't in a deep space mission I'd suggest to take a look at http://disque.io/topics/latency-monitor.\n"
    );
  }
  return SYNTAX_ERROR;
}

/** @internal */
export const DEBUG: CommandSpec = { name: 'debug', arity: -2, flags: ['admin'], run: debug };
/** @internal */
export const CONFIG: CommandSpec = { name: 'config', arity: -2, flags: ['readonly', 'admin'], run: config };
/** @internal */
export const SHUTDOWN: CommandSpec = {
  name: 'shutdown',
  arity: -1,
  flags: ['readonly', 'admin', 'loading'],
  run: shutdown,
};
/** @internal */
export const MONITOR: CommandSpec = {
  name: 'monitor',
  arity: 1,
  flags: ['readonly', 'admin'],
  // The command feed is not modelled: the client gets +OK and then nothing.
  run: () => OK,
};
/** @internal */
export const CLIENT: CommandSpec = { name: 'client', arity: -2, flags: ['readonly', 'admin'], run: client };
/** @internal */
export const SLOWLOG: CommandSpec = { name: 'slowlog', arity: -2, flags: ['readonly'], run: slowlog };
/** @internal */
export const LATENCY: CommandSpec = {
  name: 'latency',
  arity: -2,
  flags: ['readonly', 'admin', 'loading'],
  run: latency,
};
/** @internal */
export const LOADJOB: CommandSpec = {
  name: 'loadjob',
  arity: 2,
  flags: ['write'],
  run: () => error('ERR LOADJOB is a special command only processed from AOF'),
};
/** @internal */
export const BGREWRITEAOF: CommandSpec = {
  name: 'bgrewriteaof',
  arity: 1,
  flags: ['readonly', 'admin'],
  run: () => status('Background append only file rewriting started'),
};
