import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { WriteBatch } from '../../src/write-batch.js';
import { WriteCoalescer } from '../../src/write-coalescer.js';
import type { Redis } from 'ioredis';
import { noServer } from '../helpers/target.js';

noServer();

/** A socket that records its writes and corks. */
function fakeSocket(): Socket & { writes: (string | Buffer)[]; corks: number } {
  const socket = Object.assign(new EventEmitter(), {
    writes: [] as (string | Buffer)[],
    corks: 0,
    writable: true,
    write(data: string | Buffer) {
      socket.writes.push(data);
      return true;
    },
    cork() {
      socket.corks++;
    },
    uncork() {},
  });
  return socket as unknown as Socket & { writes: (string | Buffer)[]; corks: number };
}

describe('WriteBatch', () => {
  test('strings of a tick go out as one write', () => {
    const batch = new WriteBatch();
    const socket = fakeSocket();
    batch.append('*1\r\n');
    batch.append('$4\r\nPING\r\n');
    batch.writeTo(socket);
    expect(socket.writes).toEqual(['*1\r\n$4\r\nPING\r\n']);
    expect(socket.corks).toBe(0);
  });

  test('a Buffer ends the string run; the pieces go out in order under one cork', () => {
    const batch = new WriteBatch();
    const socket = fakeSocket();
    const body = Buffer.from([0, 255]);
    batch.append('a');
    batch.append(body);
    batch.append('b');
    batch.prepend('AUTH');
    batch.writeTo(socket);
    expect(socket.writes).toEqual(['AUTH', 'a', body, 'b']);
    expect(socket.corks).toBe(1);
  });

  test('a long tick becomes bytes as it grows; everything goes out in order, byte for byte', () => {
    const batch = new WriteBatch();
    const socket = fakeSocket();
    const parts = [
      ...Array.from({ length: 20_000 }, (_, i) => `$${String(i).length}\r\n${i}\r\n`),
      'héllo ✓ 𝄞',
      Buffer.from([0, 255]),
      'x'.repeat(100_000),
      'end',
    ];
    for (const part of parts) batch.append(part);
    batch.writeTo(socket);
    expect(socket.writes.filter(Buffer.isBuffer).length).toBeGreaterThan(1); // spilled as it grew
    expect(Buffer.concat(socket.writes.map((w) => (typeof w === 'string' ? Buffer.from(w) : w)))).toEqual(
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
    );
    expect(socket.corks).toBe(1);
  });

  test('prepend goes first; writeTo and clear empty the batch', () => {
    const batch = new WriteBatch();
    const socket = fakeSocket();
    batch.append('x');
    batch.prepend('first ');
    batch.writeTo(socket);
    batch.writeTo(socket);
    batch.append('dropped');
    batch.clear();
    batch.writeTo(socket);
    expect(socket.writes).toEqual(['first x']);
  });
});

describe('WriteCoalescer', () => {
  test('writes what ioredis hands it in a tick at once, to the socket it was handed for', async () => {
    const socket = fakeSocket();
    const redis = { stream: socket } as unknown as Redis;
    const coalescer = new WriteCoalescer(redis);
    expect(coalescer.write('one ')).toBe(true);
    coalescer.write('two');
    expect(socket.writes).toEqual([]);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(socket.writes).toEqual(['one two']);
  });

  test('drops the bytes when the socket was replaced meanwhile (ioredis resends those commands)', async () => {
    const socket = fakeSocket();
    const redis = { stream: socket } as { stream: Socket };
    const coalescer = new WriteCoalescer(redis as unknown as Redis);
    coalescer.write('stale');
    redis.stream = fakeSocket();
    await new Promise((resolve) => process.nextTick(resolve));
    expect(socket.writes).toEqual([]);
    expect((redis.stream as unknown as { writes: unknown[] }).writes).toEqual([]);
  });
});
