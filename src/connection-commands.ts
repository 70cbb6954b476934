import * as C from './commands/index.js';
import type { Command } from './commands/types.js';
import type { Job, JobInfo } from './job.js';

/**
 * The typed methods of {@link Connection} for queues, the server and the cluster, each one call
 * of {@link ConnectionCommands.run} with its command object. (The job methods, the life cycle
 * and the escape hatch are on `Connection` itself.)
 *
 * @example
 * ```ts
 * const conn: ConnectionCommands = new Connection({ port: 7711 });
 * await conn.qlen('emails');
 * ```
 */
export abstract class ConnectionCommands {
  /**
   * Runs a command object: validates and builds the argv, sends it, parses the reply.
   *
   * @example
   * ```ts
   * const len = await conn.run(QLEN, 'emails');
   * ```
   */
  abstract run<A extends readonly unknown[], R>(command: Command<A, R>, ...args: A): Promise<R>;

  // ---- queues -----------------------------------------------------------------------------

  /**
   * The number of jobs queued on this node in `queue`.
   *
   * @example
   * ```ts
   * await conn.qlen('emails'); // 0 for a queue that does not exist
   * ```
   */
  qlen(queue: string | Buffer): Promise<number> {
    return this.run(C.QLEN, queue);
  }

  /**
   * Up to |count| queued jobs without taking them: oldest first, or newest first if count < 0.
   *
   * @example
   * ```ts
   * const oldest = await conn.qpeek('emails', 10);
   * const [newest] = await conn.qpeek('emails', -1);
   * ```
   */
  qpeek(queue: string | Buffer, count: number): Promise<Job[]> {
    return this.run(C.QPEEK, queue, count);
  }

  /**
   * As {@link Connection.qpeek}, with bodies as Buffers.
   *
   * @example
   * ```ts
   * const [job] = await conn.qpeekBuffer('images', 1);
   * ```
   */
  qpeekBuffer(queue: string | Buffer, count: number): Promise<Job<Buffer>[]> {
    return this.run(C.QPEEK_BUFFER, queue, count);
  }

  /**
   * The state of a queue on this node, or `null` if it does not exist here.
   *
   * @example
   * ```ts
   * const stat = await conn.qstat('emails');
   * console.log(stat?.len, stat?.blocked, stat?.pause);
   * ```
   */
  qstat(queue: string | Buffer): Promise<C.QueueStat | null> {
    return this.run(C.QSTAT, queue);
  }

  /**
   * Pauses or resumes a queue: `in` refuses new jobs, `out` stops serving them, `all`, `none`;
   * `state` just reads. Resolves to the state after the command.
   *
   * @example
   * ```ts
   * await conn.pause('emails', 'in', { bcast: true }); // 'in', on every reachable node
   * await conn.pause('emails', 'none', { bcast: true }); // 'none'
   * ```
   */
  pause(queue: string | Buffer, option: C.PauseOption, options?: C.PauseOptions): Promise<C.PauseState> {
    return this.run(C.PAUSE, queue, option, options);
  }

  /**
   * One page of QSCAN. See {@link Connection.scanQueues} to iterate over all.
   *
   * @example
   * ```ts
   * const { cursor, items } = await conn.qscan({ count: 100 });
   * ```
   */
  qscan(options?: C.QScanOptions): Promise<C.ScanPage<string>> {
    return this.run(C.QSCAN, options);
  }

  /**
   * One page of JSCAN, job ids only. See {@link Connection.scanJobIds}.
   *
   * @example
   * ```ts
   * const { cursor, items } = await conn.jscan({ queue: 'emails' });
   * ```
   */
  jscan(options?: C.JScanOptions): Promise<C.ScanPage<string>> {
    return this.run(C.JSCAN, options);
  }

  /**
   * One page of JSCAN with every job's details (`REPLY all`). See {@link Connection.scanJobs}.
   *
   * @example
   * ```ts
   * const { items } = await conn.jscanJobs({ states: ['active'] });
   * for (const job of items) console.log(job.id, job.nacks);
   * ```
   */
  jscanJobs(options?: C.JScanOptions): Promise<C.ScanPage<JobInfo>> {
    return this.run(C.JSCAN_ALL, options);
  }

  /**
   * Every queue name on this node, following the QSCAN cursor (a name may come twice if queues
   * change during the scan, as with Redis SCAN).
   * @example
   * ```ts
   * for await (const queue of conn.scanQueues({ minLen: 1 })) console.log(queue);
   * ```
   */
  scanQueues(options: Omit<C.QScanOptions, 'cursor'> = {}): AsyncIterableIterator<string> {
    return this.#follow((cursor) => this.qscan({ ...options, cursor }));
  }

  /**
   * Every job id on this node matching the options, following the JSCAN cursor.
   *
   * @example
   * ```ts
   * for await (const id of conn.scanJobIds({ queue: 'emails', states: ['queued'] })) await conn.dequeue(id);
   * ```
   */
  scanJobIds(options: Omit<C.JScanOptions, 'cursor'> = {}): AsyncIterableIterator<string> {
    return this.#follow((cursor) => this.jscan({ ...options, cursor }));
  }

  /**
   * Every job on this node matching the options, with details, following the JSCAN cursor.
   *
   * @example
   * ```ts
   * for await (const job of conn.scanJobs({ states: ['active'] })) console.log(job.id, job.queue, job.createdAt);
   * ```
   */
  scanJobs(options: Omit<C.JScanOptions, 'cursor'> = {}): AsyncIterableIterator<JobInfo> {
    return this.#follow((cursor) => this.jscanJobs({ ...options, cursor }));
  }

  async *#follow<T>(page: (cursor: string) => Promise<C.ScanPage<T>>): AsyncIterableIterator<T> {
    let cursor = '0';
    do {
      const result = await page(cursor);
      yield* result.items;
      cursor = result.cursor;
    } while (cursor !== '0');
  }

  // ---- server and cluster -----------------------------------------------------------------

  /**
   * This node's id and every node of the cluster with its priority.
   *
   * @example
   * ```ts
   * const { nodeId, nodes } = await conn.hello();
   * console.log(nodeId, nodes.map((n) => `${n.host}:${n.port} (${n.priority})`));
   * ```
   */
  hello(): Promise<C.Hello> {
    return this.run(C.HELLO);
  }

  /**
   * The server's INFO, parsed into sections: `(await conn.info()).server?.['disque_version']`.
   *
   * @example
   * ```ts
   * const info = await conn.info('memory');
   * Number(info['memory']?.['used_memory']); // bytes
   * ```
   */
  info(section?: string): Promise<C.Info> {
    return this.run(C.INFO, section);
  }

  /**
   * `'PONG'`, or the message echoed.
   *
   * @example
   * ```ts
   * await conn.ping(); // 'PONG'
   * ```
   */
  ping(message?: string): Promise<string> {
    return this.run(C.PING, message);
  }

  /**
   * Authenticates this connection. Prefer the `password` option, which also authenticates every
   * reconnection. A wrong password logs the connection out.
   *
   * @example
   * ```ts
   * await conn.auth('secret'); // 'OK'; a wrong one rejects with ReplyError (ERR invalid password)
   * ```
   */
  auth(password: string): Promise<string> {
    return this.run(C.AUTH, password);
  }

  /**
   * Asks this node to join the node at `host:port` (an IP address, as Disque requires).
   *
   * @example
   * ```ts
   * await conn.clusterMeet('10.0.0.6', 7711); // 'OK'; see meet() for host names
   * ```
   */
  clusterMeet(host: string, port: number): Promise<'OK'> {
    return this.run(C.CLUSTER_MEET, host, port);
  }

  /**
   * The nodes this node knows, with flags and link state.
   *
   * @example
   * ```ts
   * const down = (await conn.clusterNodes()).filter((n) => n.flags.includes('fail'));
   * ```
   */
  clusterNodes(): Promise<C.ClusterNode[]> {
    return this.run(C.CLUSTER_NODES);
  }

  /**
   * Whether this node is leaving the cluster.
   *
   * @example
   * ```ts
   * await conn.clusterLeaving(); // false
   * ```
   */
  clusterLeaving(): Promise<boolean>;
  /**
   * Starts (`true`) or stops (`false`) leaving the cluster.
   *
   * @example
   * ```ts
   * await conn.clusterLeaving(true); // 'OK': drain this node before stopping it
   * ```
   */
  clusterLeaving(leaving: boolean): Promise<'OK'>;
  clusterLeaving(leaving?: boolean): Promise<boolean | 'OK'> {
    return leaving === undefined ? this.run(C.CLUSTER_LEAVING_GET) : this.run(C.CLUSTER_LEAVING_SET, leaving);
  }

  /**
   * Forgets a node (run it on every node, or the others teach it back).
   *
   * @example
   * ```ts
   * for (const c of conns) await c.clusterForget(deadNodeId);
   * ```
   */
  clusterForget(nodeId: string): Promise<'OK'> {
    return this.run(C.CLUSTER_FORGET, nodeId);
  }

  /**
   * This node's id.
   *
   * @example
   * ```ts
   * const nodeId = await conn.clusterMyId(); // job ids created here carry nodeId.slice(0, 8)
   * ```
   */
  clusterMyId(): Promise<string> {
    return this.run(C.CLUSTER_MYID);
  }

  /**
   * CLUSTER INFO fields.
   *
   * @example
   * ```ts
   * (await conn.clusterInfo())['cluster_state']; // 'ok'
   * ```
   */
  clusterInfo(): Promise<Record<string, string>> {
    return this.run(C.CLUSTER_INFO);
  }
}
