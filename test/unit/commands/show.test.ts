import * as C from '../../../src/commands/index.js';
import { ProtocolError } from '../../../src/replies.js';
import { ID, SHOW_REPLY } from './helpers.js';
import { noServer } from '../../helpers/target.js';

noServer();

describe('SHOW', () => {
  test('parses every field, durations in ms, ctime without losing precision', () => {
    const info = C.SHOW.reply(SHOW_REPLY());
    expect(info).toEqual({
      id: ID,
      queue: 'q',
      state: 'queued',
      replicate: 1,
      ttl: 86_399_000,
      ctime: 1795397542340000001n,
      createdAt: new Date(1795397542340),
      delay: 0,
      retry: 300_000,
      nacks: 0,
      additionalDeliveries: 3,
      nodesDelivered: ['dcb833cf0000000000000000000000000000000a'],
      nodesConfirmed: [],
      nextRequeueWithin: 299_000,
      nextAwakeWithin: null,
      body: 'hello',
      extra: {},
    });
  });

  test('unknown job is null; unknown fields from a newer server are kept', () => {
    expect(C.SHOW.reply(null)).toBeNull();
    const info = C.SHOW.reply(SHOW_REPLY(Buffer.from('x'), [Buffer.from('shiny-field'), '7']));
    expect(info?.extra).toEqual({ shinyField: '7' });
  });

  test('the Buffer form keeps the body bytes; a dummy ack has a null body', () => {
    expect(C.SHOW_BUFFER.reply(SHOW_REPLY(Buffer.from([1, 2])))?.body).toEqual(Buffer.from([1, 2]));
    expect(C.SHOW.reply(SHOW_REPLY(null))?.body).toBeNull();
  });

  test('a missing field is a ProtocolError', () => {
    expect(() => C.SHOW.reply(['id', ID])).toThrow(ProtocolError);
  });
});
