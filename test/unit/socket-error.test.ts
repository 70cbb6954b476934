import { explainSocketFailure, isSystemError, SocketErrorMemory } from '../../src/transport/socket-error.js';
import { noServer } from '../helpers/target.js';

noServer();

const systemError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('explainSocketFailure: the system error behind ioredis generic texts', () => {
  const refused = systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');

  test.each([
    ['Connection is closed.'],
    [
      'Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.',
    ],
  ])('%s names the system error and keeps it as cause', (text) => {
    const memory = new SocketErrorMemory();
    memory.remember(refused);
    const { reason, cause } = explainSocketFailure(new Error(text), memory.last);
    expect(reason).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(cause).toBe(refused);
  });

  test('a message that lacks the code gets it', () => {
    const odd = systemError('ETIMEDOUT', 'the socket timed out');
    expect(explainSocketFailure(odd, undefined).reason).toBe('ETIMEDOUT: the socket timed out');
  });

  test('any other error keeps its own message and is its own cause', () => {
    const other = new Error('Abandoned after its timeout');
    expect(explainSocketFailure(other, refused as never)).toEqual({ reason: other.message, cause: other });
  });

  test('the memory keeps only system errors, and forgets them once connected again', () => {
    const memory = new SocketErrorMemory();
    memory.remember(new Error('not a system error'));
    expect(memory.last).toBeUndefined();
    memory.remember(refused);
    expect(memory.last).toBe(refused);
    memory.forget();
    expect(memory.last).toBeUndefined();
    expect(isSystemError(systemError('ENOTFOUND', 'x'))).toBe(true);
    expect(isSystemError(systemError('NOAUTH', 'x'))).toBe(false);
  });
});
