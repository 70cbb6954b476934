/**
 * `startCluster({ processes: true })`: one `disque-ts-server` process per node, joined with
 * CLUSTER MEET over the TCP cluster bus. Stop, kill (any signal) and restart (same dir, so the
 * same identity, or wiped) act on real processes.
 * @internal
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BUS_PORT_OFFSET } from './cluster-tcp-bus.js';
import { ownServerBin } from './own-bin.js';
import { respCall, type RespValue } from './resp-call.js';
import type { ClusterHandle, ClusterNodeInfo, ClusterOptions } from './start-cluster.js';
import { advertisedHost } from './start-server.js';

const START_TIMEOUT_MS = 20000;

/** Whether a TCP port can be bound on host right now. */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port whose bus port (+10000) is free too, avoiding ports already handed out. @internal */
export async function pickPort(host: string, taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 35000);
    if (taken.has(p) || taken.has(p + BUS_PORT_OFFSET) || taken.has(p - BUS_PORT_OFFSET)) continue;
    if ((await portFree(host, p)) && (await portFree(host, p + BUS_PORT_OFFSET))) return p;
  }
  throw new Error('Found no free port pair (port and port + 10000) for a node process');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Member {
  port: number;
  dir: string;
  child: ChildProcess | null;
  exited: Promise<void>;
  output: string;
}

/** @internal */
export async function startProcessCluster(
  options: ClusterOptions & { readonly nodes: number },
): Promise<ClusterHandle> {
  const host = options.host ?? '127.0.0.1';
  const connectHost = advertisedHost(host);
  const bin = ownServerBin();
  const ownDir = options.dir === undefined;
  const baseDir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'disque-ts-cluster-'));
  const taken = new Set<number>();
  const members: Member[] = [];
  const infos: ClusterNodeInfo[] = [];
  const call = (i: number, args: string[]): Promise<RespValue> =>
    respCall(connectHost, members[i]!.port, args, options.password);

  const argsFor = (m: Member): string[] => {
    const a = ['--port', String(m.port), '--bind', host, '--dir', m.dir];
    if (options.password !== undefined) a.push('--requirepass', options.password);
    if (options.nodeTimeout !== undefined) a.push('--cluster-node-timeout', String(options.nodeTimeout));
    if (options.maxMemory !== undefined) a.push('--maxmemory', String(options.maxMemory));
    if (options.appendonly === true) a.push('--appendonly', 'yes');
    if (options.appendfsync !== undefined) a.push('--appendfsync', options.appendfsync);
    if (options.nodeArgs !== undefined) a.push(...options.nodeArgs(members.indexOf(m)));
    return a;
  };

  const launch = async (m: Member): Promise<void> => {
    fs.mkdirSync(m.dir, { recursive: true });
    m.output = '';
    // stdin stays a pipe: the node exits when it closes, so no node outlives its parent.
    const child = spawn(process.execPath, [bin, ...argsFor(m)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DISQUE_TS_EXIT_WITH_STDIN: '1' },
    });
    m.child = child;
    const keep = (d: Buffer): void => {
      m.output = (m.output + d.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    m.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (m.child === child) m.child = null;
        resolve();
      }),
    );
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (m.child !== child) throw new Error(`Node process on port ${m.port} exited:\n${m.output}`);
      try {
        if ((await respCall(connectHost, m.port, ['PING'], options.password, 500)) === 'PONG') return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline)
        throw new Error(`Node process on port ${m.port} did not start:\n${m.output}`);
      await sleep(50);
    }
  };

  const nodeIdOf = async (i: number): Promise<string> => {
    const hello = await call(i, ['HELLO']);
    if (!Array.isArray(hello) || typeof hello[1] !== 'string') throw new Error(`Bad HELLO from node ${i}`);
    return hello[1];
  };

  /** Waits until every running node's HELLO lists every running node with priority 1. */
  const waitJoined = async (): Promise<void> => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const running = members.map((m, i) => (m.child !== null ? i : -1)).filter((i) => i >= 0);
      const ids = await Promise.all(running.map((i) => nodeIdOf(i)));
      const views: string[] = [];
      let ok = true;
      for (const i of running) {
        const hello = (await call(i, ['HELLO'])) as RespValue[];
        const entries = hello.slice(2) as string[][];
        const up = new Set(entries.filter((e) => e[3] === '1').map((e) => e[0]));
        if (!ids.every((id) => up.has(id))) ok = false;
        views.push(`node ${i}: ${entries.map((e) => `${e[0]?.slice(0, 8)}@${e[2]}=${e[3]}`).join(' ')}`);
      }
      if (ok) return;
      if (Date.now() > deadline) {
        throw new Error(`Node processes did not form a cluster in time; HELLO views:\n${views.join('\n')}`);
      }
      await sleep(100);
    }
  };

  const stopAll = async (): Promise<void> => {
    for (const m of members) m.child?.kill('SIGTERM');
    await Promise.all(members.map((m) => m.exited));
  };

  try {
    for (let i = 0; i < options.nodes; i++) {
      const want = options.ports?.[i] ?? 0;
      const port = want !== 0 ? want : await pickPort(host, taken);
      taken.add(port);
      const m: Member = {
        port,
        dir: path.join(baseDir, `node-${i}`),
        child: null,
        exited: Promise.resolve(),
        output: '',
      };
      members.push(m);
    }
    await Promise.all(members.map((m) => launch(m)));
    for (let i = 1; i < members.length; i++) {
      await call(i, ['CLUSTER', 'MEET', connectHost, String(members[0]!.port)]);
    }
    await waitJoined();
    for (let i = 0; i < members.length; i++) {
      infos.push({ host, port: members[i]!.port, nodeId: await nodeIdOf(i) });
    }
  } catch (e) {
    await stopAll();
    if (ownDir) fs.rmSync(baseDir, { recursive: true, force: true });
    throw e;
  }

  const member = (i: number): Member => {
    const m = members[i];
    if (m === undefined) throw new RangeError(`No node ${i} in a cluster of ${members.length}`);
    return m;
  };
  const signal = async (i: number, sig: NodeJS.Signals): Promise<void> => {
    const m = member(i);
    if (m.child === null) return;
    m.child.kill(sig);
    await m.exited;
  };
  let closing: Promise<void> | null = null;

  return {
    nodes: infos,
    stop: (i) => signal(i, 'SIGTERM'),
    kill: (i, sig = 'SIGKILL') => signal(i, sig),
    pid(i) {
      return member(i).child?.pid ?? 0;
    },
    async restart(i, restartOptions = {}) {
      const m = member(i);
      if (m.child !== null) return;
      if (restartOptions.wipe === true) fs.rmSync(m.dir, { recursive: true, force: true });
      await launch(m);
      if (restartOptions.wipe === true) {
        const peer = members.findIndex((x, j) => j !== i && x.child !== null);
        if (peer >= 0) await call(i, ['CLUSTER', 'MEET', connectHost, String(members[peer]!.port)]);
        infos[i] = { ...infos[i]!, nodeId: await nodeIdOf(i) };
      }
      await waitJoined();
    },
    async leave(i, leaving = true) {
      await call(i, ['CLUSTER', 'LEAVING', leaving ? 'yes' : 'no']);
    },
    isRunning(i) {
      return member(i).child !== null;
    },
    close() {
      closing ??= stopAll().then(() => {
        if (ownDir) fs.rmSync(baseDir, { recursive: true, force: true });
      });
      return closing;
    },
  };
}
