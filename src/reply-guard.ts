import type { Redis } from 'ioredis';

/**
 * A guard against replies no command asked for, for the ioredis clients of our Connections only.
 *
 * ioredis 6.0.0 pairs each reply with the oldest command waiting (`commandQueue.shift()` in
 * `DataHandler.shiftCommand`). When none waits it builds an error message with `reply.toString()`,
 * which throws a TypeError for a null reply (`$-1`, `*-1`, `_`); the DataHandler rethrows it from
 * `process.nextTick` and the process crashes. Any other unsolicited reply is only reported as an
 * 'error' event, and the connection goes on although the server's stream is no longer in step.
 *
 * `commandQueue.shift()` is called by two code paths only: `DataHandler.shiftCommand` (a reply
 * arrived) and `flushQueue` (which empties the queue, and stops on `undefined`). The guard wraps
 * `shift` on this client's queues: outside `flushQueue`, an empty queue hands back a stand-in
 * command whose `resolve`/`reject` report the reply to `onUnsolicited`, so ioredis never builds its
 * message and nothing is thrown. No global state and no process handler is involved.
 * @internal
 */
export function guardReplies(redis: Redis, onUnsolicited: (reply: unknown) => void): boolean {
  const internals = redis as unknown as Partial<RedisInternals>;
  const { resetCommandQueue, flushQueue, commandQueue, handleReconnection } = internals;
  // Another ioredis version may lay its internals out differently: leave it alone rather than
  // break it (test/reliability/hostile-server.test.ts would then fail on the crash it covers).
  if (
    typeof resetCommandQueue !== 'function' ||
    typeof flushQueue !== 'function' ||
    typeof commandQueue?.shift !== 'function' ||
    typeof handleReconnection !== 'function'
  )
    return false;

  let flushing = false;
  const standIn = {
    command: {
      name: 'disque-ts-unsolicited-reply',
      args: [],
      resolve: (reply: unknown): void => onUnsolicited(reply),
      reject: (error: unknown): void => onUnsolicited(error),
    },
  };
  const guard = (queue: CommandQueue): void => {
    const shift = queue.shift;
    queue.shift = function (this: CommandQueue) {
      const item = shift.call(this);
      return item === undefined && !flushing ? standIn : item;
    };
  };
  guard(commandQueue);
  // ioredis replaces the queue on every (re)connection.
  internals.resetCommandQueue = function (this: RedisInternals) {
    resetCommandQueue.call(this);
    guard(this.commandQueue);
  };
  // An error reply paired with a queue item that cannot take it (the bad-input soak run met one,
  // from a sequence it could not shrink): ioredis would throw from a socket event.
  internals.handleReconnection = function (this: RedisInternals, error: unknown, item: unknown) {
    const command = (item as { command?: { reject?: unknown } } | undefined)?.command;
    if (typeof command?.reject !== 'function') {
      onUnsolicited(error);
      return;
    }
    handleReconnection.call(this, error, item);
  };
  internals.flushQueue = function (this: RedisInternals, ...args: unknown[]) {
    flushing = true;
    try {
      return flushQueue.apply(this, args);
    } finally {
      flushing = false;
    }
  };
  return true;
}

/** A denque of ioredis command items. */
interface CommandQueue {
  shift(): unknown;
}

/** What the guard uses of ioredis 6.0.0's Redis (private in its typings). */
interface RedisInternals {
  commandQueue: CommandQueue;
  resetCommandQueue(): void;
  flushQueue(...args: unknown[]): unknown;
  handleReconnection(error: unknown, item: unknown): void;
}
