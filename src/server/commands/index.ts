/**
 * Command dispatch with Disque's check order: unknown command → arity → authentication →
 * memory (denyoom) → run.
 * @internal
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '../client.js';
import type { DisqueNode } from '../node.js';
import { error, OK, type Reply } from '../resp-writer.js';
import { lookupCommand } from './table.js';
import { BLOCKED } from './types.js';

const NOAUTH = error('NOAUTH Authentication required.');
const OOM = error("OOM command not allowed when used memory > 'maxmemory'.");

/** Runs one request; returns its reply or BLOCKED. @internal */
export function dispatch(node: DisqueNode, client: Client, argv: Buffer[]): Reply | typeof BLOCKED {
  const raw = argv[0]!.toString('latin1');
  const name = raw.toLowerCase();
  // QUIT is handled before the command table (so it needs no authentication).
  if (name === 'quit') {
    client.closeAfterReply();
    return OK;
  }
  const cmd = lookupCommand(name);
  if (cmd === undefined) return error(`ERR unknown command '${raw.replace(/[\r\n]/g, ' ')}'`);
  if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) {
    return error(`ERR wrong number of arguments for '${cmd.name}' command`);
  }
  if (node.password !== undefined && !client.authenticated && cmd.name !== 'auth') return NOAUTH;
  if (cmd.flags.includes('denyoom') && !node.memory.allowsDenyOom(argv)) return OOM;
  const t0 = performance.now();
  const r = cmd.run({ node, client, argv });
  node.stats.recordCommand(cmd.name, Math.round((performance.now() - t0) * 1000));
  return r;
}
