/**
 * `disque-ts/dashboard`: a web dashboard of a Disque cluster (nodes, queues with live charts,
 * jobs, dead letters, actions) and a Prometheus `/metrics` endpoint, as one node:http request
 * handler to serve alone (`disque-ts dashboard`) or mount in an existing server.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { createDashboard } from 'disque-ts/dashboard';
 * const dashboard = createDashboard({ nodes: '127.0.0.1:7711', prefix: '/disque' });
 * http.createServer(dashboard).listen(7780, '127.0.0.1'); // http://127.0.0.1:7780/disque/
 * ```
 * @module disque-ts/dashboard
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from '../pool.js';
import { ArgumentError } from '../errors.js';
import * as v from '../commands/validate.js';
import type { MetricsCollector } from '../metrics/exposition.js';
import { clusterCollector, type ClusterCollectorOptions } from '../metrics/cluster-collector.js';
import { Guard } from './security.js';
import { route } from './router.js';
import { sendJson } from './http.js';

export {
  exposition,
  PROMETHEUS_CONTENT_TYPE,
  type MetricFamily,
  type MetricsCollector,
  type Labels,
} from '../metrics/exposition.js';
export { clusterCollector, type ClusterCollectorOptions } from '../metrics/cluster-collector.js';
export { SdkMetrics, type SdkCounters } from '../metrics/sdk-metrics.js';
export { isLoopback } from './security.js';

/**
 * Options of {@link createDashboard}: a `pool` to share, or `nodes` (and `password`) for a pool
 * of its own, which `close()` closes.
 *
 * @example
 * ```ts
 * const dashboard = createDashboard({
 *   pool: jobs.pool,
 *   prefix: '/ops/disque',
 *   token: process.env.DASHBOARD_TOKEN,
 *   deadLetters: { 'images-failed': 'images' },
 *   collectors: [jobs.metrics()],
 * });
 * ```
 */
export interface DashboardOptions {
  /** The pool to read the cluster through (shared: `close()` leaves it open). */
  pool?: Pool | undefined;
  /** Seed nodes for a pool of the dashboard's own, when no `pool` is given. @defaultValue DISQUE_NODES */
  nodes?: string | undefined;
  /** Password of the nodes, for the dashboard's own pool. Never shown anywhere. */
  password?: string | undefined;
  /** Where the dashboard is mounted (`/ops/disque`); requests outside it go to `next`, or 404. @defaultValue '' */
  prefix?: string | undefined;
  /**
   * A token to require: sent as `Authorization: Bearer …` (scripts, Prometheus) or typed once in
   * the sign-in form (a session cookie). Without one, only requests addressed to a loopback host
   * name (and `allowedHosts`) are served.
   */
  token?: string | undefined;
  /** Host names accepted without a token, besides loopback ones (e.g. behind your own auth proxy). */
  allowedHosts?: readonly string[] | undefined;
  /** Dead-letter queues and the queue each one's jobs came from: `{ 'images-failed': 'images' }`. */
  deadLetters?: Readonly<Record<string, string>> | undefined;
  /** More metrics for `/metrics`, e.g. `jobs.metrics()` (the SDK's counters of this process). */
  collectors?: readonly MetricsCollector[] | undefined;
  /** Options of the cluster's own metrics, or `false` for none. */
  clusterMetrics?: ClusterCollectorOptions | false | undefined;
  /** How often the page refreshes its figures, in ms. @defaultValue 2000 */
  refreshInterval?: number | undefined;
  /** Queues and jobs per page. @defaultValue 50 */
  pageSize?: number | undefined;
}

/**
 * A node:http request handler (also Express/Connect middleware: it calls `next` for requests
 * outside its prefix), with `close()`.
 *
 * @example
 * ```ts
 * const dashboard: Dashboard = createDashboard({ nodes: 'disque-1:7711' });
 * app.use(dashboard); // Express; or http.createServer(dashboard)
 * await dashboard.close();
 * ```
 */
export interface Dashboard {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** The pool it reads through. */
  readonly pool: Pool;
  /** Closes the pool if the dashboard opened it. */
  close(): Promise<void>;
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return '';
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || /[?#\s]/.test(prefix))
    throw new ArgumentError(
      'options.prefix',
      `Expected \`options.prefix\` to be a path like '/disque', got ${JSON.stringify(prefix)}`,
    );
  return prefix.replace(/\/+$/, '');
}

/**
 * Creates the dashboard: pages for the cluster (nodes, queues, live charts), a queue (jobs by
 * state, oldest and newest, Pause/Resume on every node, add a job), a job (SHOW, body, ack, NACK,
 * requeue, delete) and dead letters (requeue to the original queue), plus `/metrics`.
 *
 * Safe by default: job bodies are shown as text only, under a strict Content-Security-Policy;
 * actions are POSTs carrying a CSRF token from the page, refused from other origins; without a
 * `token`, only loopback host names are served.
 *
 * @throws {@link ArgumentError} for bad options
 * @example
 * ```ts
 * const dashboard = createDashboard({ nodes: '127.0.0.1:7711' });
 * http.createServer(dashboard).listen(7780, '127.0.0.1');
 * ```
 */
export function createDashboard(options: DashboardOptions = {}): Dashboard {
  const o = v.options<DashboardOptions>('options', options, [
    'pool',
    'nodes',
    'password',
    'prefix',
    'token',
    'allowedHosts',
    'deadLetters',
    'collectors',
    'clusterMetrics',
    'refreshInterval',
    'pageSize',
  ]);
  if (o.pool !== undefined && !(o.pool instanceof Pool)) v.fail('options.pool', 'a Pool', o.pool);
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token.length < 8))
    throw new ArgumentError(
      'options.token',
      'Expected `options.token` to be a string of at least 8 characters',
    );
  const prefix = normalizePrefix(o.prefix);
  const deadLetters: Record<string, string> = {};
  for (const [dlq, original] of Object.entries(o.deadLetters ?? {}))
    deadLetters[v.queueName('options.deadLetters', dlq) as string] = v.queueName(
      `options.deadLetters.${dlq}`,
      original,
    ) as string;
  const owned = o.pool === undefined;
  const pool =
    o.pool ??
    new Pool({
      ...(o.nodes === undefined ? {} : { nodes: o.nodes }),
      ...(o.password === undefined ? {} : { password: o.password }),
    });
  const guard = new Guard(o.token, o.allowedHosts ?? [], `${prefix}/`);
  const collectors = [
    ...(o.clusterMetrics === false ? [] : [clusterCollector(pool, o.clusterMetrics || {})]),
    ...(o.collectors ?? []),
  ];
  const ctx = {
    pool,
    guard,
    deadLetters,
    collectors,
    refreshInterval:
      o.refreshInterval === undefined ? 2000 : v.integer('options.refreshInterval', o.refreshInterval, 250),
    pageSize: o.pageSize === undefined ? 50 : v.integer('options.pageSize', o.pageSize, 1),
    secrets: [o.password, o.token],
  };

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const fullPath = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    if (prefix !== '' && fullPath !== prefix && !fullPath.startsWith(`${prefix}/`)) {
      if (next) return next();
      return sendJson(res, 404, { error: { name: 'NotFound', message: 'Not found' } });
    }
    if (fullPath === prefix && prefix !== '') {
      // The page uses relative URLs: it must be served with a trailing slash.
      res.statusCode = 308;
      res.setHeader('Location', `${prefix}/${query ? `?${query}` : ''}`);
      res.end();
      return;
    }
    const path = fullPath.slice(prefix.length) || '/';
    route(ctx, req, res, path, query).catch((err: unknown) => {
      // Nothing escapes as an unhandled rejection; the answer says as little as it must.
      if (!res.headersSent)
        sendJson(res, 500, {
          error: { name: 'Error', message: err instanceof Error ? 'internal error' : 'internal error' },
        });
      else res.destroy();
    });
  };
  return Object.assign(handler, {
    pool,
    close: async () => {
      if (owned) await pool.close();
    },
  });
}
