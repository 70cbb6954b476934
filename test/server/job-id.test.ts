import { generateJobId, isValidJobId, ttlPart, ttlPartOf } from '../../src/server/job-id.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('job ids', () => {
  test.each([
    [86400, 300, 0x05a1],
    [86400, 0, 0x05a0],
    [100, 10, 0x0001],
    [5, 1, 0x0001],
    [4000, 300, 0x0043],
    [3060, 300, 0x0033],
    [120, 12, 0x0003],
    [59, 0, 0x0000],
    [120, 0, 0x0002],
    [180, 0, 0x0002],
    [600, 60, 0x000b],
    [1e9, 300, 0xffff],
    [1e9, 0, 0xfffe],
    [3000000000 | 0, 300, 0x0001],
  ])('TTL %d s with RETRY %d gives TTL part %s', (ttl, retry, part) => {
    expect(ttlPart(ttl, retry)).toBe(part);
  });

  test("generated ids have Disque's shape and carry the node prefix", () => {
    const nodeId = 'dcb833cf' + '0'.repeat(32);
    const id = generateJobId(nodeId, 86400, 300);
    expect(id).toMatch(/^D-dcb833cf-[A-Za-z0-9+/]{24}-05a1$/);
    expect(ttlPartOf(id)).toBe(0x05a1);
    expect(generateJobId(nodeId, 86400, 300)).not.toBe(id);
  });

  test('validation only checks length, D- and the dashes', () => {
    expect(isValidJobId('D-zzzzzzzz-!!!!!!!!!!!!!!!!!!!!!!!!-zzzz')).toBe(true);
    expect(isValidJobId('d-00000000-AAAAAAAAAAAAAAAAAAAAAAAA-05a1')).toBe(false);
    expect(isValidJobId('D-00000000-AAAAAAAAAAAAAAAAAAAAAAA-05a1')).toBe(false);
    expect(isValidJobId(Buffer.from('D-00000000-AAAAAAAAAAAAAAAAAAAAAAAA_05a1'))).toBe(false);
    expect(ttlPartOf('D-zzzzzzzz-!!!!!!!!!!!!!!!!!!!!!!!!-zz1f')).toBe(0x001f);
  });
});
