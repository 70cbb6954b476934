/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: a few dozen lines
 * instead of prom-client and its dependencies, for the handful of gauges and counters we export.
 * @module
 */

/**
 * Labels of one sample: name → value.
 *
 * @example
 * ```ts
 * const labels: Labels = { queue: 'emails', node: 'a1b2c3d4' };
 * ```
 */
export type Labels = Readonly<Record<string, string>>;

/**
 * One metric family: a name, its help, its type, and its samples.
 *
 * @example
 * ```ts
 * const family: MetricFamily = {
 *   name: 'disque_queue_length',
 *   help: 'Jobs queued, per queue and node.',
 *   type: 'gauge',
 *   samples: [{ labels: { queue: 'emails', node: 'a1b2c3d4' }, value: 12 }],
 * };
 * ```
 */
export interface MetricFamily {
  /** The metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`); counters end in `_total`. */
  readonly name: string;
  /** One line saying what it measures. */
  readonly help: string;
  /** How Prometheus should read it. */
  readonly type: 'gauge' | 'counter';
  /** The values, each with its labels. */
  readonly samples: readonly { readonly labels?: Labels | undefined; readonly value: number }[];
}

/**
 * Anything that yields metric families when scraped: {@link SdkMetrics}, the dashboard's cluster
 * collector, or your own.
 *
 * @example
 * ```ts
 * const uptime: MetricsCollector = {
 *   collect: () => [{ name: 'app_uptime_seconds', help: 'Uptime.', type: 'gauge', samples: [{ value: process.uptime() }] }],
 * };
 * ```
 */
export interface MetricsCollector {
  /** The families, as of now. */
  collect(): readonly MetricFamily[] | Promise<readonly MetricFamily[]>;
}

/**
 * The Content-Type of the text format.
 *
 * @example
 * ```ts
 * res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Label values may hold anything (queue names are arbitrary bytes): escape what the format says.
const escapeValue = (text: string): string =>
  text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const formatNumber = (n: number): string =>
  Number.isNaN(n) ? 'NaN' : n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n);

/**
 * Writes metric families in the Prometheus text format. Families of the same name are merged (the
 * first help and type win); invalid names are skipped rather than breaking the whole scrape.
 *
 * @example
 * ```ts
 * const text = exposition([{ name: 'up', help: 'Up.', type: 'gauge', samples: [{ value: 1 }] }]);
 * // # HELP up Up.\n# TYPE up gauge\nup 1\n
 * ```
 */
export function exposition(families: readonly MetricFamily[]): string {
  const merged = new Map<string, { help: string; type: string; lines: string[] }>();
  for (const family of families) {
    if (!NAME.test(family.name)) continue;
    let entry = merged.get(family.name);
    if (!entry) merged.set(family.name, (entry = { help: family.help, type: family.type, lines: [] }));
    for (const { labels, value } of family.samples) {
      const pairs = Object.entries(labels ?? {})
        .filter(([k]) => LABEL.test(k))
        .map(([k, v]) => `${k}="${escapeValue(v)}"`);
      entry.lines.push(`${family.name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatNumber(value)}`);
    }
  }
  let out = '';
  for (const [name, { help, type, lines }] of merged)
    out += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n${lines.map((l) => `${l}\n`).join('')}`;
  return out;
}
