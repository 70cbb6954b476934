import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboard, isLoopback } from '../../dashboard/index.js';
import { ArgumentError } from '../../errors.js';
import type { CliCommand } from '../command.js';

/** `--dead-letter images-failed=images,emails-failed=emails` → `{ 'images-failed': 'images', … }`. */
function deadLetters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1)
      throw new ArgumentError(
        '--dead-letter',
        `Expected \`--dead-letter\` to be dead=original[,…], got \`${pair}\``,
      );
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

function port(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new ArgumentError('--port', `Expected \`--port\` to be a port from 0 to 65535, got \`${text}\``);
  return n;
}

const waitForAbort = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!signal) return; // runs until the process is killed
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/** `disque-ts dashboard [--port 7780] [--host 127.0.0.1] [--token …]`. @internal */
export const dashboardCommand: CliCommand = {
  name: 'dashboard',
  summary: 'serve the web dashboard and /metrics until Ctrl-C',
  usage: '[options]',
  description: `Serves a web dashboard of the cluster (nodes, queues with live charts, jobs, dead
letters; Pause/Resume, ack, NACK, requeue, delete, add) and Prometheus metrics at /metrics.
It listens on 127.0.0.1 unless --host says otherwise; on any other interface it refuses to start
without a token (--token, or better $DISQUE_DASHBOARD_TOKEN: command lines are visible to other
users). The token is asked once in the browser, or sent as "Authorization: Bearer <token>".`,
  options: {
    port: {
      type: 'string',
      short: 'p',
      value: 'port',
      description: 'port to listen on (default 7780; 0 = any free)',
    },
    host: { type: 'string', value: 'ip', description: 'interface to listen on (default 127.0.0.1)' },
    token: {
      type: 'string',
      value: 'secret',
      description: 'token to require (default $DISQUE_DASHBOARD_TOKEN)',
    },
    prefix: { type: 'string', value: 'path', description: 'serve under this path, e.g. /disque' },
    'dead-letter': {
      type: 'string',
      value: 'dead=queue,…',
      description: 'dead-letter queues and their original queues',
    },
  },
  arity: [0, 0],
  async run(ctx) {
    const o = ctx.options;
    const env = ctx.io.env ?? process.env;
    const host = typeof o['host'] === 'string' ? o['host'] : '127.0.0.1';
    const token = typeof o['token'] === 'string' ? o['token'] : env['DISQUE_DASHBOARD_TOKEN'] || undefined;
    if (!isLoopback(host) && token === undefined)
      throw new ArgumentError(
        '--token',
        `Refusing to serve the dashboard on ${host} without a token: set $DISQUE_DASHBOARD_TOKEN (or --token), or keep the default --host 127.0.0.1`,
      );
    const dashboard = createDashboard({
      ...(ctx.nodes === undefined ? {} : { nodes: ctx.nodes }),
      ...(ctx.password === undefined ? {} : { password: ctx.password }),
      ...(token === undefined ? {} : { token }),
      ...(typeof o['prefix'] === 'string' ? { prefix: o['prefix'] } : {}),
      ...(typeof o['dead-letter'] === 'string' ? { deadLetters: deadLetters(o['dead-letter']) } : {}),
    });
    const server = createServer(dashboard);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(typeof o['port'] === 'string' ? port(o['port']) : 7780, host, () => resolve());
      });
      const { port: bound } = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      const url = `http://${shown}:${bound}${typeof o['prefix'] === 'string' ? o['prefix'].replace(/\/*$/, '/') : '/'}`;
      if (ctx.json) ctx.out(JSON.stringify({ url, metrics: `${url}metrics`, token: token !== undefined }));
      else
        ctx.out(
          `dashboard on ${url}${token !== undefined ? ' (token required)' : ''}`,
          `metrics on ${url}metrics`,
          'Ctrl-C to stop',
        );
      await waitForAbort(ctx.io.signal);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await dashboard.close();
    }
    return 0;
  },
};
