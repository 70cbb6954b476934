import * as C from '../../../src/commands/index.js';
import { ProtocolError, type RawReply } from '../../../src/replies.js';
import { argumentError } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('server commands', () => {
  test('HELLO parses version, own id and node entries with bulk ports and priorities', () => {
    const raw: RawReply = ['1', 'aaaa', ['aaaa', '', '7711', '1'], ['bbbb', '127.0.0.1', '7712', '100']];
    expect(C.HELLO.reply(raw)).toEqual({
      version: 1,
      nodeId: 'aaaa',
      nodes: [
        { id: 'aaaa', host: '', port: 7711, priority: 1 },
        { id: 'bbbb', host: '127.0.0.1', port: 7712, priority: 100 },
      ],
    });
    expect(() => C.HELLO.reply(['1'])).toThrow(ProtocolError);
  });

  test('INFO parses sections', () => {
    const text = '# Server\r\ndisque_version:1.0-rc1\r\ntcp_port:7711\r\n\r\n# Jobs\r\nregistered_jobs:3\r\n';
    expect(C.INFO.reply(text)).toEqual({
      server: { disque_version: '1.0-rc1', tcp_port: '7711' },
      jobs: { registered_jobs: '3' },
    });
    expect(C.INFO.args('all')).toEqual(['INFO', 'all']);
  });

  test('PING and AUTH; AUTH never shows the password', () => {
    expect(C.PING.args()).toEqual(['PING']);
    expect(C.PING.args('x')).toEqual(['PING', 'x']);
    expect(C.AUTH.args('s3cret')).toEqual(['AUTH', 's3cret']);
    expect(argumentError(() => C.AUTH.args('')).message).not.toContain('s3cret');
  });
});
