/**
 * The command table, in Disque's order (INFO commandstats lists commands in this order), and the
 * COMMAND command that describes it.
 * @internal
 */
import { error, status, type Reply } from '../resp-writer.js';
import { ACKJOB, FASTACK } from './ackjob.js';
import { ADDJOB } from './addjob.js';
import {
  BGREWRITEAOF,
  CLIENT,
  CONFIG,
  DEBUG,
  LATENCY,
  LOADJOB,
  MONITOR,
  SHUTDOWN,
  SLOWLOG,
} from './admin.js';
import { keyword } from './args.js';
import { CLUSTER } from './cluster-command.js';
import { AUTH, HELLO, PING, TIME } from './connection.js';
import { DELJOB, DEQUEUE, ENQUEUE, NACK } from './enqueue.js';
import { GETJOB } from './getjob.js';
import { INFO } from './info.js';
import { PAUSE, QLEN, QPEEK, QSTAT } from './queues.js';
import { JSCAN, QSCAN } from './scan.js';
import { SHOW, WORKING } from './show.js';
import type { CommandContext, CommandSpec } from './types.js';

/** `[name, arity, [flags], 0, 0, 0]` or a null bulk. @internal */
export function commandInfo(c: CommandSpec | undefined): Reply {
  if (c === undefined) return null;
  return [c.name, c.arity, c.flags.map((f) => status(f)), 0, 0, 0];
}

function command({ argv }: CommandContext): Reply {
  if (argv.length === 1) return TABLE.map((c) => commandInfo(c));
  const sub = keyword(argv[1]);
  if (sub === 'info') return argv.slice(2).map((n) => commandInfo(BY_NAME.get(keyword(n))));
  if (sub === 'count' && argv.length === 2) return TABLE.length;
  return error('ERR Unknown subcommand or wrong number of arguments.');
}

/** @internal */
export const COMMAND: CommandSpec = {
  name: 'command',
  arity: 0,
  flags: ['readonly', 'loading'],
  run: command,
};

const TABLE: readonly CommandSpec[] = [
  AUTH,
  PING,
  INFO,
  SHUTDOWN,
  MONITOR,
  DEBUG,
  CONFIG,
  CLUSTER,
  CLIENT,
  SLOWLOG,
  TIME,
  COMMAND,
  LATENCY,
  HELLO,
  ADDJOB,
  GETJOB,
  ACKJOB,
  FASTACK,
  DELJOB,
  SHOW,
  LOADJOB,
  BGREWRITEAOF,
  QLEN,
  QPEEK,
  QSTAT,
  QSCAN,
  JSCAN,
  ENQUEUE,
  NACK,
  DEQUEUE,
  WORKING,
  PAUSE,
];

const BY_NAME = new Map(TABLE.map((c) => [c.name, c]));

/** @internal */
export function lookupCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name);
}

/** Position of each command in the table (for INFO commandstats ordering). @internal */
export const TABLE_ORDER: ReadonlyMap<string, number> = new Map(TABLE.map((c, i) => [c.name, i]));
