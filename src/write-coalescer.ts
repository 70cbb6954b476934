import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { WriteBatch } from './write-batch.js';

/**
 * Gathers the commands one connection writes in a tick and hands them to the socket as one write.
 *
 * ioredis writes every command to the socket on its own: with a hundred commands in flight, the
 * syscalls and `writev` bookkeeping cost a third of the client's time. ioredis lets a caller pass
 * a pipeline-like stream to `sendCommand` (its own `Pipeline` does); commands still enter its
 * reply queue in call order, only the bytes go through here. Strings are joined; a Buffer (a
 * binary job body) ends the string run, and the pieces go out under one cork.
 *
 * @internal
 */
export class WriteCoalescer {
  readonly isPipeline = true as const;
  readonly destination: { redis: Redis };
  readonly #batch = new WriteBatch();
  /** The socket the pending bytes belong to: after a reconnection they are stale and dropped. */
  #socket: Socket | undefined;
  #scheduled = false;

  constructor(redis: Redis) {
    this.destination = { redis };
  }

  /** Called by ioredis with one command's bytes. */
  write(data: string | Buffer): boolean {
    this.#socket ??= this.destination.redis.stream as Socket;
    this.#batch.append(data);
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
    return true;
  }

  readonly #flush = (): void => {
    const socket = this.#socket;
    this.#scheduled = false;
    this.#socket = undefined;
    // ioredis already moved these commands to its resend queue if the socket was replaced.
    if (!socket || socket !== this.destination.redis.stream || !socket.writable) this.#batch.clear();
    else this.#batch.writeTo(socket);
  };
}
