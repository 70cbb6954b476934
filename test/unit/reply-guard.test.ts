import { Redis } from 'ioredis';
import { guardReplies } from '../../src/reply-guard.js';
import { noServer } from '../helpers/target.js';

noServer();

// The guard's hooks, driven directly (the socket-level cases are in
// test/reliability/hostile-server.test.ts).
describe('guardReplies', () => {
  test('an error reply paired with an item that cannot take it is reported, not thrown', () => {
    const redis = new Redis({ lazyConnect: true });
    const seen: unknown[] = [];
    expect(guardReplies(redis, (reply) => seen.push(reply))).toBe(true);
    const internals = redis as unknown as { handleReconnection(error: unknown, item: unknown): void };
    const error = new Error('ERR something');
    expect(() => internals.handleReconnection(error, { command: { name: 'x' } })).not.toThrow();
    expect(() => internals.handleReconnection(error, undefined)).not.toThrow();
    expect(seen).toEqual([error, error]);
    redis.disconnect();
  });

  test('an unsolicited reply on an empty queue goes to the callback', () => {
    const redis = new Redis({ lazyConnect: true });
    const seen: unknown[] = [];
    guardReplies(redis, (reply) => seen.push(reply));
    const queue = (
      redis as unknown as { commandQueue: { shift(): { command: { resolve(r: unknown): void } } } }
    ).commandQueue;
    queue.shift().command.resolve(null);
    expect(seen).toEqual([null]);
    redis.disconnect();
  });
});
