import { isJobId, jobIdIsAtLeastOnce, jobIdNodePrefix } from '../../src/job-id.js';
import { Connection } from '../../src/connection.js';
import { inspect } from 'node:util';
import { noServer } from '../helpers/target.js';

noServer();

describe('job ids', () => {
  test('node prefix and delivery guarantee are read from the id', () => {
    expect(jobIdNodePrefix('D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1')).toBe('dcb833cf');
    expect(jobIdIsAtLeastOnce('D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1')).toBe(true);
    expect(jobIdIsAtLeastOnce('D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a0')).toBe(false);
  });

  test('isJobId follows the server rule', () => {
    expect(isJobId('D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1')).toBe(true);
    expect(isJobId('D-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a')).toBe(false);
    expect(isJobId('X-dcb833cf-8YL1NT17e9+wsA/09NqxscQI-05a1')).toBe(false);
    expect(isJobId('D-dcb833cf_8YL1NT17e9+wsA/09NqxscQI-05a1')).toBe(false);
  });
});

describe('Connection options', () => {
  test('inspect never shows the password', () => {
    const conn = new Connection({ port: 1, password: 'hunter2', lazyConnect: true });
    expect(inspect(conn)).not.toContain('hunter2');
    expect(inspect(conn)).toContain('127.0.0.1:1');
    return conn.close();
  });

  test.each([
    [{ port: 0 }, 'options.port'],
    [{ host: '' }, 'options.host'],
    [{ connectTimeout: -1 }, 'options.connectTimeout'],
    [{ colour: 'blue' }, 'options.colour'],
  ])('rejects %p', (options, argument) => {
    expect(() => new Connection(options as never)).toThrow(expect.objectContaining({ argument }));
  });
});
