import { copiesNeeded, PAUSE_MEMORY, PausedQueues } from '../../src/pool/paused-queues.js';
import { ADDJOB } from '../../src/commands/index.js';
import { PausedError } from '../../src/errors.js';
import { noServer } from '../helpers/target.js';

noServer();

describe('PausedQueues: what the Pool remembers of -PAUSED', () => {
  const nodes = ['a:1', 'b:2', 'c:3'].map((key) => ({ key, usable: true }));

  test('the copies an ADDJOB needs: REPLICATE, else min(3, cluster size); 1 with ASYNC', () => {
    // What the Pool reads: the command's facts, then Disque's default for the cluster's size.
    const needs = (args: Parameters<typeof ADDJOB.args>, clusterSize: number) => ({
      queue: ADDJOB.addsTo(...args),
      copies: copiesNeeded(ADDJOB.copiesAtOnce(...args), clusterSize),
    });
    expect(needs(['q', 'b'], 5)).toEqual({ queue: 'q', copies: 3 });
    expect(needs(['q', 'b'], 2)).toEqual({ queue: 'q', copies: 2 });
    expect(needs(['q', 'b', { replicate: 2, retry: 0 }], 3)).toEqual({ queue: 'q', copies: 2 });
    expect(needs(['q', 'b', { async: true }], 3)).toEqual({ queue: 'q', copies: 1 });
    expect(needs([Buffer.from('q'), 'b'], 3)).toEqual({ queue: 'q', copies: 3 });
    // A body that reads REPLICATE or ASYNC is not an option.
    expect(needs(['q', 'REPLICATE'], 3).copies).toBe(3);
    expect(needs(['q', 'ASYNC'], 3).copies).toBe(3);
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
