/**
 * TypeScript port of shared/disque-reference/record.mjs (kept verbatim in
 * test/fixtures/disque-reference/), so jest can run it: the project's jest transpiles to CommonJS
 * and cannot load an `.mjs` module. The logic is the recorder's, line for line — the RESP codec,
 * the connection bookkeeping, the normalisation rules and the scenario runner — only typed.
 * recorder.test.ts checks the port against the golden files: normalising every recorded raw reply
 * must give exactly the recorded `norm`.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export const JOBID_RE = /^D-([0-9a-f]{8})-([A-Za-z0-9+/]{24})-([0-9a-f]{4})$/;
export const JOBID_ANY_RE = /D-[0-9a-f]{8}-[A-Za-z0-9+/]{24}-[0-9a-f]{4}/g;
export const NODEID_RE = /^[0-9a-f]{40}$/;
export const NODEID_ANY_RE = /(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])/g;

/** A typed reply as stored in transcripts (see the reference README). */
export interface TypedReply {
  t: string;
  v?: unknown;
  b64?: string;
  prefix?: string;
  summary?: { len: number; fnv1a32: string; head: string };
  lines?: string[];
}

/** One step of a scenario file (loosely typed: the scenario format is open). */
export type ScenarioStep = Record<string, unknown>;

export interface Scenario {
  name: string;
  description?: string;
  servers?: Record<string, { args?: string[]; auth?: string }>;
  slow?: boolean;
  steps: ScenarioStep[];
}

/** One recorded step. */
export interface TranscriptStep {
  i: number;
  node?: string;
  conn?: string;
  cmd?: unknown[];
  cmdn?: unknown[];
  reply?: TypedReply;
  replies?: TypedReply[];
  norm?: TypedReply | TypedReply[];
  ms?: number | null;
  note?: string;
  volatile?: string;
  poll?: {
    attempts: number;
    satisfied: boolean;
    elapsed_ms: number;
    since_step_ms?: number;
    until?: unknown;
  };
  [k: string]: unknown;
}

export interface TranscriptMeta {
  meta: Record<string, unknown>;
}

export interface RunOptions {
  auth?: Record<string, string>;
  hooks?: Record<string, (label: string, step: ScenarioStep) => Promise<unknown> | unknown>;
  maxBulk?: number;
  raw?: boolean;
  vars?: Record<string, string>;
  // Additions of the port (record.mjs has none of these):
  /** Stops the run (it rejects with the signal's reason) at the next step, sleep or poll attempt. */
  signal?: AbortSignal;
  /** Performs a sleep step (default: a plain timer); e.g. to fast-forward the servers' clock. */
  sleep?: (ms: number, i: number) => Promise<void>;
  /** Called when step `i` (1-based) starts, before anything is sent. */
  beforeStep?: (i: number, step: ScenarioStep) => Promise<void> | void;
  /** Ends the poll of step `i` unsatisfied, before its timeout, when it returns true for a reply. */
  endPoll?: (i: number, reply: TypedReply) => boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------- RESP encoding

type Arg = string | number | Buffer | { b64?: string; hex?: string; repeat?: string; n?: number };

function argToBuffer(a: unknown): Buffer {
  if (Buffer.isBuffer(a)) return a;
  if (typeof a === 'string') return Buffer.from(a, 'utf8');
  if (typeof a === 'number') return Buffer.from(String(a), 'utf8');
  if (a !== null && typeof a === 'object') {
    const o = a as { b64?: unknown; hex?: unknown; repeat?: unknown; n?: unknown };
    if (typeof o.b64 === 'string') return Buffer.from(o.b64, 'base64');
    if (typeof o.hex === 'string') return Buffer.from(o.hex, 'hex');
    if (typeof o.repeat === 'string') return Buffer.from(o.repeat.repeat(Number(o.n)), 'utf8');
  }
  throw new Error('bad argument: ' + JSON.stringify(a));
}

export function encodeCommand(args: readonly unknown[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = argToBuffer(a);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- RESP decoding

function encBytes(b: Buffer): { v: string } | { b64: string } {
  try {
    const s = utf8.decode(b);
    if (Buffer.from(s, 'utf8').equals(b)) return { v: s };
  } catch {
    /* not utf-8 */
  }
  return { b64: b.toString('base64') };
}

function intValue(s: string): number | string {
  const n = BigInt(s);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(n)
    : n.toString();
}

/** Parses one reply starting at buf[off]; null when more bytes are needed. */
export function parseReply(buf: Buffer, off: number): { value: TypedReply; off: number } | null {
  if (off >= buf.length) return null;
  const eol = buf.indexOf('\r\n', off, 'latin1');
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[off] ?? 0);
  const body = buf.subarray(off + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: { t: 'simple', ...encBytes(body) }, off: next };
    case '-': {
      const e = encBytes(body);
      const v = 'v' in e ? e.v : body.toString('latin1');
      const sp = v.indexOf(' ');
      return { value: { t: 'error', v, prefix: sp < 0 ? v : v.slice(0, sp) }, off: next };
    }
    case ':':
      return { value: { t: 'int', v: intValue(body.toString('latin1')) }, off: next };
    case '$': {
      const len = parseInt(body.toString('latin1'), 10);
      if (len === -1) return { value: { t: 'nullbulk' }, off: next };
      if (buf.length < next + len + 2) return null;
      const data = buf.subarray(next, next + len);
      return { value: { t: 'bulk', ...encBytes(data) }, off: next + len + 2 };
    }
    case '*': {
      const n = parseInt(body.toString('latin1'), 10);
      if (n === -1) return { value: { t: 'nullarray' }, off: next };
      const items: TypedReply[] = [];
      let o = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, o);
        if (r === null) return null;
        items.push(r.value);
        o = r.off;
      }
      return { value: { t: 'array', v: items }, off: o };
    }
    default:
      throw new Error(`protocol violation: unexpected byte ${JSON.stringify(type)} at ${off}`);
  }
}

// ---------------------------------------------------------------- connection

interface Item {
  value: TypedReply;
  at: number;
  raw?: Buffer;
}

interface Taken {
  value: TypedReply;
  ms: number | null;
  step: number | null;
  raw?: Buffer | undefined;
}

export class Conn {
  buf: Buffer = Buffer.alloc(0);
  replies: Item[] = [];
  waiters: ((item: Item) => void)[] = [];
  unanswered: { sentAt: number; step: number }[] = [];
  closed = false;
  keepClosed = false;
  sock: net.Socket | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  open(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host: this.host, port: this.port });
      let connected = false;
      const to = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect timeout ${this.host}:${this.port}`));
      }, timeoutMs);
      s.once('connect', () => {
        connected = true;
        clearTimeout(to);
        s.setNoDelay(true);
        resolve();
      });
      s.once('error', (e) => {
        clearTimeout(to);
        if (!connected) {
          s.destroy();
          reject(e);
        }
      });
      s.on('data', (d: Buffer) => this.#onData(d));
      s.on('close', () => {
        this.closed = true;
        this.#flushClosed();
      });
      s.on('error', () => undefined);
      this.sock = s;
    });
  }

  #onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const r = parseReply(this.buf, 0);
      if (r === null) break;
      const raw = this.buf.subarray(0, r.off);
      this.buf = this.buf.subarray(r.off);
      this.#push({ value: r.value, at: performance.now(), raw: Buffer.from(raw) });
    }
  }

  #push(item: Item): void {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.replies.push(item);
  }

  #flushClosed(): void {
    while (this.waiters.length) this.waiters.shift()?.({ value: { t: 'closed' }, at: performance.now() });
  }

  send(args: readonly unknown[], step: number): void {
    this.unanswered.push({ sentAt: performance.now(), step });
    this.sock?.write(encodeCommand(args));
  }

  sendRaw(bytes: Buffer, step: number, expectReplies = 1): void {
    for (let i = 0; i < expectReplies; i++) this.unanswered.push({ sentAt: performance.now(), step });
    this.sock?.write(bytes);
  }

  next(timeoutMs: number): Promise<Taken> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(this.#take(queued));
    if (this.closed) return Promise.resolve(this.#take({ value: { t: 'closed' }, at: performance.now() }));
    return new Promise((resolve) => {
      let done = false;
      const w = (item: Item): void => {
        if (!done) {
          done = true;
          clearTimeout(to);
          resolve(this.#take(item));
        }
      };
      const to = setTimeout(() => {
        if (done) return;
        done = true;
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve({ value: { t: 'noreply' }, ms: timeoutMs, step: null });
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  #take(item: Item): Taken {
    const u = this.unanswered.shift();
    const ms = u ? Math.round(item.at - u.sentAt) : null;
    return { value: item.value, ms, step: u ? u.step : null, raw: item.raw };
  }

  close(): void {
    try {
      this.sock?.destroy();
    } catch {
      /* ignore */
    }
  }
}

// ---------------------------------------------------------------- helpers for replies

function fnv1a32(buf: Buffer): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < buf.length; i++) {
    h ^= buf[i] ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Replaces bulk strings longer than maxBulk bytes by {len, fnv1a32, head}. */
export function summarize(r: TypedReply, maxBulk: number | undefined): TypedReply {
  if (!r || typeof r !== 'object' || !maxBulk) return r;
  if (r.t === 'array' && Array.isArray(r.v))
    return { ...r, v: (r.v as TypedReply[]).map((x) => summarize(x, maxBulk)) };
  if (r.t === 'bulk') {
    const b =
      typeof r.v === 'string'
        ? Buffer.from(r.v, 'utf8')
        : r.b64 !== undefined
          ? Buffer.from(r.b64, 'base64')
          : null;
    if (b && b.length > maxBulk) {
      return {
        t: 'bulk',
        summary: { len: b.length, fnv1a32: fnv1a32(b), head: b.subarray(0, 32).toString('latin1') },
      };
    }
  }
  return r;
}

function items(r: TypedReply | undefined): TypedReply[] | undefined {
  return r && r.t === 'array' && Array.isArray(r.v) ? (r.v as TypedReply[]) : undefined;
}

function replyAt(reply: TypedReply, path: unknown): TypedReply | undefined {
  let cur: TypedReply | undefined = reply;
  if (path === '' || path === '$') return cur;
  for (const seg of String(path).split('/')) {
    const arr = items(cur);
    if (arr === undefined) return undefined;
    if (seg.startsWith('@')) {
      const k = seg.slice(1);
      const i = arr.findIndex((x, idx) => idx % 2 === 0 && x.v === k);
      cur = i < 0 ? undefined : arr[i + 1];
    } else {
      cur = arr[parseInt(seg, 10)];
    }
  }
  return cur;
}

function scalar(r: TypedReply | undefined): string | undefined {
  if (!r) return undefined;
  if (r.t === 'simple' || r.t === 'bulk' || r.t === 'error') {
    if (r.v !== undefined) return String(r.v);
    return r.b64 !== undefined ? Buffer.from(r.b64, 'base64').toString('latin1') : undefined;
  }
  if (r.t === 'int') return String(r.v);
  return undefined;
}

function substitute(arg: unknown, vars: Record<string, string>): unknown {
  if (typeof arg !== 'string') return arg;
  return arg.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`unknown variable ${name}`);
    return vars[name] ?? '';
  });
}

function printableArg(a: unknown): unknown {
  if (typeof a === 'string') return a;
  if (typeof a === 'number') return String(a);
  const b = argToBuffer(a);
  const o = a as { repeat?: unknown; n?: unknown; b64?: unknown; hex?: unknown };
  if (o.repeat !== undefined) return { repeat: o.repeat, n: o.n, len: b.length };
  const e = encBytes(b);
  return 'v' in e && !o.b64 && !o.hex ? e.v : { b64: b.toString('base64') };
}

// ---------------------------------------------------------------- normalisation

const VOLATILE_KEYS: Record<string, string> = {
  ctime: '{ctime}',
  age: '{age_s}',
  idle: '{idle_s}',
  'next-requeue-within': '{ms}',
  'next-awake-within': '{ms}',
};
const INFO_KEEP = new Set([
  'registered_jobs',
  'registered_queues',
  'loading',
  'aof_enabled',
  'aof_state',
  'blocked_clients',
  'aof_rewrite_in_progress',
  'aof_rewrite_scheduled',
  'aof_last_bgrewrite_status',
  'aof_last_write_status',
  'hz',
  'arch_bits',
  'disque_version',
  'multiplexing_api',
  'mem_allocator',
]);

export class Normalizer {
  jobs = new Map<string, number>();
  nodes = new Map<string, string>();
  prefixes = new Map<string, string>();
  unknownNodes = new Map<string, number>();
  ports = new Map<string, string>();

  addNode(label: string, id: string | null, port: number | string | null): void {
    if (id) {
      this.nodes.set(id, label);
      this.prefixes.set(id.slice(0, 8), label);
    }
    if (port) this.ports.set(String(port), label);
  }

  nodeLabel(id: string): string {
    if (this.nodes.has(id)) return `{node:${this.nodes.get(id)}}`;
    if (!this.unknownNodes.has(id)) this.unknownNodes.set(id, this.unknownNodes.size + 1);
    return `{node:?${this.unknownNodes.get(id)}}`;
  }

  jobLabel(id: string): string {
    const m = JOBID_RE.exec(id);
    if (m === null) return id;
    const pfxId = m[1] ?? '';
    const pfx = this.prefixes.has(pfxId)
      ? `{node:${this.prefixes.get(pfxId)}}`
      : `{nodepfx:${pfxId === '00000000' ? pfxId : '?'}}`;
    const rnd = m[2] ?? '';
    if (!this.jobs.has(rnd)) this.jobs.set(rnd, this.jobs.size + 1);
    return `D-${pfx}-{job:${this.jobs.get(rnd)}}-${m[3]}`;
  }

  str(s: unknown): unknown {
    if (typeof s !== 'string') return s;
    if (JOBID_RE.test(s)) return this.jobLabel(s);
    if (NODEID_RE.test(s)) return this.nodeLabel(s);
    if (this.ports.has(s)) return `{port:${this.ports.get(s)}}`;
    return s.replace(JOBID_ANY_RE, (m) => this.jobLabel(m)).replace(NODEID_ANY_RE, (m) => this.nodeLabel(m));
  }

  reply(r: TypedReply): TypedReply {
    if (!r || typeof r !== 'object') return r;
    switch (r.t) {
      case 'simple':
      case 'bulk':
      case 'error':
        if (r.v === undefined) return { ...r };
        return { ...r, v: this.str(r.v) };
      case 'array': {
        const src = (r.v as TypedReply[]) ?? [];
        const out = src.map((x) => this.reply(x));
        const isKV =
          src.length >= 2 &&
          src.length % 2 === 0 &&
          src.every(
            (x, i) =>
              i % 2 === 1 || (x.t === 'bulk' && /^[a-z][a-z-]*$/.test(typeof x.v === 'string' ? x.v : '')),
          );
        if (isKV) {
          for (let i = 0; i < src.length; i += 2) {
            const k = String(src[i]?.v);
            const val = src[i + 1];
            if (val === undefined) continue;
            const vk = VOLATILE_KEYS[k];
            if (vk !== undefined && val.t === 'int') out[i + 1] = { t: 'int', v: vk };
            if (k === 'ttl' && val.t === 'int')
              out[i + 1] = { t: 'int', v: `{ttl~${Math.round(Number(val.v) / 10) * 10}}` };
          }
        }
        return { t: 'array', v: out };
      }
      default:
        return { ...r };
    }
  }
}

function normInfo(text: string, norm: Normalizer): string[] {
  const lines = text.split('\r\n').filter((l) => l.length);
  return lines.map((l) => {
    if (l.startsWith('#')) return l;
    const i = l.indexOf(':');
    const k = l.slice(0, i);
    const v = l.slice(i + 1);
    if (k.startsWith('cmdstat_')) return `${k}:{v}`;
    if (k === 'tcp_port') return `${k}:${String(norm.str(v))}`;
    return INFO_KEEP.has(k) ? l : `${k}:{v}`;
  });
}

function normClusterNodes(text: string, norm: Normalizer): string[] {
  return text
    .split('\n')
    .filter((l) => l.length)
    .map((l) => {
      const f = l.split(' ');
      const [ip, port] = (f[1] ?? '').split(':');
      f[0] = String(norm.str(f[0]));
      f[1] = `${ip}:${port !== undefined && norm.ports.has(port) ? `{port:${norm.ports.get(port)}}` : port}`;
      if (f[3] !== '0') f[3] = '{t}';
      if (f[4] !== '0') f[4] = '{t}';
      return f.join(' ');
    })
    .sort();
}

function sortAt(r: TypedReply, pathSpec: string): void {
  if (!r || r.t !== 'array') return;
  const segs = pathSpec === '' ? [] : pathSpec.split('/');
  let cur: TypedReply | undefined = r;
  const byJson = (a: TypedReply, b: TypedReply): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] ?? '';
    const last = i === segs.length - 1;
    const arr: TypedReply[] = (cur?.v as TypedReply[]) ?? [];
    if (last && /^\d+:$/.test(seg) && cur !== undefined) {
      const from = parseInt(seg, 10);
      cur.v = arr.slice(0, from).concat(arr.slice(from).sort(byJson));
      return;
    }
    if (seg.startsWith('@')) {
      const k = seg.slice(1);
      const idx = arr.findIndex((x, j) => j % 2 === 0 && x.v === k);
      if (idx < 0) return;
      cur = arr[idx + 1];
    } else cur = arr[parseInt(seg, 10)];
    if (!cur || cur.t !== 'array') return;
  }
  if (cur && Array.isArray(cur.v)) (cur.v as TypedReply[]).sort(byJson);
}

export function normalizeStep(
  step: ScenarioStep,
  cmd: readonly unknown[] | undefined,
  reply: TypedReply,
  norm: Normalizer,
): TypedReply {
  const name = String(cmd?.[0] ?? '').toLowerCase();
  const sub = String(cmd?.[1] ?? '').toLowerCase();
  let n = norm.reply(reply);
  if (reply.t === 'bulk' && typeof reply.v === 'string') {
    if (name === 'info') n = { t: 'bulk', lines: normInfo(reply.v, norm) };
    else if (name === 'cluster' && sub === 'nodes') n = { t: 'bulk', lines: normClusterNodes(reply.v, norm) };
    else if (name === 'cluster' && sub === 'info') {
      n = {
        t: 'bulk',
        lines: reply.v
          .split('\r\n')
          .filter(Boolean)
          .map((l) => (l.startsWith('cluster_stats') ? l.replace(/:.*/, ':{v}') : l)),
      };
    }
  }
  const nv = items(n);
  if ((name === 'jscan' || name === 'qscan') && nv !== undefined && nv[0]?.t === 'bulk' && nv[0].v !== '0') {
    nv[0] = { t: 'bulk', v: '{cursor}' };
  }
  if (name === 'hello' && n.t === 'array') sortAt(n, '2:');
  for (const p of (step['unordered'] as string[] | undefined) ?? []) sortAt(n, p);
  return n;
}

// ---------------------------------------------------------------- runner

interface Until {
  contains?: unknown;
  not_contains?: unknown;
  count?: { of: string; eq: number };
  array_len?: number;
  type?: string;
  equals?: unknown;
  at?: { path: string; eq?: unknown; ne?: unknown };
}

function checkUntil(reply: TypedReply, until: Until): boolean {
  const js = JSON.stringify(reply);
  const all = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);
  if (until.contains !== undefined && !all(until.contains).every((c) => js.includes(String(c)))) return false;
  if (until.not_contains !== undefined && all(until.not_contains).some((c) => js.includes(String(c))))
    return false;
  if (until.count !== undefined) {
    const c = js.split(until.count.of).length - 1;
    if (c !== until.count.eq) return false;
  }
  if (until.array_len !== undefined && !(reply.t === 'array' && items(reply)?.length === until.array_len))
    return false;
  if (until.type !== undefined && reply.t !== until.type) return false;
  if (until.equals !== undefined && js !== JSON.stringify(until.equals)) return false;
  if (until.at !== undefined) {
    const v = scalar(replyAt(reply, until.at.path));
    if (until.at.eq !== undefined && v !== String(until.at.eq)) return false;
    if (until.at.ne !== undefined && v === String(until.at.ne)) return false;
  }
  return true;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', abort);
    };
    const t = setTimeout(() => {
      done();
      resolve();
    }, ms);
    const abort = (): void => {
      done();
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });

export async function runScenario(
  scenario: Scenario,
  nodes: Record<string, { host: string; port: number }>,
  opts: RunOptions = {},
): Promise<(TranscriptMeta | TranscriptStep)[]> {
  const out: (TranscriptMeta | TranscriptStep)[] = [];
  const norm = new Normalizer();
  const vars: Record<string, string> = { ...(opts.vars ?? {}) };
  const conns = new Map<string, Conn>();
  const labels = Object.keys(nodes);
  if (!labels.length) throw new Error('no --node given');

  const meta: Record<string, unknown> = {
    scenario: scenario.name,
    description: scenario.description,
    recorded_at: new Date().toISOString(),
    nodes: {},
  };
  const metaNodes = meta['nodes'] as Record<string, unknown>;
  for (const label of labels) {
    const { host, port } = nodes[label] as { host: string; port: number };
    let id: string | null = null;
    let version: string | null = null;
    try {
      const c = new Conn(host, port);
      await c.open();
      const pw = opts.auth?.[label];
      if (pw !== undefined) {
        c.send(['AUTH', pw], 0);
        await c.next(3000);
      }
      c.send(['HELLO'], 0);
      const h = await c.next(3000);
      if (h.value.t === 'array') id = String(items(h.value)?.[1]?.v);
      c.send(['INFO', 'server'], 0);
      const inf = await c.next(3000);
      if (inf.value.t === 'bulk') version = /disque_version:([^\r]+)/.exec(String(inf.value.v))?.[1] ?? null;
      c.close();
    } catch {
      /* server may refuse (e.g. requirepass) */
    }
    norm.addNode(label, id, port);
    vars[`node_${label}`] = id ?? '';
    vars[`port_${label}`] = String(port);
    vars[`host_${label}`] = host;
    metaNodes[label] = { addr: `${host}:${port}`, id, version };
  }
  out.push({ meta });

  const getConn = async (label: string, name: string): Promise<Conn> => {
    const key = `${label}/${name}`;
    let c = conns.get(key);
    if (!c || (c.closed && !c.keepClosed)) {
      const n = nodes[label];
      if (!n) throw new Error(`unknown node label ${label}`);
      c = new Conn(n.host, n.port);
      await c.open();
      conns.set(key, c);
    }
    return c;
  };

  const t0 = performance.now();
  const marks: Record<string, number> = {};
  const signal = opts.signal;
  let i = 0;
  try {
    for (const step of scenario.steps) {
      i++;
      signal?.throwIfAborted();
      await opts.beforeStep?.(i, step);
      const label = (step['node'] as string | undefined) ?? (labels[0] as string);
      const cname = (step['conn'] as string | undefined) ?? 'main';
      const rec: TranscriptStep = { i, node: label, conn: cname };
      if (step['note'] !== undefined) rec.note = step['note'] as string;
      if (step['volatile'] !== undefined) rec.volatile = step['volatile'] as string;
      if (step['comment'] !== undefined) rec['comment'] = step['comment'];
      rec['t_ms'] = Math.round(performance.now() - t0);
      if (step['mark'] !== undefined) {
        marks[String(step['mark'])] = performance.now();
        rec['mark'] = step['mark'];
      }

      if (step['sleep_ms'] !== undefined) {
        if (opts.sleep !== undefined) await opts.sleep(Number(step['sleep_ms']), i);
        else await sleep(Number(step['sleep_ms']), signal);
        rec['sleep_ms'] = step['sleep_ms'];
        delete rec.node;
        delete rec.conn;
        out.push(rec);
        continue;
      }
      if (step['hook'] !== undefined) {
        const hookName = String(step['hook']);
        rec['hook'] = hookName;
        const hook = opts.hooks?.[hookName];
        if (hook) rec['hook_result'] = await hook(label, step);
        else if (hookName === 'kill') {
          const n = nodes[label] as { host: string; port: number };
          const c = new Conn(n.host, n.port);
          await c.open();
          const pw = opts.auth?.[label];
          if (pw !== undefined) {
            c.send(['AUTH', pw], 0);
            await c.next(3000);
          }
          c.send(['SHUTDOWN'], 0);
          const r = await c.next(5000);
          c.close();
          rec['hook_result'] = { killed: label, via: 'SHUTDOWN', reply: r.value };
        } else rec['hook_result'] = { skipped: true };
        out.push(rec);
        continue;
      }
      if (step['close'] !== undefined) {
        const key = `${label}/${String(step['close'])}`;
        const c = conns.get(key);
        if (c) {
          c.close();
          conns.delete(key);
        }
        rec['close'] = step['close'];
        rec.conn = String(step['close']);
        out.push(rec);
        continue;
      }
      if (step['await'] !== undefined) {
        const c = await getConn(label, String(step['await']));
        const r = await c.next(Number(step['timeout_ms'] ?? 10000));
        rec.conn = String(step['await']);
        rec['await'] = r.step;
        rec.reply = summarize(r.value, opts.maxBulk);
        rec.ms = r.ms;
        const origCmd = (out.find((x) => 'i' in x && x.i === r.step) as TranscriptStep | undefined)?.cmd;
        rec.norm = summarize(normalizeStep(step, origCmd, r.value, norm), opts.maxBulk);
        if (opts.raw && r.raw) rec['raw'] = r.raw.toString('latin1');
        captureVars(step, r.value, vars, rec);
        out.push(rec);
        continue;
      }
      if (step['raw'] !== undefined) {
        const c = await getConn(label, cname);
        const bytes = Buffer.from(String(step['raw']), 'latin1');
        const n = Number(step['expect_replies'] ?? 1);
        c.sendRaw(bytes, i, n);
        rec['raw_sent'] = step['raw'];
        const replies: TypedReply[] = [];
        const norms: TypedReply[] = [];
        for (let k = 0; k < n; k++) {
          const r = await c.next(Number(step['timeout_ms'] ?? 3000));
          replies.push(summarize(r.value, opts.maxBulk));
          norms.push(summarize(normalizeStep(step, [], r.value, norm), opts.maxBulk));
        }
        rec.replies = replies;
        rec.norm = norms;
        out.push(rec);
        continue;
      }

      const poll = step['poll'] as
        { cmd?: Arg[]; until: Until; timeout_ms?: number; interval_ms?: number; since?: string } | undefined;
      const cmd = (step['cmd'] as Arg[] | undefined) ?? poll?.cmd ?? [];
      const args = cmd.map((a) => substitute(a, vars));
      rec.cmd = args.map(printableArg);
      rec.cmdn = rec.cmd.map((a) => (typeof a === 'string' ? norm.str(a) : a));

      if (poll) {
        const c = await getConn(label, cname);
        const deadline = performance.now() + (poll.timeout_ms ?? 30000);
        const start = performance.now();
        let r: Taken;
        let attempts = 0;
        let ok = false;
        const until = JSON.parse(String(substitute(JSON.stringify(poll.until), vars))) as Until;
        for (;;) {
          attempts++;
          c.send(args, i);
          r = await c.next(5000);
          if (checkUntil(r.value, until)) {
            ok = true;
            break;
          }
          if (performance.now() > deadline || opts.endPoll?.(i, r.value) === true) break;
          await sleep(poll.interval_ms ?? 100, signal);
        }
        rec.poll = {
          attempts,
          satisfied: ok,
          elapsed_ms: Math.round(performance.now() - start),
          until: poll.until,
        };
        if (poll.since !== undefined) {
          rec.poll.since_step_ms = Math.round(performance.now() - (marks[poll.since] ?? start));
        }
        rec.reply = summarize(r.value, opts.maxBulk);
        rec.norm = summarize(normalizeStep(step, args, r.value, norm), opts.maxBulk);
        captureVars(step, r.value, vars, rec);
        out.push(rec);
        continue;
      }

      const c = await getConn(label, cname);
      c.send(args, i);
      if (step['send_only']) {
        rec['sent'] = true;
        out.push(rec);
        continue;
      }
      const r = await c.next(Number(step['timeout_ms'] ?? 10000));
      rec.reply = summarize(r.value, opts.maxBulk);
      rec.ms = r.ms;
      if (r.step !== null && r.step !== i) rec['reply_to'] = r.step;
      if (opts.raw && r.raw) rec['raw'] = r.raw.toString('latin1');
      rec.norm = summarize(normalizeStep(step, args, r.value, norm), opts.maxBulk);
      captureVars(step, r.value, vars, rec);
      out.push(rec);
    }
  } finally {
    for (const c of conns.values()) c.close();
  }
  return out;
}

function captureVars(
  step: ScenarioStep,
  reply: TypedReply,
  vars: Record<string, string>,
  rec: TranscriptStep,
): void {
  for (const [name, path] of Object.entries((step['capture'] as Record<string, string> | undefined) ?? {})) {
    const r = replyAt(reply, path);
    const v = r && r.t !== 'error' ? scalar(r) : undefined;
    if (v !== undefined) vars[name] = v;
    else {
      // keep going: later steps using ${name} will visibly fail instead of aborting the recording
      vars[name] = `<uncaptured:${name}>`;
      const failed = (rec['capture_failed'] as string[] | undefined) ?? [];
      failed.push(name);
      rec['capture_failed'] = failed;
    }
  }
}
