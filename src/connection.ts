import { inspect } from 'node:util';
import * as C from './commands/index.js';
import type { Arg, Command, Milliseconds } from './commands/types.js';
import { rawServerHold } from './commands/hold.js';
import type { Job, JobInfo } from './job.js';
import type { RawReply } from './replies.js';
import { ArgumentError } from './errors.js';
import { parseAddress } from './address.js';
import { LeanSession } from './transport/session.js';
import { resolveConnectionOptions, type ConnectionOptions } from './transport/options.js';

export type { ConnectionOptions } from './transport/options.js';
export { DEFAULT_COMMAND_TIMEOUT, DEFAULT_PORT } from './transport/shared.js';

/** The command name of {@link Connection.call}, upper case. */
function callName(command: unknown): string {
  if (typeof command !== 'string' || command.length === 0)
    throw new ArgumentError('command', 'Expected `command` to be a non-empty string');
  return command.toUpperCase();
}

/** The arguments of {@link Connection.call}: strings, Buffers and finite numbers, as on the wire. */
function callArgs(args: readonly unknown[]): Arg[] {
  args.forEach((arg, i) => {
    if (
      typeof arg !== 'string' &&
      !Buffer.isBuffer(arg) &&
      !(typeof arg === 'number' && Number.isFinite(arg))
    )
      throw new ArgumentError(
        `args[${i}]`,
        `Expected \`args[${i}]\` to be a string, a Buffer or a finite number, got ${arg === null ? 'null' : typeof arg}`,
      );
  });
  return args as Arg[];
}

/**
 * One connection to one Disque node, with a typed method for every command.
 *
 * Built on a single ioredis client speaking RESP2 (Disque refuses `HELLO 3` and `CLIENT SETINFO`).
 * Arguments are validated before anything is sent ({@link ArgumentError}); error replies become
 * typed errors ({@link NoJobError}, {@link LeavingError}, …); all durations are milliseconds.
 *
 * A blocking {@link Connection.getJob} holds the connection until it returns: give blocking
 * consumers a connection of their own (the Pool does this for you).
 *
 * @example
 * ```ts
 * const conn = new Connection({ host: '127.0.0.1', port: 7711 });
 * const id = await conn.addJob('emails', JSON.stringify({ to: 'a@b.c' }), { retry: 60_000 });
 * const [job] = await conn.getJob(['emails'], { timeout: 1000 });
 * if (job) await conn.ackJob(job.id);
 * await conn.close();
 * ```
 */
export class Connection {
  /** The node's address, `host:port`. */
  readonly address: string;
  readonly #wire: LeanSession;
  /** Blocking GETJOBs in flight: close() cuts them rather than wait for QUIT behind them. */
  #blocking = 0;
  #closing: Promise<void> | undefined;

  /**
   * Creates the connection. It connects at once unless `lazyConnect` (then on the first command,
   * or {@link Connection.connect}).
   * @throws {@link ArgumentError} for a bad or unknown option
   */
  constructor(options: ConnectionOptions = {}) {
    this.#wire = new LeanSession(resolveConnectionOptions(options));
    this.address = this.#wire.address;
  }

  /**
   * Creates a connection from a URL: `disque://[:password@]host[:port]`, or `disques://` for TLS.
   *
   * @example
   * ```ts
   * const conn = Connection.fromUrl('disque://:secret@queue.internal:7711');
   * ```
   */
  static fromUrl(
    url: string,
    options: Omit<ConnectionOptions, 'host' | 'port' | 'password'> = {},
  ): Connection {
    return new Connection({ ...parseAddress(url), ...options });
  }

  /**
   * Whether the connection is ready for commands.
   *
   * @example
   * ```ts
   * if (!conn.ready) await conn.connect();
   * ```
   */
  get ready(): boolean {
    return this.#wire.ready;
  }

  /**
   * Whether the connection is closed for good (closed by the user, or dropped with `reconnect: false`).
   *
   * @example
   * ```ts
   * if (conn.closed) console.warn(`${conn.address} is closed for good`);
   * ```
   */
  get closed(): boolean {
    return this.#closing !== undefined || this.#wire.closed;
  }

  /**
   * Commands sent and not yet answered.
   *
   * @example
   * ```ts
   * const idle = conns.filter((c) => c.inFlight === 0);
   * ```
   */
  get inFlight(): number {
    return this.#wire.inFlight;
  }

  /**
   * Connects now (otherwise the first command does, or the constructor unless `lazyConnect`).
   *
   * @example
   * ```ts
   * const conn = new Connection({ port: 7711, lazyConnect: true });
   * await conn.connect(); // rejects with ConnectionError if the node is down
   * ```
   */
  connect(): Promise<void> {
    return this.#wire.connect();
  }

  /**
   * Runs a command object: validates and builds the argv, sends it, parses the reply, and maps
   * errors. Every typed method below goes through here.
   *
   * @example
   * ```ts
   * const len = await conn.run(QLEN, 'emails');
   * const [job] = await conn.run(GETJOB, ['emails'], { nohang: true });
   * ```
   */
  async run<A extends readonly unknown[], R>(command: Command<A, R>, ...args: A): Promise<R> {
    const argv = command.args(...args);
    return this.#wire.run(command as Command<never, R>, argv, command.hold ? command.hold(...args) : 0);
  }

  /**
   * Sends any command as it is (an escape hatch for commands this version does not model).
   * Replies come raw: strings, Buffers when `binary`, integers as decimal strings, arrays.
   *
   * @example
   * ```ts
   * await conn.call('DEBUG', 'FLUSHALL');
   * ```
   */
  async call(command: string, ...args: Arg[]): Promise<RawReply> {
    return this.#call(command, args, false);
  }

  /**
   * As {@link Connection.call}, with every string in the reply as a Buffer.
   *
   * @example
   * ```ts
   * const reply = await conn.callBuffer('SHOW', id); // bulk strings as Buffers: bodies byte for byte
   * ```
   */
  async callBuffer(command: string, ...args: Arg[]): Promise<RawReply> {
    return this.#call(command, args, true);
  }

  #call(command: string, args: readonly unknown[], binary: boolean): Promise<RawReply> {
    const name = callName(command);
    const argv = [command, ...callArgs(args)];
    return this.#wire.send(name, argv, binary, rawServerHold(argv));
  }

  /**
   * Adds a job. Resolves to its id once it is replicated as asked (or at once with `async`).
   * @param queue - the queue name
   * @param body - the body, a string or Buffer (byte exact)
   * @throws {@link NoReplError} not enough nodes confirmed in time
   * @throws {@link MaxLenError}, {@link PausedError}, {@link ArgumentError}
   * @example
   * ```ts
   * await conn.addJob('emails', 'hello', { replicate: 2, retry: 30_000, ttl: 3_600_000 });
   * ```
   */
  addJob(queue: string | Buffer, body: string | Buffer, options?: C.AddJobOptions): Promise<string> {
    return this.run(C.ADDJOB, queue, body, options);
  }

  /**
   * Fetches jobs from the queues, the first non-empty queue first. Blocks unless `nohang`, up to
   * `timeout` ms (`0`, the default, forever); resolves to `[]` when nothing came.
   * @example
   * ```ts
   * const jobs = await conn.getJob(['urgent', 'normal'], { timeout: 5000, count: 10 });
   * ```
   */
  getJob(queues: readonly (string | Buffer)[], options?: C.GetJobOptions): Promise<Job[]> {
    return this.#blockingRun(C.GETJOB, queues, options);
  }

  /**
   * As {@link Connection.getJob}, with bodies as Buffers.
   *
   * @example
   * ```ts
   * const [job] = await conn.getJobBuffer(['images'], { timeout: 1000 });
   * if (job) await fs.writeFile(`${job.id}.png`, job.body);
   * ```
   */
  getJobBuffer(queues: readonly (string | Buffer)[], options?: C.GetJobOptions): Promise<Job<Buffer>[]> {
    return this.#blockingRun(C.GETJOB_BUFFER, queues, options);
  }

  async #blockingRun<R>(
    command: Command<[readonly (string | Buffer)[], C.GetJobOptions?], R>,
    queues: readonly (string | Buffer)[],
    options?: C.GetJobOptions,
  ): Promise<R> {
    command.args(queues, options); // bad arguments throw before the count moves
    this.#blocking++;
    try {
      return await this.run(command, queues, options);
    } finally {
      this.#blocking--;
    }
  }

  /**
   * Acknowledges jobs: they are deleted cluster-wide. Resolves to how many were known and not yet acked.
   *
   * @example
   * ```ts
   * const [job] = await conn.getJob(['emails']);
   * if (job) await conn.ackJob(job.id); // 1
   * ```
   */
  ackJob(...ids: string[]): Promise<number> {
    return this.run(C.ACKJOB, ...ids);
  }

  /**
   * Deletes jobs at once, with a best-effort delete on other nodes. Faster than ACKJOB, less certain.
   *
   * @example
   * ```ts
   * await conn.fastAck(...batch.map((j) => j.id));
   * ```
   */
  fastAck(...ids: string[]): Promise<number> {
    return this.run(C.FASTACK, ...ids);
  }

  /**
   * Puts jobs back at the front of their queue and counts a NACK. Resolves to how many moved.
   *
   * @example
   * ```ts
   * try { await send(job.body); await conn.ackJob(job.id); }
   * catch { await conn.nack(job.id); } // delivered again at once
   * ```
   */
  nack(...ids: string[]): Promise<number> {
    return this.run(C.NACK, ...ids);
  }

  /**
   * Tells the node the job is still being worked on: its next re-queue moves a full RETRY from
   * now. Resolves to that RETRY period in ms.
   * @throws {@link NoJobError} unknown job; {@link TooLateError} past half its TTL
   * @example
   * ```ts
   * const lease = await conn.working(job.id); // 60000: a minute more for a RETRY 60 job
   * ```
   */
  working(id: string): Promise<Milliseconds> {
    return this.run(C.WORKING, id);
  }

  /**
   * Puts jobs (not queued) back in their queue without counting a NACK.
   *
   * @example
   * ```ts
   * await conn.enqueue(id); // 1: queued again at once, its `nacks` unchanged
   * ```
   */
  enqueue(...ids: string[]): Promise<number> {
    return this.run(C.ENQUEUE, ...ids);
  }

  /**
   * Takes queued jobs out of their queue (they stay known, `active`).
   *
   * @example
   * ```ts
   * await conn.dequeue(id); // 1: nobody gets it until ENQUEUE or its RETRY
   * ```
   */
  dequeue(...ids: string[]): Promise<number> {
    return this.run(C.DEQUEUE, ...ids);
  }

  /**
   * Deletes jobs from this node only, whatever their state.
   *
   * @example
   * ```ts
   * await conn.delJob(id); // 1: other nodes keep their copies
   * ```
   */
  delJob(...ids: string[]): Promise<number> {
    return this.run(C.DELJOB, ...ids);
  }

  /**
   * Everything this node knows of a job, or `null`.
   *
   * @example
   * ```ts
   * const info = await conn.show(id);
   * console.log(info?.state, info?.nacks, info?.ttl);
   * ```
   */
  show(id: string): Promise<JobInfo | null> {
    return this.run(C.SHOW, id);
  }

  /**
   * As {@link Connection.show}, with the body as a Buffer.
   *
   * @example
   * ```ts
   * const body = (await conn.showBuffer(id))?.body; // Buffer | null | undefined
   * ```
   */
  showBuffer(id: string): Promise<JobInfo<Buffer> | null> {
    return this.run(C.SHOW_BUFFER, id);
  }

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

  // ---- life cycle -------------------------------------------------------------------------

  // ---- life cycle -------------------------------------------------------------------------

  /**
   * Closes the connection. Commands already sent get their replies first (QUIT), except that a
   * blocked GETJOB, which would hold QUIT back indefinitely, is cut: it rejects with a
   * {@link ConnectionError}. QUIT's reply is awaited at most `commandTimeout`, then the socket
   * is destroyed. Safe to call more than once.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void conn.close());
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#blocking > 0) this.#wire.destroy();
    this.#closing = this.#wire.close();
    return this.#closing;
  }

  /**
   * Destroys the socket at once: every command in flight, a blocked GETJOB included, rejects
   * with a {@link ConnectionError}. Used when a blocking call is abandoned, so that a GETJOB still
   * armed on the server cannot take a job nobody will receive.
   *
   * @example
   * ```ts
   * const pending = conn.getJob(['emails']); // blocks
   * conn.destroy(); // pending rejects with ConnectionError; no job is taken
   * ```
   */
  destroy(): void {
    this.#closing ??= Promise.resolve();
    this.#wire.destroy();
  }

  /**
   * What `console.log` and `util.inspect` show: the address and status, never the password.
   *
   * @example
   * ```ts
   * console.log(conn); // Connection { address: '127.0.0.1:7711', status: 'ready' }
   * ```
   */
  [inspect.custom](): string {
    return `Connection { address: '${this.address}', status: '${this.#wire.status}' }`;
  }
}
