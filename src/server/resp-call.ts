/**
 * A minimal one-shot RESP2 client, for the parent of a multi-process cluster (it asks its node
 * processes HELLO and CLUSTER MEET while they form a cluster). Not a general client.
 * @internal
 */
import net from 'node:net';

/** A decoded reply. @internal */
export type RespValue = string | number | null | RespValue[] | Error;

/** Parses one reply at `pos`; returns it and the next position, or null when incomplete. */
function parseReply(buf: Buffer, pos: number): [RespValue, number] | null {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return null;
      return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: RespValue[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

/**
 * Sends one command to host:port and resolves with its reply (an error reply resolves as an
 * Error value); rejects when the connection fails or `timeoutMs` passes.
 * @internal
 */
export function respCall(
  host: string,
  port: number,
  args: readonly string[],
  password?: string,
  timeoutMs = 2000,
): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let skip = password !== undefined ? 1 : 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const encode = (a: readonly string[]): string =>
      `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('connect', () => {
      if (password !== undefined) socket.write(encode(['AUTH', password]));
      socket.write(encode(args));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let pos = 0;
      for (;;) {
        let r: [RespValue, number] | null;
        try {
          r = parseReply(buf, pos);
        } catch (e) {
          clearTimeout(timer);
          socket.destroy();
          reject(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (r === null) break;
        pos = r[1];
        if (skip > 0) {
          skip--;
          continue;
        }
        clearTimeout(timer);
        socket.destroy();
        resolve(r[0]);
        return;
      }
      buf = buf.subarray(pos);
    });
  });
}
