/**
 * Disque's configuration: the config file format (`directive arg arg`, `#` comments, quoted
 * arguments), `--directive value` command-line options and `DISQUE_*` environment variables, all
 * turned into one list of directives, then into {@link ServerSettings}. Unknown directives are
 * warned about and skipped, as a user migrating a disque.conf would expect.
 * @internal
 */
import fs from 'node:fs';

/** What one node runs with (the CONFIG GET/SET/REWRITE view). @internal */
export interface ServerSettings {
  port: number;
  bind: string;
  dir: string;
  logfile: string;
  loglevel: string;
  daemonize: boolean;
  clusterNodeTimeout: number;
  appendonly: boolean;
  appendfsync: 'always' | 'everysec' | 'no';
  requirepass: string;
  maxmemory: number;
  maxmemoryPolicy: string;
  /**
   * Redis 7's `cluster-port`: the port the cluster bus listens on; 0 is the port + 10000 the
   * other nodes dial. Set, something else must answer at port + 10000 (a test's fault proxy).
   */
  clusterPort: number;
  /** Redis 7's `bind-source-addr`: the local address outgoing bus connections come from. */
  bindSourceAddr: string;
}

/** Disque's defaults. @internal */
export function defaultSettings(): ServerSettings {
  return {
    port: 7711,
    bind: '127.0.0.1',
    dir: '.',
    logfile: '',
    loglevel: 'notice',
    daemonize: false,
    clusterNodeTimeout: 15000,
    appendonly: false,
    appendfsync: 'everysec',
    requirepass: '',
    maxmemory: 1073741824,
    maxmemoryPolicy: 'acks',
    clusterPort: 0,
    bindSourceAddr: '',
  };
}

/** One directive and its arguments, with where it came from (for messages). @internal */
export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly source: string;
}

/** Directives real Disque has that have no effect here: accepted silently. */
const IGNORED = new Set([
  'tcp-backlog',
  'tcp-keepalive',
  'timeout',
  'hz',
  'pidfile',
  'unixsocket',
  'unixsocketperm',
  'syslog-enabled',
  'syslog-ident',
  'syslog-facility',
  'databases',
  'maxclients',
  'maxmemory-samples',
  'slowlog-log-slower-than',
  'slowlog-max-len',
  'latency-monitor-threshold',
  'appendfilename',
  'no-appendfsync-on-rewrite',
  'auto-aof-rewrite-percentage',
  'auto-aof-rewrite-min-size',
  'aof-load-truncated',
  'aof-rewrite-incremental-fsync',
  'aof-enqueue-jobs-once',
  'activerehashing',
  'client-output-buffer-limit',
  'cluster-config-file',
  'watchdog-period',
  'protected-mode',
]);

/** Splits one config line into words, honouring "double" and 'single' quotes like sdssplitargs. */
export function splitConfigLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const q = line[i];
    let word = '';
    if (q === '"' || q === "'") {
      i++;
      while (i < line.length && line[i] !== q) {
        if (q === '"' && line[i] === '\\' && i + 1 < line.length) {
          const c = line[++i]!;
          word += c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c;
        } else word += line[i];
        i++;
      }
      if (i >= line.length) return null; // unbalanced quotes
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) word += line[i++];
    }
    out.push(word);
  }
  return out;
}

/** Parses config file text. @internal */
export function parseConfigText(textIn: string, source: string): Directive[] {
  const out: Directive[] = [];
  const lines = textIn.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = splitConfigLine(line);
    if (words === null || words.length === 0) {
      throw new TypeError(`${source}:${idx + 1}: unbalanced quotes in \`${line}\``);
    }
    out.push({ name: words[0]!.toLowerCase(), args: words.slice(1), source: `${source}:${idx + 1}` });
  });
  return out;
}

/** `--port 7711 --bind a b`: each `--name` takes the words up to the next `--name`. @internal */
export function directivesFromArgv(argv: readonly string[]): Directive[] {
  const out: Directive[] = [];
  let cur: { name: string; args: string[] } | null = null;
  for (const a of argv) {
    if (a.startsWith('--') && a.length > 2) {
      if (cur !== null) out.push({ ...cur, source: `--${cur.name}` });
      cur = { name: a.slice(2).toLowerCase(), args: [] };
    } else if (cur !== null) {
      cur.args.push(a);
    } else {
      throw new TypeError(`Unexpected argument \`${a}\` (directives are written --name value)`);
    }
  }
  if (cur !== null) out.push({ ...cur, source: `--${cur.name}` });
  return out;
}

/**
 * `DISQUE_PORT=3456` is `--port 3456` (underscores become dashes), as in the Disque docker image.
 * `DISQUE_MEET` and `DISQUE_NODES` are not directives (the caller reads them) and are skipped.
 * @internal
 */
export function directivesFromEnv(env: NodeJS.ProcessEnv): Directive[] {
  const out: Directive[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('DISQUE_') || v === undefined) continue;
    const name = k.slice('DISQUE_'.length).toLowerCase().replace(/_/g, '-');
    // Not directives: read by their own users (the CLI's client settings, the test harness).
    if (name === 'meet' || name === 'nodes' || name === 'password' || name === '' || name.startsWith('ts-'))
      continue;
    out.push({ name, args: splitConfigLine(v) ?? [v], source: k });
  }
  return out;
}

/** `1gb`, `100mb`, `4k` → bytes, like Disque's memtoll. @internal */
export function parseMemory(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s.trim());
  if (m === null) return null;
  const mult: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 ** 2,
    mb: 1024 ** 2,
    g: 1000 ** 3,
    gb: 1024 ** 3,
  };
  return Number(m[1]) * (mult[(m[2] ?? 'b').toLowerCase()] ?? 1);
}

function yesNo(v: string): boolean | null {
  const l = v.toLowerCase();
  return l === 'yes' ? true : l === 'no' ? false : null;
}

/**
 * Applies one directive (config file, command line or CONFIG SET). Returns an error message
 * (Disque's wording where it has one), 'unknown' for a directive it does not know, or null.
 * @internal
 */
export function applyDirective(s: ServerSettings, name: string, args: readonly string[]): string | null {
  if (IGNORED.has(name)) return null;
  const one = args[0] ?? '';
  const needOne = (): string | null => (args.length === 1 ? null : 'wrong number of arguments');
  /** The one argument as a TCP port number, or null when it is not one. */
  const onePort = (): number | null => {
    const n = Number(one);
    return needOne() === null && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : null;
  };
  switch (name) {
    case 'port': {
      const n = onePort();
      if (n === null) return 'Invalid port';
      s.port = n;
      return null;
    }
    case 'bind':
      if (args.length === 0) return 'wrong number of arguments';
      s.bind = one;
      return null;
    case 'dir':
    case 'logfile':
    case 'requirepass':
      if (needOne() !== null) return 'wrong number of arguments';
      if (name === 'dir') s.dir = one;
      else if (name === 'logfile') s.logfile = one;
      else s.requirepass = one;
      return null;
    case 'loglevel':
      if (!['debug', 'verbose', 'notice', 'warning'].includes(one.toLowerCase()))
        return 'Invalid log level. Must be one of debug, notice, warning';
      s.loglevel = one.toLowerCase();
      return null;
    case 'daemonize':
    case 'appendonly': {
      const b = yesNo(one);
      if (b === null) return "argument must be 'yes' or 'no'";
      if (name === 'daemonize') s.daemonize = b;
      else s.appendonly = b;
      return null;
    }
    case 'appendfsync': {
      const v = one.toLowerCase();
      if (v !== 'always' && v !== 'everysec' && v !== 'no')
        return "argument must be 'no', 'always' or 'everysec'";
      s.appendfsync = v;
      return null;
    }
    case 'cluster-node-timeout': {
      const n = Number(one);
      if (!Number.isInteger(n) || n <= 0) return 'Invalid node timeout';
      s.clusterNodeTimeout = n;
      return null;
    }
    case 'cluster-port': {
      const n = onePort();
      if (n === null) return 'Invalid cluster port';
      s.clusterPort = n;
      return null;
    }
    case 'bind-source-addr':
      if (needOne() !== null) return 'wrong number of arguments';
      s.bindSourceAddr = one;
      return null;
    case 'maxmemory': {
      const n = parseMemory(one);
      if (n === null) return 'Invalid maxmemory';
      s.maxmemory = n;
      return null;
    }
    case 'maxmemory-policy': {
      const v = one.toLowerCase();
      if (!['acks', 'noeviction', 'volatile-lru', 'allkeys-lru'].includes(v))
        return 'Invalid maxmemory policy';
      s.maxmemoryPolicy = v;
      return null;
    }
    default:
      return 'unknown';
  }
}

/**
 * Applies directives in order. Invalid values throw a TypeError naming the directive and where it
 * came from (Disque refuses to start on them too); unknown ones are returned as warnings.
 * @internal
 */
export function applyDirectives(s: ServerSettings, list: readonly Directive[]): string[] {
  const warnings: string[] = [];
  for (const d of list) {
    const err = applyDirective(s, d.name, d.args);
    if (err === 'unknown') warnings.push(`unknown directive \`${d.name}\` (${d.source}) ignored`);
    else if (err !== null)
      throw new TypeError(`Bad directive \`${d.name} ${d.args.join(' ')}\` (${d.source}): ${err}`);
  }
  return warnings;
}

/** Reads a config file (or `-` for stdin is not supported: a path is required). @internal */
export function readConfigFile(path: string): Directive[] {
  let textIn: string;
  try {
    textIn = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new TypeError(`Cannot read config file \`${path}\`: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfigText(textIn, path);
}

/** The CONFIG GET name → value of every setting here. @internal */
export function settingValues(s: ServerSettings): [string, string][] {
  return [
    ['port', String(s.port)],
    ['bind', s.bind],
    ['dir', s.dir],
    ['logfile', s.logfile],
    ['loglevel', s.loglevel],
    ['daemonize', s.daemonize ? 'yes' : 'no'],
    ['cluster-node-timeout', String(s.clusterNodeTimeout)],
    ['appendonly', s.appendonly ? 'yes' : 'no'],
    ['appendfsync', s.appendfsync],
    ['requirepass', s.requirepass],
    ['maxmemory', String(s.maxmemory)],
    ['maxmemory-policy', s.maxmemoryPolicy],
  ];
}

/**
 * CONFIG REWRITE: rewrites the file in place, keeping comments, unknown lines and order; each
 * known directive gets its current value (the last occurrence wins, duplicates go), and settings
 * that differ from the defaults and were not in the file are appended.
 * @internal
 */
export function rewriteConfigFile(path: string, s: ServerSettings): void {
  let old = '';
  try {
    old = fs.readFileSync(path, 'utf8');
  } catch {
    /* a missing file is written from scratch */
  }
  const values = new Map(settingValues(s));
  const defaults = new Map(settingValues(defaultSettings()));
  const quote = (v: string): string => (v === '' || /[\s"']/.test(v) ? JSON.stringify(v) : v);
  const written = new Set<string>();
  const out: string[] = [];
  for (const raw of old.split(/\r?\n/)) {
    const words = raw.trim().startsWith('#') ? null : splitConfigLine(raw.trim());
    const name = words?.[0]?.toLowerCase();
    if (name !== undefined && values.has(name)) {
      if (written.has(name)) continue;
      written.add(name);
      out.push(`${name} ${quote(values.get(name)!)}`);
    } else out.push(raw);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  for (const [k, v] of values) {
    if (!written.has(k) && defaults.get(k) !== v) out.push(`${k} ${quote(v)}`);
  }
  const tmp = `${path}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, out.join('\n') + '\n');
  fs.renameSync(tmp, path);
}
