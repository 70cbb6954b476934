/**
 * The recorder the conformance suite runs is the reference one (record.mjs, copied from the shared
 * reference with hooks for the harness): normalising the raw replies stored in every golden
 * transcript must still reproduce the recorded `cmdn` and `norm` exactly.
 */
import { loadGolden, loadScenario, transcriptNames, FIXTURES } from './harness.js';
import {
  Normalizer,
  normalizeStep,
  summarize,
  type TranscriptStep,
  type TypedReply,
} from '../fixtures/disque-reference/record.mjs';
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

describe('record.mjs normalises like the recording of the golden transcripts', () => {
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
