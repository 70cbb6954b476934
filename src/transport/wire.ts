import type { Arg, Command, Milliseconds } from '../commands/types.js';
import type { RawReply } from '../replies.js';

/**
 * One socket to one Disque node, as the layers above see it: commands go in as argvs, raw
 * replies come out in order. Implemented by (see docs/architecture.md):
 * - `LeanWire` (`transport/lean.ts`): a pipelined RESP2 socket of our own, never reconnecting;
 *   the Pool's hot commands, blocking GETJOBs and replication lanes;
 * - `LeanSession` (`transport/session.ts`): lean sockets that reconnect (ready check, backoff,
 *   resend bound); the public {@link Connection};
 * - `IoredisWire` (`transport/ioredis.ts`): an ioredis client; the Pool's long tail (HELLO,
 *   probes, QLEN, SHOW…) and everything with `fastPath: false`.
 *
 * A wire knows nothing of other nodes, of typed arguments or of retries on another node: the
 * Pool and `Connection` do that. Failures come out as {@link ConnectionError} (with `sent`),
 * {@link TimeoutError} or the typed reply errors of `errors.ts`.
 * @internal
 */
export interface Wire {
  /** The node's address, `host:port`. */
  readonly address: string;
  /** Whether the wire is closed for good. */
  readonly closed: boolean;
  /** Commands sent and not yet answered (the Pool picks the least busy wire). */
  readonly inFlight: number;
  /**
   * Sends one command. `binary`: bulk strings of the reply stay Buffers. `hold`: how long the
   * server may rightly hold the reply (see {@link Command.hold}); the command timeout runs on top.
   */
  send(name: string, argv: Arg[], binary: boolean, hold: Milliseconds): Promise<RawReply>;
  /**
   * Sends a command object's prebuilt (validated) argv and parses its reply. When it fails and a
   * `recovery` is given, the returned promise follows `recovery.recover(error)` instead.
   */
  run<R>(command: Command<never, R>, argv: Arg[], hold: Milliseconds, recovery?: Recovery<R>): Promise<R>;
  /** Closes gracefully where the transport can (QUIT), else as `destroy()`. Safe twice. */
  close(): Promise<void>;
  /** Drops the socket at once: everything in flight fails with a ConnectionError. */
  destroy(): void;
}

/**
 * What a caller does when its command fails, handed to {@link Wire.run} so that the transport's
 * own record of the command carries it: the same as `run(...).then(undefined, recover)`, without a
 * second promise, a reaction and a closure per call (at 100 000 commands in flight, that is
 * memory). `recover` is called at most once, in a microtask after the failure, never after a reply.
 * @internal
 */
export interface Recovery<R> {
  recover(error: unknown): Promise<R>;
}

/** `promise`, or what `recovery` makes of its failure: for transports that have no record to carry it. @internal */
export function recovered<R>(promise: Promise<R>, recovery: Recovery<R> | undefined): Promise<R> {
  return recovery === undefined
    ? promise
    : promise.then(undefined, (error: unknown) => recovery.recover(error));
}

/**
 * Sends a command whose argv is built (and so validated) already, and parses its reply.
 * @internal
 */
export function runOn<A extends readonly unknown[], R>(
  wire: Wire,
  command: Command<A, R>,
  argv: Arg[],
  hold: Milliseconds = 0,
  recovery?: Recovery<R>,
): Promise<R> {
  return wire.run(command as Command<never, R>, argv, hold, recovery);
}

/** {@link Wire.run} for transports with nothing better than send() then parse. @internal */
export async function sendThenParse<R>(
  wire: Wire,
  command: Command<never, R>,
  argv: Arg[],
  hold: Milliseconds,
): Promise<R> {
  return command.reply(await wire.send(command.name, argv, command.binary, hold));
}
