import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseNodeList } from '../../src/address.js';

/**
 * What a test ran against, for the line per target printed at the end of every jest run
 * (test/setup/target-reporter.cjs): real Disque (the nodes of DISQUE_NODES), the embedded server,
 * a fake RESP server (scripted replies), or no server at all.
 */
export type Target = 'real' | 'embedded' | 'fake' | 'none';

/** Where declarations go: a directory the reporter made for this run (unset without it). */
const TARGETS_DIR_ENV = 'DISQUE_TS_TARGETS_DIR';

/** The nodes of DISQUE_NODES ([] when unset). */
export function realNodes(): string[] {
  const list = process.env['DISQUE_NODES'] ?? '';
  return list.trim() === '' ? [] : parseNodeList(list).map((n) => `${n.host}:${n.port}`);
}

/**
 * Declares what the tests of the calling test file run against: all of them, or (with
 * `describe`) those whose full name starts with it (a top-level describe block, or a test). `note` says why, when it is
 * not obvious (an embedded cluster although DISQUE_NODES is set). Call it at the top of the
 * file, or from a helper that starts the server.
 */
export function declareTarget(target: Target, options: { describe?: string; note?: string } = {}): void {
  const dir = process.env[TARGETS_DIR_ENV];
  const testPath = expect.getState().testPath;
  if (dir === undefined || testPath === undefined) return; // run without the reporter
  const file = path.join(dir, `${createHash('sha1').update(testPath).digest('hex')}.jsonl`);
  fs.appendFileSync(file, `${JSON.stringify({ testPath, target, ...options })}\n`);
}

/** Shorthands for {@link declareTarget}. */
export const noServer = (note?: string): void => declareTarget('none', note === undefined ? {} : { note });
export const fakeServer = (note?: string, describe?: string): void =>
  declareTarget('fake', {
    ...(note === undefined ? {} : { note }),
    ...(describe === undefined ? {} : { describe }),
  });
export const embeddedServer = (note?: string, describe?: string): void =>
  declareTarget('embedded', {
    ...(note === undefined ? {} : { note }),
    ...(describe === undefined ? {} : { describe }),
  });

/**
 * Declares the target of a suite that runs on the nodes of DISQUE_NODES when it lists at least
 * `needs` of them, else on the embedded server, and returns those nodes (undefined: embedded).
 * With too few nodes listed it says so in the note, and on stderr: the suite did not run where
 * the user asked.
 */
export function disqueTarget(needs: 1 | 3, describe?: string): string[] | undefined {
  const nodes = realNodes();
  const where = describe === undefined ? {} : { describe };
  if (nodes.length >= needs) {
    declareTarget('real', where);
    return nodes;
  }
  if (nodes.length > 0) {
    const note = `needs ${needs} nodes, DISQUE_NODES lists ${nodes.length}: ran on an embedded cluster`;
    declareTarget('embedded', { ...where, note });
    process.stderr.write(`[target] ${expect.getState().testPath ?? ''}: ${note}\n`);
  } else declareTarget('embedded', where);
  return undefined;
}
