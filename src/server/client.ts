/**
 * One client connection: reads requests, runs them in order and writes the replies. A blocked
 * command (GETJOB, synchronous ADDJOB) parks the connection: later pipelined requests wait in the
 * parser until the blocked one is answered, exactly like Disque, while other clients go on.
 * @internal
 */
import type { Socket } from 'node:net';
import { dispatch } from './commands/index.js';
import { BLOCKED } from './commands/types.js';
import type { BlockedOperation, DisqueNode } from './node.js';
import { ProtocolError, RespParser } from './resp-parser.js';
import { error, ReplyWriter, type Reply } from './resp-writer.js';

let nextClientId = 1;

/** @internal */
export class Client {
  readonly id = nextClientId++;
  authenticated: boolean;
  /** CLIENT SETNAME. */
  name = '';
  /** For CLIENT LIST. */
  readonly createdAt: number;
  lastInteraction: number;
  lastCommand = 'NULL';
  readonly address: string;
  readonly #parser = new RespParser();
  readonly #writer = new ReplyWriter();
  #blocked: BlockedOperation | null = null;
  #closing = false;
  #processing = false;

  constructor(
    readonly socket: Socket,
    readonly node: DisqueNode,
  ) {
    this.authenticated = node.password === undefined;
    this.createdAt = node.now();
    this.lastInteraction = this.createdAt;
    this.address = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  get blocked(): BlockedOperation | null {
    return this.#blocked;
  }

  get inputBuffered(): number {
    return this.#parser.buffered;
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    this.node.stats.netInputBytes += chunk.length;
    this.#parser.feed(chunk);
    this.#process();
  }

  /** Runs every complete request in the input buffer (stops while blocked). */
  #process(): void {
    if (this.#processing) return;
    this.#processing = true;
    try {
      while (this.#blocked === null && !this.#closing) {
        let argv: Buffer[] | null;
        try {
          argv = this.#parser.next();
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          this.#writer.write(error(`ERR Protocol error: ${e.message}`));
          this.closeAfterReply();
          break;
        }
        if (argv === null) break;
        this.lastInteraction = this.node.now();
        this.lastCommand = argv[0]!.toString('latin1').toLowerCase();
        const r = dispatch(this.node, this, argv);
        if (r !== BLOCKED) this.#writer.write(r);
        this.node.serveReadyQueues();
      }
    } finally {
      this.#processing = false;
      this.flush();
    }
  }

  /** Sends what was written so far. */
  flush(): void {
    if (this.#writer.empty) return;
    const out = this.#writer.take();
    this.node.stats.netOutputBytes += out.length;
    if (!this.socket.destroyed) this.socket.write(out);
    if (this.#closing && !this.socket.destroyed) this.socket.end();
  }

  /** QUIT and protocol errors: the pending replies are sent, then the connection closes. */
  closeAfterReply(): void {
    this.#closing = true;
  }

  /** Parks the client on a blocking operation. */
  block(op: BlockedOperation): void {
    this.#blocked = op;
    this.node.blocked.add(op);
  }

  /** Answers the blocked operation and resumes processing pipelined requests. */
  unblock(reply: Reply): void {
    const op = this.#blocked;
    if (op === null) return;
    this.node.blocked.delete(op);
    this.#blocked = null;
    this.#writer.write(reply);
    this.flush();
    if (this.#parser.buffered > 0) setImmediate(() => this.#process());
  }

  /** CLIENT KILL: drops the connection at once. */
  kill(): void {
    this.disconnected();
    this.socket.destroy();
  }

  /** The connection went away: a blocked operation is abandoned. */
  disconnected(): void {
    this.#closing = true;
    const op = this.#blocked;
    if (op !== null) {
      this.#blocked = null;
      this.node.blocked.delete(op);
      op.onDisconnect?.();
    }
  }
}
