import { addJobNeeds, PAUSE_MEMORY, PausedQueues } from '../../src/pool/paused-queues.js';
import { PausedError } from '../../src/errors.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('PausedQueues: what the Pool remembers of -PAUSED', () => {
  const nodes = ['a:1', 'b:2', 'c:3'].map((key) => ({ key, usable: true }));

  test('the copies an ADDJOB needs: REPLICATE, else min(3, cluster size); 1 with ASYNC', () => {
    expect(addJobNeeds(['ADDJOB', 'q', 'b', 5000], 5)).toEqual({ queue: 'q', copies: 3 });
    expect(addJobNeeds(['ADDJOB', 'q', 'b', 5000], 2)).toEqual({ queue: 'q', copies: 2 });
    expect(addJobNeeds(['ADDJOB', 'q', 'b', 5000, 'REPLICATE', 2, 'RETRY', 0], 3)).toEqual({
      queue: 'q',
      copies: 2,
    });
    expect(addJobNeeds(['ADDJOB', 'q', 'b', 5000, 'ASYNC'], 3)).toEqual({ queue: 'q', copies: 1 });
    // A body that reads REPLICATE is not an option (options start after the timeout).
    expect(addJobNeeds(['ADDJOB', 'q', 'REPLICATE', 5000], 3).copies).toBe(3);
    expect(addJobNeeds(['ADDJOB', 'q', 'ASYNC', 5000], 3).copies).toBe(3);
  });

  test('a refusal only when the nodes not paused cannot make the copies; it is final', () => {
    const paused = new PausedQueues();
    expect(paused.knows('q')).toBe(false);
    expect(paused.refusal('q', 3, nodes)).toBeUndefined();
    paused.note('q', 'a:1');
    expect(paused.knows('q')).toBe(true);
    expect(paused.refusal('q', 2, nodes)).toBeUndefined(); // b and c can
    const refusal = paused.refusal('q', 3, nodes);
    expect(refusal).toBeInstanceOf(PausedError);
    expect(refusal?.message).toMatch(/paused in input on a:1; the 2 other nodes cannot make the 3 copies/);
    expect(paused.isRefusal(refusal)).toBe(true);
    expect(paused.isRefusal(new PausedError('PAUSED', 'PAUSED from the server'))).toBe(false);
    expect(paused.refusal('other', 3, nodes)).toBeUndefined();
  });

  test('the memory runs out, to be checked again; forget() drops it', () => {
    const paused = new PausedQueues();
    paused.note('q', 'a:1', 1000);
    expect([...paused.pausedNodes('q', 1000 + PAUSE_MEMORY - 1)]).toEqual(['a:1']);
    expect([...paused.pausedNodes('q', 1000 + PAUSE_MEMORY)]).toEqual([]);
    expect(paused.expired('q', 1000 + PAUSE_MEMORY)).toEqual(['a:1']);
    paused.forget('q', 'a:1');
    expect(paused.knows('q')).toBe(false);
  });
});
