import { Pool } from '../pool.js';
import type { Job } from '../job.js';
import * as v from '../commands/validate.js';
import { observe, type ObservedJob } from './observers.js';

/**
 * OpenTelemetry spans for adds and handler runs, following the messaging semantic conventions.
 * `@opentelemetry/api` is an optional peer dependency: it is loaded only by {@link enableTracing},
 * and the types below are the few parts of it used here, so nothing else needs it installed.
 * @module
 */

/**
 * The parts of an OpenTelemetry span context used here.
 *
 * @example
 * ```ts
 * const { traceId, spanId }: TraceSpanContext = span.spanContext();
 * ```
 */
export interface TraceSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

/**
 * The parts of an OpenTelemetry span used here.
 *
 * @example
 * ```ts
 * const span: TraceSpan = tracer.startSpan('work');
 * span.end();
 * ```
 */
export interface TraceSpan {
  spanContext(): TraceSpanContext;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  end(): void;
}

/**
 * The parts of an OpenTelemetry tracer used here: any `Tracer` of `@opentelemetry/api` fits.
 *
 * @example
 * ```ts
 * const tracer: TraceTracer = trace.getTracer('my-worker');
 * await enableTracing(jobs, { api: otel, tracer });
 * ```
 */
export interface TraceTracer {
  startSpan(
    name: string,
    options?: {
      kind?: number;
      attributes?: Record<string, string | number | boolean>;
      links?: { context: TraceSpanContext }[];
    },
    context?: unknown,
  ): TraceSpan;
}

/**
 * The parts of the `@opentelemetry/api` module used here (pass the module itself).
 *
 * @example
 * ```ts
 * import * as otel from '@opentelemetry/api';
 * await enableTracing(jobs, { api: otel });
 * ```
 */
export interface TraceApi {
  trace: { getTracer(name: string, version?: string): object; setSpan(context: never, span: never): unknown };
  context: { active(): unknown; with(context: never, fn: () => unknown): unknown };
}

/**
 * Options of {@link enableTracing}.
 *
 * @example
 * ```ts
 * const stop = await enableTracing(jobs, { propagate: true }); // both producers and workers
 * ```
 */
export interface TracingOptions {
  /** The `@opentelemetry/api` module. @defaultValue `await import('@opentelemetry/api')` */
  api?: TraceApi | undefined;
  /** The tracer to use. @defaultValue `api.trace.getTracer('disque-ts')` */
  tracer?: TraceTracer | undefined;
  /**
   * Carry the producer's trace context in the job, so that a worker's `process` span links to
   * the `send` span. **This changes string bodies**: each becomes a JSON envelope
   * `{"_otel":{"traceparent":"…"},"body":"<your body>"}`, which workers with tracing enabled
   * unwrap before your codec sees it, but which other clients would see as is. Enable it only
   * when every consumer of those queues is disque-ts with tracing on. Buffer bodies are never
   * changed. @defaultValue false
   */
  propagate?: boolean | undefined;
}

/** `SpanKind` and `SpanStatusCode` of the API: stable numbers. */
const PRODUCER = 3;
const CONSUMER = 4;
const ERROR = 2;
const ENVELOPE_PREFIX = '{"_otel":';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const hex2 = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');

/** Wraps a string body in the trace envelope. @internal */
export function wrapBody(body: string, span: TraceSpanContext): string {
  const traceparent = `00-${span.traceId}-${span.spanId}-${hex2(span.traceFlags)}`;
  return `${ENVELOPE_PREFIX}${JSON.stringify({ traceparent })},"body":${JSON.stringify(body)}}`;
}

/** Unwraps a body written by {@link wrapBody}; `undefined` when it is not such an envelope. @internal */
export function unwrapBody(
  body: string | Buffer,
): { body: string; parent: TraceSpanContext | undefined } | undefined {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return undefined;
  const text = typeof body === 'string' ? body : body.subarray(0, ENVELOPE_PREFIX.length).toString('latin1');
  if (!text.startsWith(ENVELOPE_PREFIX)) return undefined;
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as {
      _otel?: { traceparent?: unknown };
      body?: unknown;
    };
    if (typeof parsed.body !== 'string' || parsed._otel === null || typeof parsed._otel !== 'object')
      return undefined;
    const match =
      typeof parsed._otel.traceparent === 'string' ? TRACEPARENT.exec(parsed._otel.traceparent) : null;
    const parent = match
      ? {
          traceId: match[1] as string,
          spanId: match[2] as string,
          traceFlags: parseInt(match[3] as string, 16),
          isRemote: true,
        }
      : undefined;
    return { body: parsed.body, parent };
  } catch {
    return undefined;
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

function fail(span: TraceSpan, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setAttribute('error.type', e.name);
  span.setStatus({ code: ERROR, message: e.message });
}

/** Producer contexts of fetched jobs, until their handler runs (bounded). */
const MAX_PARENTS = 10_000;

/**
 * Turns on OpenTelemetry spans for everything done through the pool of `source`:
 * - `send <queue>` (kind PRODUCER) around each add, with `messaging.system` = `disque`,
 *   `messaging.destination.name` = the queue, `messaging.message.id` = the job id;
 * - `process <queue>` (kind CONSUMER) around each `funnel.process` handler run, active while it
 *   runs (your spans nest under it), marked as an error when it throws, and linked to the
 *   producer's span when the job carries its context (`propagate`).
 *
 * Call it before starting funnels. Resolves to a function that turns tracing off.
 *
 * @param source - a `Jobs` handle or a {@link Pool}
 * @throws {@link ArgumentError} when `@opentelemetry/api` is neither given nor installed
 * @example
 * ```ts
 * import * as otel from '@opentelemetry/api';
 * const stop = await enableTracing(jobs, { api: otel });
 * await jobs.add('hello', 'greetings'); // a "send greetings" span
 * ```
 */
export async function enableTracing(
  source: Pool | { readonly pool: Pool },
  options: TracingOptions = {},
): Promise<() => void> {
  const pool = source instanceof Pool ? source : source?.pool;
  if (!(pool instanceof Pool)) v.fail('source', 'a Pool or a Jobs handle', source);
  const o = v.options<TracingOptions>('options', options, ['api', 'tracer', 'propagate']);
  const propagate = o.propagate === undefined ? false : v.flag('options.propagate', o.propagate);
  let api = o.api;
  if (!api) {
    try {
      api = (await import('@opentelemetry/api')) as unknown as TraceApi;
    } catch {
      v.fail('options.api', 'the @opentelemetry/api module (install it, or pass it)', undefined);
    }
  }
  const otel = api as TraceApi;
  const tracer = o.tracer ?? (otel.trace.getTracer('disque-ts') as TraceTracer);
  const active = (): never => otel.context.active() as never;
  const withSpan = <R>(span: TraceSpan, fn: () => R): R =>
    otel.context.with(otel.trace.setSpan(active(), span as never) as never, fn) as R;
  const parents = new Map<string, TraceSpanContext>();

  return observe(pool, {
    add(queue, body, send) {
      const span = tracer.startSpan(
        `send ${queue}`,
        {
          kind: PRODUCER,
          attributes: {
            'messaging.system': 'disque',
            'messaging.operation.type': 'send',
            'messaging.operation.name': 'send',
            'messaging.destination.name': queue,
            'messaging.message.body.size': Buffer.byteLength(body),
          },
        },
        active(),
      );
      const out = propagate && typeof body === 'string' ? wrapBody(body, span.spanContext()) : body;
      return withSpan(span, () => send(out)).then(
        (id) => {
          span.setAttribute('messaging.message.id', id);
          span.end();
          return id;
        },
        (error: unknown) => {
          fail(span, error);
          span.end();
          throw error;
        },
      );
    },
    fetched(jobs: Job<string | Buffer>[]) {
      for (const job of jobs) {
        const unwrapped = unwrapBody(job.body);
        if (!unwrapped) continue;
        // Decoded in place, before the codec sees it (Jobs decodes these objects next).
        (job as { body: string | Buffer }).body =
          typeof job.body === 'string' ? unwrapped.body : Buffer.from(unwrapped.body, 'utf8');
        if (unwrapped.parent) {
          if (parents.size >= MAX_PARENTS) parents.delete(parents.keys().next().value as string);
          parents.set(job.id, unwrapped.parent);
        }
      }
    },
    handle(job: ObservedJob, run: () => unknown) {
      const parent = parents.get(job.id);
      parents.delete(job.id);
      const attributes: Record<string, string | number | boolean> = {
        'messaging.system': 'disque',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': job.queue,
        'messaging.message.id': job.id,
      };
      if (job.attempts !== undefined) attributes['messaging.disque.attempts'] = job.attempts;
      const span = tracer.startSpan(
        `process ${job.queue}`,
        { kind: CONSUMER, attributes, ...(parent ? { links: [{ context: parent }] } : {}) },
        active(),
      );
      return withSpan(span, () => {
        let result: unknown;
        try {
          result = run();
        } catch (error) {
          fail(span, error);
          span.end();
          throw error;
        }
        if (!isThenable(result)) {
          span.end();
          return result;
        }
        return Promise.resolve(result).then(
          (value) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            fail(span, error);
            span.end();
            throw error;
          },
        );
      });
    },
  });
}
