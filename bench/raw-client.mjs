// The raw baseline: a minimal pipelined RESP2 client on node:net, as lean as a client can be.
// Kept in bench/ only, to measure what the SDK costs on top of the wire.
import net from 'node:net';

export class RawClient {
  #socket;
  #pending = [];
  #buf = Buffer.alloc(0);
  #out = [];
  #scheduled = false;

  static connect(host, port) {
    return new Promise((resolve, reject) => {
      const client = new RawClient();
      client.#socket = net.connect(port, host, () => resolve(client));
      client.#socket.setNoDelay(true);
      client.#socket.once('error', reject);
      client.#socket.on('data', (chunk) => client.#onData(chunk));
    });
  }

  send(...args) {
    let cmd = `*${args.length}\r\n`;
    for (const a of args) {
      const s = String(a);
      cmd += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
    }
    this.#out.push(cmd);
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(() => {
        this.#scheduled = false;
        this.#socket.write(this.#out.join(''));
        this.#out = [];
      });
    }
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
  }

  #onData(chunk) {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const parsed = parse(this.#buf, offset);
      if (!parsed) break;
      offset = parsed.next;
      const waiter = this.#pending.shift();
      if (parsed.value instanceof Error) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
    this.#buf = this.#buf.subarray(offset);
  }

  close() {
    this.#socket.end();
  }
}

function parse(buf, offset) {
  if (offset >= buf.length) return undefined;
  const end = buf.indexOf('\r\n', offset);
  if (end === -1) return undefined;
  const type = buf[offset];
  const line = buf.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (type) {
    case 43: // +
      return { value: line, next };
    case 45: // -
      return { value: new Error(line), next };
    case 58: // :
      return { value: Number(line), next };
    case 36: {
      // $
      const len = Number(line);
      if (len < 0) return { value: null, next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), next: next + len + 2 };
    }
    case 42: {
      // *
      const n = Number(line);
      if (n < 0) return { value: null, next };
      const items = [];
      let at = next;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.next;
      }
      return { value: items, next: at };
    }
    default:
      throw new Error(`bad RESP type ${type}`);
  }
}
