import { randomUUID } from 'node:crypto';
import { Connection, type ConnectionOptions } from '../../src/connection.js';
import { parseNodeList, type NodeAddress } from '../../src/address.js';
import { createdQueues, drainCreatedQueues } from './cleanup.js';
import { declareTarget } from './target.js';

/**
 * Where the integration tests run: the nodes listed in DISQUE_NODES (real Disque), or an
 * embedded server started on port 0 for the test file.
 */
export interface TestDisque {
  /** The nodes, first one first. */
  readonly nodes: readonly NodeAddress[];
  /** True when the tests run against the embedded server. */
  readonly embedded: boolean;
  /** Opens a connection to node `i` (closed by `close()`). */
  connect(i?: number, options?: ConnectionOptions): Connection;
  /** Closes every connection opened and the embedded server. */
  close(): Promise<void>;
}

/** True when DISQUE_NODES points the suite at real Disque nodes. */
export const usingRealDisque = (process.env['DISQUE_NODES'] ?? '') !== '';

/** Starts (or finds) the Disque the tests use. Call in beforeAll, and `close()` in afterAll. */
export async function startTestDisque(options: { password?: string } = {}): Promise<TestDisque> {
  const opened: Connection[] = [];
  let nodes: NodeAddress[];
  let stop = async (): Promise<void> => undefined;
  if (usingRealDisque && options.password !== undefined) {
    throw new Error('startTestDisque: a password needs the embedded server (real nodes have none set)');
  }
  declareTarget(usingRealDisque ? 'real' : 'embedded');
  if (usingRealDisque) {
    nodes = parseNodeList(process.env['DISQUE_NODES'] ?? '');
    // The real node outlives the run: empty the queues this file filled.
    stop = async () => void (await drainCreatedQueues(nodes));
  } else {
    // Loaded only when needed, so a run against real Disque does not start anything.
    const { startServer } = await import('../../src/server/index.js');
    const server = await startServer({
      port: 0,
      ...(options.password ? { password: options.password } : {}),
    });
    nodes = [{ host: server.host, port: server.port }];
    stop = () => server.close();
  }
  return {
    nodes,
    embedded: !usingRealDisque,
    connect(i = 0, connectionOptions: ConnectionOptions = {}) {
      const node = nodes[i];
      if (!node) throw new Error(`no node ${i}`);
      const conn = new Connection({ host: node.host, port: node.port, ...connectionOptions });
      opened.push(conn);
      return conn;
    },
    async close() {
      await Promise.all(opened.map((c) => c.close()));
      await stop();
    },
  };
}

/** A queue name no other test uses (the real server is shared between runs). */
export function uniqueQueue(label = 'q'): string {
  const name = `test-${label}-${randomUUID()}`;
  createdQueues.add(name);
  return name;
}

/** One node for a suite that needs only its address: real or embedded. */
export interface SingleNode {
  readonly host: string;
  readonly port: number;
  /** True when it is an embedded server (started for this file). */
  readonly embedded: boolean;
  /** Empties the queues this file filled (real node) or stops the embedded server. */
  close(): Promise<void>;
}

/**
 * The first node of DISQUE_NODES, else an embedded server on port 0, for suites that talk to a
 * node through their own clients (the reliability suites, with the fault proxy in front).
 * Declares the file's target.
 */
export async function startSingleNode(): Promise<SingleNode> {
  declareTarget(usingRealDisque ? 'real' : 'embedded');
  if (usingRealDisque) {
    const nodes = parseNodeList(process.env['DISQUE_NODES'] ?? '');
    const first = nodes[0] as NodeAddress;
    return {
      host: first.host,
      port: first.port,
      embedded: false,
      // Jobs added on the first node have copies on the others: empty the queues on every node.
      close: async () => void (await drainCreatedQueues(nodes)),
    };
  }
  const { startServer } = await import('../../src/server/index.js');
  const server = await startServer({ port: 0 });
  return { host: server.host, port: server.port, embedded: true, close: () => server.close() };
}
