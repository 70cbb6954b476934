/**
 * Shared body of the conformance test files: one jest test per transcript.
 */
import { KNOWN_DIFFERENCES } from './known-differences.js';
import { replay, type StepDiff } from './harness.js';
import { SETTINGS } from './settings.js';

function describeDiff(d: StepDiff): string {
  return `#${d.i}${d.note !== undefined ? ` [${d.note}]` : ''}\n  ${d.diffs.join('\n  ')}`;
}

/** Registers one test per transcript name. */
export function conformanceTests(names: readonly string[]): void {
  // The replay of the running test. A test that times out is abandoned by jest, not stopped:
  // afterEach aborts its replay (which closes its servers at once) and waits until it has ended,
  // so no server, connection or timer of a failed test outlives it.
  let running: { abort: AbortController; done: Promise<unknown> } | undefined;
  afterEach(async () => {
    const r = running;
    running = undefined;
    if (r === undefined) return;
    r.abort.abort(new Error('test ended'));
    await r.done;
  });

  for (const name of names) {
    test(`${name} replays like Disque 1.0-rc1`, async () => {
      const abort = new AbortController();
      const replaying = replay(name, SETTINGS[name], abort.signal);
      running = { abort, done: replaying.catch(() => undefined) };
      const result = await replaying;
      const known = KNOWN_DIFFERENCES[name] ?? {};
      const volatile = result.diffs.filter((d) => d.volatile !== undefined);
      const unexpected = result.diffs.filter((d) => d.volatile === undefined && known[d.i] === undefined);
      const fixedKnown = Object.keys(known)
        .map(Number)
        .filter((i) => !result.diffs.some((d) => d.i === i));
      if (result.rerunReasons.length > 0 && process.env['CONFORMANCE_VERBOSE'] !== undefined) {
        process.stdout.write(`${name}: re-run because ${result.rerunReasons.join('; ')}\n`);
      }
      if (volatile.length > 0 && process.env['CONFORMANCE_VERBOSE'] !== undefined) {
        process.stdout.write(
          `${name}: ${volatile.length} volatile step(s) differ (not failing):\n${volatile.map(describeDiff).join('\n')}\n`,
        );
      }
      expect(unexpected.map(describeDiff)).toEqual([]);
      // A known difference that no longer differs must be removed from the list.
      expect(fixedKnown).toEqual([]);
    });
  }
}
