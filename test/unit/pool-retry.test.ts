import { ConnectionError, NoNodeAvailableError, fromReplyError } from '../../src/errors.js';
import { mayRetry, noNodeWait, refusedUpFront, withRetries } from '../../src/pool/retry.js';
import { noServer } from '../helpers/target.js';

noServer();

const unsent = new ConnectionError('x', { sent: false });
const sent = new ConnectionError('x', { sent: true });
const leaving = fromReplyError('LEAVING this node is leaving the cluster');
const noRepl = fromReplyError('NOREPL Not enough reachable nodes for the requested replication level');
const cannotHold = fromReplyError(
  "NOREPL Can't create the job since I'm unable to hold a copy of the message for the following reason: OOM",
);

describe('retry policy (pool/retry.ts)', () => {
  test('which failures each policy sends again', () => {
    expect([unsent, sent, leaving, noRepl].map((e) => mayRetry('idempotent', e))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect([unsent, sent, leaving, noRepl].map((e) => mayRetry('unsent', e))).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([unsent, sent, leaving, noRepl].map((e) => mayRetry('at-least-once', e))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([unsent, sent, leaving, noRepl].map((e) => mayRetry('never', e))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(mayRetry('unsent', cannotHold)).toBe(true);
    expect(mayRetry('idempotent', new NoNodeAvailableError('none'))).toBe(true);
    expect(mayRetry('idempotent', fromReplyError('ERR no'))).toBe(false);
    expect(refusedUpFront(cannotHold)).toBe(true);
    expect(refusedUpFront(noRepl)).toBe(false);
  });

  test('a call with no node waits as long as its retries would, at least maxRetryDelay', () => {
    expect(noNodeWait({ retries: 6, minRetryDelay: 50, maxRetryDelay: 500 })).toBe(
      50 + 100 + 200 + 400 + 500,
    );
    expect(noNodeWait({ retries: 0, minRetryDelay: 50, maxRetryDelay: 2000 })).toBe(2000);
  });

  test('withRetries: attempts until success, avoiding nothing by itself; stops on a non-retryable error', async () => {
    const settings = { retries: 3, minRetryDelay: 0, maxRetryDelay: 0 };
    let attempts = 0;
    await expect(
      withRetries(
        settings,
        'idempotent',
        undefined,
        () => false,
        async () => {
          if (++attempts < 3) throw unsent;
          return 'ok';
        },
      ),
    ).resolves.toBe('ok');
    expect(attempts).toBe(3);
    attempts = 0;
    await expect(
      withRetries(
        settings,
        'unsent',
        undefined,
        () => false,
        async () => {
          attempts++;
          throw sent;
        },
      ),
    ).rejects.toBe(sent);
    expect(attempts).toBe(1);
  });

  test('withRetries: gives up after 1 + `retries` attempts, or at once when the pool stopped', async () => {
    const settings = { retries: 2, minRetryDelay: 0, maxRetryDelay: 0 };
    let attempts = 0;
    await expect(
      withRetries(
        settings,
        'idempotent',
        undefined,
        () => false,
        async () => {
          attempts++;
          throw unsent;
        },
      ),
    ).rejects.toBe(unsent);
    expect(attempts).toBe(3);
    attempts = 0;
    await expect(
      withRetries(
        settings,
        'idempotent',
        undefined,
        () => true,
        async () => {
          attempts++;
          throw unsent;
        },
      ),
    ).rejects.toBe(unsent);
    expect(attempts).toBe(1);
  });
});
