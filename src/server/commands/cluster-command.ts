/**
 * CLUSTER MEET|NODES|MYID|INFO|SAVECONFIG|FORGET|RESET|LEAVING.
 * @internal
 */
import { inHashOrder } from '../hash-order.js';
import { isIP } from 'node:net';
import { error, OK, status, SYNTAX_ERROR, type Reply } from '../resp-writer.js';
import { keyword, parseLongLong, text } from './args.js';
import type { CommandContext, CommandSpec } from './types.js';

const WRONG = error('ERR Wrong CLUSTER subcommand or number of arguments');
/** Disque needs port + 10000 free for its cluster bus, hence the limit. */
const MAX_CLUSTER_PORT = 65535 - 10000;

function nodesDescription(ctx: CommandContext): string {
  const cluster = ctx.node.cluster;
  let out = '';
  for (const p of inHashOrder(cluster.nodes.values(), (n) => n.id)) {
    const flags: string[] = [];
    if (p.myself) flags.push('myself');
    if (p.pfail) flags.push('fail?');
    if (p.fail) flags.push('fail');
    if (p.handshake) flags.push('handshake');
    if (p.noaddr) flags.push('noaddr');
    if (p.leaving) flags.push('leaving');
    const link = p.link || p.myself ? 'connected' : 'disconnected';
    const ms = (t: number): string => String(Math.floor(t));
    out += `${p.id} ${p.host}:${p.port} ${flags.length > 0 ? flags.join(',') : 'noflags'} ${ms(p.pingSent)} ${ms(p.pongReceived)} ${link}\n`;
  }
  return out;
}

function cluster(ctx: CommandContext): Reply {
  const { node, argv } = ctx;
  const sub = keyword(argv[1]);
  const argc = argv.length;
  const c = node.cluster;
  if (sub === 'meet' && argc === 4) {
    const port = parseLongLong(argv[3]!);
    if (port === null) return error(`ERR Invalid TCP port specified: ${text(argv[3])}`);
    const host = text(argv[2]);
    if (isIP(host) === 0 || port <= 0n || port > BigInt(MAX_CLUSTER_PORT)) {
      return error(`ERR Invalid node address specified: ${host}:${text(argv[3])}`);
    }
    c.meet(host, Number(port));
    return OK;
  }
  if (sub === 'nodes' && argc === 2) return nodesDescription(ctx);
  if (sub === 'myid' && argc === 2) return node.id;
  if (sub === 'info' && argc === 2) {
    return (
      `cluster_state:ok\r\n` +
      `cluster_known_nodes:${c.nodes.size}\r\n` +
      `cluster_reachable_nodes:${c.reachable.length}\r\n` +
      `cluster_size:${c.size}\r\n` +
      `cluster_stats_messages_sent:${c.messagesSent}\r\n` +
      `cluster_stats_messages_received:${c.messagesReceived}\r\n`
    );
  }
  if (sub === 'saveconfig' && argc === 2) return OK;
  if (sub === 'forget' && argc === 3) {
    const id = text(argv[2]);
    if (argv[2]!.length !== 40) return error('ERR Invalid node identifier');
    const r = c.forget(id);
    if (r === 'unknown') return error(`ERR Unknown node ${id}`);
    if (r === 'myself') return error("ERR I tried hard but I can't forget myself...");
    return OK;
  }
  if (sub === 'reset' && (argc === 2 || argc === 3)) {
    let hard = false;
    if (argc === 3) {
      const mode = keyword(argv[2]);
      if (mode === 'hard') hard = true;
      else if (mode !== 'soft') return SYNTAX_ERROR;
    }
    c.reset(hard);
    return OK;
  }
  if (sub === 'leaving' && (argc === 2 || argc === 3)) {
    if (argc === 2) return status(c.leaving ? 'yes' : 'no');
    const v = keyword(argv[2]);
    if (v === 'yes') c.setLeaving(true);
    else if (v === 'no') c.setLeaving(false);
    else return error("ERR Wrong argument for CLUSTER LEAVING. Use 'yes' or 'no'");
    return OK;
  }
  return WRONG;
}

/** @internal */
export const CLUSTER: CommandSpec = {
  name: 'cluster',
  arity: -2,
  flags: ['admin', 'readonly'],
  run: cluster,
};
