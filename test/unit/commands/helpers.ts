import { ArgumentError } from '../../../src/errors.js';
import type { RawReply } from '../../../src/replies.js';

/** Two job ids of the shape the server accepts. */
export const ID = 'D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1';
export const ID2 = 'D-dcb833cf-AAAAAAAAAAAAAAAAAAAAAAAA-05a1';

/** The ArgumentError `fn` throws (fails the test when it throws something else, or nothing). */
export function argumentError(fn: () => unknown): ArgumentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArgumentError);
    return err as ArgumentError;
  }
  throw new Error('expected an ArgumentError');
}

/** A SHOW reply as Disque sends it, with `body` and `extra` fields. */
export const SHOW_REPLY = (body: RawReply = Buffer.from('hello'), extra: RawReply[] = []): RawReply =>
  [
    'id',
    Buffer.from(ID),
    'queue',
    Buffer.from('q'),
    'state',
    Buffer.from('queued'),
    'repl',
    '1',
    'ttl',
    '86399',
    'ctime',
    '1795397542340000001',
    'delay',
    '0',
    'retry',
    '300',
    'nacks',
    '0',
    'additional-deliveries',
    '3',
    'nodes-delivered',
    [Buffer.from('dcb833cf0000000000000000000000000000000a')],
    'nodes-confirmed',
    [],
    'next-requeue-within',
    '299000',
    'next-awake-within',
    null,
    'body',
    body,
    ...extra,
  ].map((x) => (typeof x === 'string' && Number.isNaN(Number(x)) ? Buffer.from(x) : x));
