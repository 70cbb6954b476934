/**
 * Connection-level commands: PING, AUTH, HELLO, TIME.
 * @internal
 */
import { inHashOrder } from '../hash-order.js';
import { timingSafeEqual } from 'node:crypto';
import { error, OK, status, type Reply } from '../resp-writer.js';
import type { CommandContext, CommandSpec } from './types.js';

function ping({ argv }: CommandContext): Reply {
  if (argv.length > 2) return error("ERR wrong number of arguments for 'ping' command");
  return argv.length === 1 ? status('PONG') : argv[1]!;
}

function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A wrong password logs the connection out, even if it had authenticated before. */
function auth({ node, client, argv }: CommandContext): Reply {
  if (node.password === undefined) return error('ERR Client sent AUTH, but no password is set');
  if (sameSecret(argv[1]!, Buffer.from(node.password))) {
    client.authenticated = true;
    return OK;
  }
  client.authenticated = false;
  return error('ERR invalid password');
}

/** `[1, myid, [id, ip, port, priority]...]`, every entry field a bulk string. */
function hello({ node }: CommandContext): Reply {
  const out: Reply[] = [1, node.id];
  for (const p of inHashOrder(node.cluster.nodes.values(), (n) => n.id)) {
    out.push([p.id, p.host, String(p.port), String(node.cluster.priority(p))]);
  }
  return out;
}

function time({ node }: CommandContext): Reply {
  const us = Math.floor(node.now() * 1000);
  return [String(Math.floor(us / 1e6)), String(us % 1e6)];
}

/** @internal */
export const PING: CommandSpec = { name: 'ping', arity: -1, flags: ['readonly', 'fast'], run: ping };
/** @internal */
export const AUTH: CommandSpec = {
  name: 'auth',
  arity: 2,
  flags: ['readonly', 'loading', 'fast'],
  run: auth,
};
/** @internal */
export const HELLO: CommandSpec = { name: 'hello', arity: 1, flags: ['readonly', 'fast'], run: hello };
/** @internal */
export const TIME: CommandSpec = { name: 'time', arity: 1, flags: ['readonly', 'fast'], run: time };
