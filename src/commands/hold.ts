import type { Arg, Milliseconds } from './types.js';

function millis(arg: Arg | undefined): number | undefined {
  const n = typeof arg === 'number' ? arg : Number(arg?.toString());
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * How long the server may rightly hold the reply to a raw argv, in ms: GETJOB's TIMEOUT
 * (`Infinity` without one, or with `0`; `0` with NOHANG) and ADDJOB's replication timeout
 * (`0` = until replicated: `Infinity`). `0` for every other command.
 *
 * Only for {@link Connection.call}, the escape hatch, which has nothing but an argv: typed
 * commands state it on the command object ({@link Command.hold}), read by the Pool and
 * `Connection.run` without looking at the argv.
 * @internal
 */
export function rawServerHold(argv: readonly Arg[]): Milliseconds {
  const name = argv[0]?.toString().toUpperCase();
  if (name === 'ADDJOB') {
    const timeout = millis(argv[3]);
    return timeout === undefined ? 0 : timeout === 0 ? Number.POSITIVE_INFINITY : timeout;
  }
  if (name !== 'GETJOB') return 0;
  let timeout = 0;
  // Options come before FROM; queue names after it may spell anything.
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]?.toString().toUpperCase();
    if (word === 'FROM') break;
    if (word === 'NOHANG') return 0;
    if (word === 'TIMEOUT') timeout = millis(argv[++i]) ?? 0;
  }
  return timeout === 0 ? Number.POSITIVE_INFINITY : timeout;
}
