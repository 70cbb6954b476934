/**
 * recorder.ts is a port of the reference recorder (record.mjs): normalising the raw replies stored
 * in every golden transcript must reproduce the recorded `cmdn` and `norm` exactly.
 */
import { loadGolden, loadScenario, transcriptNames, FIXTURES } from './harness.js';
import { Normalizer, normalizeStep, summarize, type TranscriptStep, type TypedReply } from './recorder.js';
import fs from 'node:fs';
import path from 'node:path';
import { noServer } from '../helpers/target.js';

noServer();

interface Meta {
  nodes: Record<string, { addr: string; id: string | null }>;
}

function meta(name: string): Meta {
  const first =
    fs.readFileSync(path.join(FIXTURES, 'transcripts', `${name}.jsonl`), 'utf8').split('\n')[0] ?? '{}';
  return (JSON.parse(first) as { meta: Meta }).meta;
}

describe('recorder.ts normalises like record.mjs', () => {
  for (const name of transcriptNames()) {
    test(name, () => {
      const norm = new Normalizer();
      for (const [label, n] of Object.entries(meta(name).nodes))
        norm.addNode(label, n.id, n.addr.split(':')[1] ?? null);
      const steps = loadScenario(name).steps;
      const byIndex = new Map<number, TranscriptStep>();
      let checked = 0;
      for (const g of loadGolden(name)) {
        byIndex.set(g.i, g);
        const def = steps[g.i - 1] ?? {};
        if (g.cmd !== undefined) {
          expect(g.cmd.map((a) => (typeof a === 'string' ? norm.str(a) : a))).toEqual(g.cmdn);
        }
        if (g.replies !== undefined) {
          const got = g.replies.map((r) => summarize(normalizeStep(def, [], r, norm), 16384));
          expect(got).toEqual(g.norm);
          checked++;
        } else if (g.reply !== undefined) {
          const cmd = g['await'] !== undefined ? byIndex.get(Number(g['await']))?.cmd : g.cmd;
          expect(summarize(normalizeStep(def, cmd, g.reply as TypedReply, norm), 16384)).toEqual(g.norm);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
