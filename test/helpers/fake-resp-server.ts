import net from 'node:net';

/**
 * A fake RESP server for hostile-reply tests: it parses the client's commands (arrays of bulk
 * strings) and lets the test answer each one with any bytes at all — malformed, of the wrong type,
 * truncated — and close, reset or keep the connection.
 */
export interface FakeCommand {
  /** The command's words, as strings. */
  readonly argv: readonly string[];
  /** Which connection it came on (1 for the first accepted), and its position there (1 = first). */
  readonly connection: number;
  readonly index: number;
}

/** What the server does with the socket after answering. */
export type After = 'keep' | 'end' | 'destroy' | 'reset';

/** An answer: bytes to write (nothing when undefined), then what to do with the socket. */
export interface FakeAnswer {
  readonly bytes?: string | Buffer | undefined;
  readonly after?: After | undefined;
  /** Write the bytes this many ms later (the commands that follow are answered meanwhile). */
  readonly delay?: number | undefined;
}

export type FakeHandler = (command: FakeCommand) => FakeAnswer;

export interface FakeServer {
  readonly port: number;
  /** Replaces the handler for the commands that follow. */
  handle(handler: FakeHandler): void;
  /** Commands received so far. */
  readonly received: FakeCommand[];
  /** Open sockets. */
  readonly open: number;
  /** Destroys every open connection now. */
  dropAll(): void;
  close(): Promise<void>;
}

/** A valid INFO reply, as the ready check of ioredis wants it. */
export const INFO_REPLY = bulk('# Server\r\ndisque_version:1.0-rc1\r\nloading:0\r\n');

/** Encodes a bulk string. */
export function bulk(text: string | Buffer): Buffer {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
}

/**
 * The default handler's policy: the first command on each connection is answered like a healthy
 * server would (the ready check's INFO), every later one by `hostile`.
 */
export function afterReadyCheck(hostile: FakeHandler): FakeHandler {
  return (command) => (command.index === 1 ? { bytes: INFO_REPLY } : hostile(command));
}

/** Parses as many complete commands as `buffer` holds; returns them and the bytes left over. */
function parse(buffer: Buffer): { commands: string[][]; rest: Buffer } {
  const commands: string[][] = [];
  let pos = 0;
  const line = (from: number): { text: string; next: number } | undefined => {
    const end = buffer.indexOf('\r\n', from);
    return end === -1 ? undefined : { text: buffer.toString('latin1', from, end), next: end + 2 };
  };
  for (;;) {
    const head = line(pos);
    if (!head || !head.text.startsWith('*')) break;
    const count = Number(head.text.slice(1));
    let at = head.next;
    const argv: string[] = [];
    let complete = true;
    for (let i = 0; i < count; i++) {
      const len = line(at);
      if (!len) {
        complete = false;
        break;
      }
      const n = Number(len.text.slice(1));
      if (buffer.length < len.next + n + 2) {
        complete = false;
        break;
      }
      argv.push(buffer.toString('utf8', len.next, len.next + n));
      at = len.next + n + 2;
    }
    if (!complete) break;
    commands.push(argv);
    pos = at;
  }
  return { commands, rest: buffer.subarray(pos) };
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  let current = handler;
  const received: FakeCommand[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    let index = 0;
    let pending: Buffer = Buffer.alloc(0);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const { commands, rest } = parse(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const argv of commands) {
        if (socket.destroyed) return;
        const command = { argv, connection, index: ++index };
        received.push(command);
        const answer = current(command);
        const { bytes, delay } = answer;
        if (bytes !== undefined && bytes.length > 0 && delay !== undefined) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!socket.destroyed) socket.write(bytes);
          }, delay);
          timers.add(timer);
          continue;
        }
        if (bytes !== undefined && bytes.length > 0) socket.write(bytes);
        if (answer.after === 'end') socket.end();
        else if (answer.after === 'destroy') socket.destroy();
        else if (answer.after === 'reset') socket.resetAndDestroy();
        if (answer.after !== undefined && answer.after !== 'keep') return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    get open() {
      return sockets.size;
    },
    handle(next) {
      current = next;
    },
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
