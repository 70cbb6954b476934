import * as E from '../../src/errors.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('fromReplyError', () => {
  test.each([
    ['NOJOB Job not known in the context of this node.', E.NoJobError, false],
    ['BADID Invalid Job ID format.', E.BadIdError, false],
    ['PAUSED Queue paused in input, try later', E.PausedError, true],
    ['LEAVING This node is leaving the cluster, please connect to a different one', E.LeavingError, true],
    ['NOREPL Not enough reachable nodes for the requested replication level', E.NoReplError, true],
    ['MAXLEN Queue is already longer than the specified MAXLEN count', E.MaxLenError, true],
    [
      'TOOLATE Half of job TTL already elapsed, you are no longer allowed to postpone the next delivery.',
      E.TooLateError,
      false,
    ],
    ['NOAUTH Authentication required.', E.AuthError, false],
    ['LOADING Disque is loading the dataset in memory', E.LoadingError, true],
    ["OOM command not allowed when used memory > 'maxmemory'.", E.OomError, true],
    ['MISCONF Errors writing to the AOF file: No space', E.MisconfError, false],
    ['ERR syntax error', E.ReplyError, false],
    ['ERR max number of clients reached', E.ReplyError, true],
    ['WHATEVER something new', E.ReplyError, false],
  ])('%s', (text, Class, retryable) => {
    const err = E.fromReplyError(text, 'ADDJOB', new Error('original'));
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(E.DisqueError);
    expect(err.code).toBe(text.split(' ')[0]);
    expect(err.message).toBe(text);
    expect(err.command).toBe('ADDJOB');
    expect(err.retryable).toBe(retryable);
    expect((err.cause as Error).message).toBe('original');
    expect(err.name).toBe(Class.name);
  });

  test('a bare error line still gets a code', () => {
    const err = E.fromReplyError('', 'DEBUG');
    expect(err.code).toBe('ERR');
  });

  test('client-side errors carry their codes', () => {
    expect(new E.ArgumentError('queue', 'bad').code).toBe('ARGUMENT');
    expect(new E.ArgumentError('queue', 'bad').argument).toBe('queue');
    expect(new E.TimeoutError('slow').code).toBe('TIMEOUT');
    const conn = new E.ConnectionError('down', { node: 'h:1' });
    expect([conn.code, conn.node, conn.retryable]).toEqual(['CONNECTION', 'h:1', true]);
  });
});
