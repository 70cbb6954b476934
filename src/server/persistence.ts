/**
 * What a node keeps in its `dir`: `nodes.conf` (its own id, its peers, the leaving flag), so a
 * restarted process is the same node, and with `appendonly yes` the AOF, `appendonly.aof`, a log
 * of job changes replayed at start (jobs survive a restart and are re-queued, as Disque does).
 *
 * The AOF is JSON lines: `{"op":"add","job":{...},"state":"queued"}`, `{"op":"ack","id":...}`,
 * `{"op":"del","id":...}`, `{"op":"fetched","id":...}` (an at-most-once job was delivered and
 * must not be queued again). It is compacted (rewritten from the job table) after every replay.
 * @internal
 */
import fs from 'node:fs';
import path from 'node:path';
import { deserializeJob, serializeJob, type SerializedJob } from './cluster-messages.js';
import { fromTaggedJson, toTaggedJson } from './tagged-json.js';
import type { Job } from './job.js';
import type { DisqueNode } from './node.js';

/** A peer as remembered in nodes.conf. @internal */
export interface SavedPeer {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

/** The content of nodes.conf. @internal */
export interface NodesConf {
  readonly myId: string;
  readonly leaving: boolean;
  readonly peers: readonly SavedPeer[];
}

export const NODES_CONF = 'nodes.conf';
export const AOF_FILE = 'appendonly.aof';

/** Disque-like text: `id host:port flags` per node, `myself` (and `leaving`) on our own line. */
export function formatNodesConf(c: NodesConf): string {
  const lines = [`${c.myId} :0 myself${c.leaving ? ',leaving' : ''}`];
  for (const p of c.peers) lines.push(`${p.id} ${p.host}:${p.port} noflags`);
  return lines.join('\n') + '\n';
}

/** Parses nodes.conf; null when there is none or it has no `myself` line. @internal */
export function readNodesConf(dir: string): NodesConf | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, NODES_CONF), 'utf8');
  } catch {
    return null;
  }
  let myId: string | undefined;
  let leaving = false;
  const peers: SavedPeer[] = [];
  for (const line of text.split('\n')) {
    const [id, addr, flags] = line.trim().split(/\s+/);
    if (id === undefined || !/^[0-9a-f]{40}$/.test(id) || addr === undefined) continue;
    const fl = (flags ?? '').split(',');
    if (fl.includes('myself')) {
      myId = id;
      leaving = fl.includes('leaving');
      continue;
    }
    const i = addr.lastIndexOf(':');
    const port = Number(addr.slice(i + 1));
    if (i <= 0 || !Number.isInteger(port) || port <= 0) continue;
    peers.push({ id, host: addr.slice(0, i), port });
  }
  return myId === undefined ? null : { myId, leaving, peers };
}

/** Writes a file atomically (tmp + rename), so a kill never leaves half a nodes.conf. */
function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

interface AofRecord {
  readonly op: 'add' | 'ack' | 'del' | 'fetched';
  readonly id?: string;
  readonly job?: SerializedJob;
  readonly state?: string;
}

/** Keeps nodes.conf and the AOF of one node up to date. @internal */
export class Persistence {
  #lastNodesConf = '';
  #aofFd: number | null = null;
  #pending: string[] = [];
  #flushScheduled = false;
  #lastFsync = 0;
  /** Set while replaying, so replayed jobs are not logged twice. */
  #replaying = false;
  aofLastWriteOk = true;

  constructor(
    private readonly node: DisqueNode,
    readonly dir: string,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  get aofEnabled(): boolean {
    return this.#aofFd !== null;
  }

  /** Writes nodes.conf if what it would say changed (called by the cron and on LEAVING). */
  saveNodesConf(): void {
    const c = this.node.cluster;
    const peers: SavedPeer[] = [];
    for (const p of c.nodes.values()) {
      if (p.myself || p.handshake || p.noaddr) continue;
      peers.push({ id: p.id, host: p.host, port: p.port });
    }
    const text = formatNodesConf({ myId: this.node.id, leaving: c.leaving, peers });
    if (text === this.#lastNodesConf) return;
    try {
      writeAtomic(path.join(this.dir, NODES_CONF), text);
      this.#lastNodesConf = text;
    } catch (e) {
      process.emitWarning(`disque-ts server: cannot write nodes.conf: ${String(e)}`);
    }
  }

  // ---------------------------------------------------------------------- AOF

  /** Replays the AOF (if any) into the node, compacts it, and keeps appending. */
  openAof(): void {
    if (this.#aofFd !== null) return;
    const file = path.join(this.dir, AOF_FILE);
    this.#replay(file);
    this.#rewrite(file);
    this.#aofFd = fs.openSync(file, 'a');
  }

  /** CONFIG SET appendonly no. */
  closeAof(): void {
    this.flush();
    if (this.#aofFd !== null) fs.closeSync(this.#aofFd);
    this.#aofFd = null;
  }

  /** CONFIG SET appendonly yes on a running node: start from a snapshot of the job table. */
  startAofFromMemory(): void {
    if (this.#aofFd !== null) return;
    const file = path.join(this.dir, AOF_FILE);
    this.#rewrite(file);
    this.#aofFd = fs.openSync(file, 'a');
  }

  #replay(file: string): void {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const jobs = new Map<string, { job: SerializedJob; state: string; fetched: boolean }>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let r: AofRecord;
      try {
        r = fromTaggedJson(line) as AofRecord;
      } catch {
        break; // a truncated last line (aof-load-truncated yes): keep what came before
      }
      if (r.op === 'add' && r.job !== undefined) {
        jobs.set(r.job.id, { job: r.job, state: r.state ?? 'active', fetched: false });
      } else if (r.id !== undefined) {
        const e = jobs.get(r.id);
        if (e === undefined) continue;
        if (r.op === 'del') jobs.delete(r.id);
        else if (r.op === 'ack') e.state = 'acked';
        else if (r.op === 'fetched') e.fetched = true;
      }
    }
    this.#replaying = true;
    try {
      const now = this.node.unixtime();
      for (const { job: s, state, fetched } of jobs.values()) {
        if (now + s.ttlLeft <= now || this.node.jobs.has(s.id)) continue;
        const job = deserializeJob(s, now, () => true);
        job.delivered = fetched;
        job.qtime = this.node.now() + Math.max(job.retry, 1) * 1000;
        this.node.lifecycle.registerJob(job);
        if (state === 'acked') this.node.lifecycle.acknowledgeJob(job);
        else if (!(job.retry === 0 && fetched)) this.node.lifecycle.enqueueJob(job, false);
      }
    } finally {
      this.#replaying = false;
    }
  }

  /** Writes the job table as a fresh AOF (tmp + rename). */
  #rewrite(file: string): void {
    const now = this.node.unixtime();
    const out: string[] = [];
    for (const job of this.node.jobs.values()) {
      const line = this.#addLine(job, now);
      if (line !== null) out.push(line);
    }
    writeAtomic(file, out.join(''));
  }

  #addLine(job: Job, now: number): string | null {
    if (job.isDummyAck || job.queue === null) return null;
    const rec = { op: 'add', job: serializeJob(job, now), state: job.state };
    return `${toTaggedJson(rec)}\n`;
  }

  #append(line: string): void {
    if (this.#aofFd === null || this.#replaying) return;
    this.#pending.push(line);
    if (this.node.settings.appendfsync === 'always') {
      this.flush();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is pending (the OS keeps it across a process kill); fsyncs per appendfsync. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#aofFd === null || this.#pending.length === 0) return;
    const data = this.#pending.join('');
    this.#pending = [];
    try {
      fs.writeSync(this.#aofFd, data);
      const mode = this.node.settings.appendfsync;
      const now = Date.now();
      if (mode === 'always' || (mode === 'everysec' && now - this.#lastFsync >= 1000)) {
        fs.fsyncSync(this.#aofFd);
        this.#lastFsync = now;
      }
      this.aofLastWriteOk = true;
    } catch (e) {
      this.aofLastWriteOk = false;
      process.emitWarning(`disque-ts server: AOF write failed: ${String(e)}`);
    }
  }

  jobAdded(job: Job): void {
    if (this.#aofFd === null || this.#replaying) return;
    const line = this.#addLine(job, this.node.unixtime());
    if (line !== null) this.#append(line);
  }

  jobAcked(job: Job): void {
    if (!job.isDummyAck) this.#append(`{"op":"ack","id":"${job.id}"}\n`);
  }

  jobRemoved(job: Job): void {
    if (!job.isDummyAck) this.#append(`{"op":"del","id":"${job.id}"}\n`);
  }

  /** An at-most-once job was handed to a client: it must not be queued again after a restart. */
  jobFetched(job: Job): void {
    if (job.retry === 0) this.#append(`{"op":"fetched","id":"${job.id}"}\n`);
  }

  /** DEBUG FLUSHALL / CLUSTER RESET: the AOF starts empty. */
  reset(): void {
    if (this.#aofFd === null) return;
    this.#pending = [];
    fs.ftruncateSync(this.#aofFd, 0);
  }

  close(): void {
    this.saveNodesConf();
    this.closeAof();
  }
}
