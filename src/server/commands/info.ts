/**
 * INFO [section]: Disque's sections and field names; values of things the embedded server does not
 * have (allocator, fork, CPU) are plausible constants.
 * @internal
 */
import os from 'node:os';
import type { DisqueNode } from '../node.js';
import { SYNTAX_ERROR, type Reply } from '../resp-writer.js';
import { keyword } from './args.js';
import type { CommandContext, CommandSpec } from './types.js';
import { TABLE_ORDER } from './table.js';

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'jobs', 'queues', 'persistence', 'stats', 'cpu'];

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(2)}K`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(2)}M`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)}G`;
}

function section(node: DisqueNode, name: string): string[] | null {
  const uptime = Math.floor((node.now() - node.startedAt) / 1000);
  const stats = node.stats;
  const mem = node.memory.used();
  switch (name) {
    case 'server':
      return [
        '# Server',
        'disque_version:1.0-rc1',
        'disque_git_sha1:00000000',
        'disque_git_dirty:0',
        'disque_build_id:disque-ts-embedded',
        `os:${os.type()} ${os.release()} ${os.arch()}`,
        'arch_bits:64',
        'multiplexing_api:epoll',
        `gcc_version:0.0.0`,
        `process_id:${process.pid}`,
        `run_id:${node.runId}`,
        `tcp_port:${node.port}`,
        `uptime_in_seconds:${uptime}`,
        `uptime_in_days:${Math.floor(uptime / 86400)}`,
        'hz:10',
        `executable:${process.execPath}`,
        `config_file:${node.options.configFile ?? ''}`,
      ];
    case 'clients': {
      let biggest = 0;
      for (const c of node.clientList()) biggest = Math.max(biggest, c.inputBuffered);
      let blockedClients = 0;
      for (const c of node.clientList()) if (c.blocked !== null) blockedClients++;
      return [
        '# Clients',
        `connected_clients:${node.clientCount()}`,
        'client_longest_output_list:0',
        `client_biggest_input_buf:${biggest}`,
        `blocked_clients:${blockedClients}`,
      ];
    }
    case 'memory':
      return [
        '# Memory',
        `used_memory:${mem}`,
        `used_memory_human:${human(mem)}`,
        `used_memory_rss:${mem}`,
        `used_memory_peak:${node.memory.peak}`,
        `used_memory_peak_human:${human(node.memory.peak)}`,
        'mem_fragmentation_ratio:1.00',
        'mem_allocator:jemalloc-4.0.3',
      ];
    case 'jobs':
      return ['# Jobs', `registered_jobs:${node.jobs.size}`];
    case 'queues':
      return ['# Queues', `registered_queues:${node.queues.size}`];
    case 'persistence':
      return [
        '# Persistence',
        'loading:0',
        `aof_enabled:${node.persistence?.aofEnabled === true ? 1 : 0}`,
        `aof_state:${node.persistence?.aofEnabled === true ? 'on' : 'off'}`,
        'aof_rewrite_in_progress:0',
        'aof_rewrite_scheduled:0',
        'aof_last_rewrite_time_sec:-1',
        'aof_current_rewrite_time_sec:-1',
        'aof_last_bgrewrite_status:ok',
        `aof_last_write_status:${node.persistence?.aofLastWriteOk === false ? 'err' : 'ok'}`,
      ];
    case 'stats':
      return [
        '# Stats',
        `total_connections_received:${stats.totalConnections}`,
        `total_commands_processed:${stats.totalCommands}`,
        'instantaneous_ops_per_sec:0',
        `total_net_input_bytes:${stats.netInputBytes}`,
        `total_net_output_bytes:${stats.netOutputBytes}`,
        'instantaneous_input_kbps:0.00',
        'instantaneous_output_kbps:0.00',
        `rejected_connections:${stats.rejectedConnections}`,
        'latest_fork_usec:0',
      ];
    case 'cpu': {
      const u = process.cpuUsage();
      return [
        '# CPU',
        `used_cpu_sys:${(u.system / 1e6).toFixed(2)}`,
        `used_cpu_user:${(u.user / 1e6).toFixed(2)}`,
        'used_cpu_sys_children:0.00',
        'used_cpu_user_children:0.00',
      ];
    }
    case 'commandstats': {
      const lines = ['# Commandstats'];
      for (const [cmd, s] of node.stats.commandsInTableOrder(TABLE_ORDER)) {
        lines.push(
          `cmdstat_${cmd}:calls=${s.calls},usec=${s.usec},usec_per_call=${(s.usec / s.calls).toFixed(2)}`,
        );
      }
      return lines;
    }
    default:
      return null;
  }
}

/** The INFO text for a section name (`default`, `all` or one section). @internal */
export function infoText(node: DisqueNode, which: string): string {
  let names: string[];
  if (which === 'default') names = DEFAULT_SECTIONS;
  else if (which === 'all') names = [...DEFAULT_SECTIONS, 'commandstats'];
  else names = [which];
  const parts: string[] = [];
  for (const n of names) {
    const lines = section(node, n);
    if (lines !== null) parts.push(lines.join('\r\n') + '\r\n');
  }
  return parts.join('\r\n');
}

function info({ node, argv }: CommandContext): Reply {
  if (argv.length > 2) return SYNTAX_ERROR;
  return infoText(node, argv.length === 2 ? keyword(argv[1]) : 'default');
}

/** @internal */
export const INFO: CommandSpec = { name: 'info', arity: -1, flags: ['readonly', 'loading'], run: info };
