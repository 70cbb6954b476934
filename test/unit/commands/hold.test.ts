import { rawServerHold } from '../../../src/commands/hold.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('rawServerHold (Connection.call)', () => {
  test('GETJOB from a raw argv (Connection.call): queue names after FROM are not options', () => {
    expect(rawServerHold(['GETJOB', 'TIMEOUT', '10', 'FROM', 'NOHANG', 'TIMEOUT'])).toBe(10);
    expect(rawServerHold(['getjob', 'timeout', 20, 'from', 'q'])).toBe(20);
  });
});
