/**
 * What the dashboard's /metrics and the SDK's instruments report: the Prometheus text format,
 * the SDK counters of `jobs.metrics()`, and OpenTelemetry spans (in-memory exporter) for adds and
 * handler runs, with opt-in context propagation. Against DISQUE_NODES, else an embedded server.
 */
import * as otel from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { StackContextManager } from '@opentelemetry/sdk-trace';
import { connect, type Jobs } from '../../src/jobs.js';
import { exposition } from '../../src/metrics/exposition.js';
import { enableTracing, unwrapBody, wrapBody } from '../../src/telemetry/tracing.js';
import { startTestDisque, uniqueQueue, type TestDisque } from '../helpers/disque.js';

let disque: TestDisque;
const opened: Jobs<unknown>[] = [];
const open = (): Jobs<string> => {
  const jobs = connect({ nodes: disque.nodes.map((n) => `${n.host}:${n.port}`).join(',') });
  opened.push(jobs as Jobs<unknown>);
  return jobs;
};

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');

beforeAll(async () => {
  disque = await startTestDisque();
  otel.context.setGlobalContextManager(new StackContextManager().enable());
});
afterAll(async () => {
  otel.context.disable();
  await Promise.all(opened.map((j) => j.close()));
  await disque.close();
  console.log(`telemetry tests ran against ${disque.embedded ? 'the embedded server' : 'real Disque'}`);
});
beforeEach(() => exporter.reset());

test('exposition - writes HELP, TYPE and escaped label values', () => {
  const text = exposition([
    {
      name: 'disque_queue_length',
      help: 'Jobs queued.\nper queue',
      type: 'gauge',
      samples: [
        { labels: { queue: 'a"b\\c\nd' }, value: 3 },
        { labels: { queue: 'plain' }, value: Number.NaN },
      ],
    },
    { name: 'bad name', help: 'skipped', type: 'counter', samples: [{ value: 1 }] },
  ]);
  expect(text).toBe(
    '# HELP disque_queue_length Jobs queued.\\nper queue\n' +
      '# TYPE disque_queue_length gauge\n' +
      'disque_queue_length{queue="a\\"b\\\\c\\nd"} 3\n' +
      'disque_queue_length{queue="plain"} NaN\n',
  );
});

test('jobs.metrics() - counts adds, fetches, acks, NACKs, dead letters and lease renewals', async () => {
  const jobs = open();
  const metrics = jobs.metrics();
  expect(jobs.metrics()).toBe(metrics); // one per pool
  const q = uniqueQueue('metrics');
  const dead = `${q}-dead`;
  await jobs.add('ok', q);
  await jobs.add('fails', q);
  const funnel = jobs.funnel(q, { leaseAfter: 10 });
  let seen = 0;
  const done = funnel.process(
    async (job) => {
      seen++;
      if (job.body === 'fails') throw new Error('boom');
      await new Promise((r) => setTimeout(r, 400)); // long enough for a lease renewal
    },
    { maxAttempts: 2, deadLetter: dead },
  );
  const until = Date.now() + 15_000;
  while (metrics.snapshot().deadLettered < 1 || metrics.snapshot().acked < 2) {
    if (Date.now() > until) throw new Error(`timed out: ${JSON.stringify(metrics.snapshot())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await funnel.close();
  await done;
  const s = metrics.snapshot();
  expect(s.added).toBe(3); // two, plus the dead letter
  expect(s.fetched).toBeGreaterThanOrEqual(3); // 'fails' twice
  expect(s.redelivered).toBeGreaterThanOrEqual(1);
  expect(s.nacked).toBeGreaterThanOrEqual(1);
  expect(s.deadLettered).toBe(1);
  expect(s.leaseRenewals).toBeGreaterThanOrEqual(1);
  expect(seen).toBeGreaterThanOrEqual(3);
  const text = metrics.text();
  expect(text).toContain(`disque_sdk_jobs_added_total{queue="${q}"} 2\n`);
  expect(text).toContain(`disque_sdk_jobs_dead_lettered_total{queue="${q}"} 1\n`);
  expect(text).toMatch(/^# TYPE disque_sdk_lease_renewals_total counter$/m);
  metrics.stop();
});

test('tracing - adds make PRODUCER spans and handler runs CONSUMER spans, per the messaging conventions', async () => {
  const jobs = open();
  const stop = await enableTracing(jobs, { api: otel, tracer });
  const q = uniqueQueue('trace');
  const id = await jobs.add('plain body', q);
  // Without `propagate`, the body on the wire is exactly what was added.
  expect((await jobs.show(id))?.body).toBe('plain body');
  const funnel = jobs.funnel(q);
  let child: otel.Span | undefined;
  const done = funnel.process((job) => {
    child = tracer.startSpan('inside the handler'); // active context: the process span
    child.end();
    if (job.body !== 'plain body') throw new Error('body changed');
    void funnel.close();
  });
  await done;
  stop();
  const spans = exporter.getFinishedSpans();
  const send = spans.find((s) => s.name === `send ${q}`);
  const processed = spans.find((s) => s.name === `process ${q}`);
  expect(send?.kind).toBe(otel.SpanKind.PRODUCER);
  expect(send?.attributes).toMatchObject({
    'messaging.system': 'disque',
    'messaging.destination.name': q,
    'messaging.operation.type': 'send',
    'messaging.message.id': id,
  });
  expect(processed?.kind).toBe(otel.SpanKind.CONSUMER);
  expect(processed?.attributes).toMatchObject({
    'messaging.destination.name': q,
    'messaging.message.id': id,
    'messaging.operation.type': 'process',
  });
  expect(processed?.status.code).toBe(otel.SpanStatusCode.UNSET);
  expect(processed?.links).toEqual([]); // no propagation asked: the body was left alone
  const inner = spans.find((s) => s.name === 'inside the handler');
  expect(inner?.parentSpanContext?.spanId).toBe(processed?.spanContext().spanId);
});

test('tracing - a failing handler marks its span as an error', async () => {
  const jobs = open();
  const stop = await enableTracing(jobs, { api: otel, tracer });
  const q = uniqueQueue('trace-fail');
  await jobs.add('x', q);
  const funnel = jobs.funnel(q);
  const done = funnel.process(() => {
    void funnel.close();
    throw new TypeError('handler failed');
  });
  await done;
  stop();
  const span = exporter.getFinishedSpans().find((s) => s.name === `process ${q}`);
  expect(span?.status.code).toBe(otel.SpanStatusCode.ERROR);
  expect(span?.attributes['error.type']).toBe('TypeError');
  expect(span?.events.some((e) => e.name === 'exception')).toBe(true);
});

test('tracing - with propagate, the handler span links to the producer span and sees the original body', async () => {
  const producer = open();
  const worker = open();
  const stopP = await enableTracing(producer, { api: otel, tracer, propagate: true });
  const stopW = await enableTracing(worker, { api: otel, tracer, propagate: true });
  const q = uniqueQueue('trace-link');
  const id = await producer.add('hello <b>', q);
  // On the wire the body is the envelope (opt-in); a tracing worker unwraps it.
  const onWire = (await producer.show(id))?.body as string; // SHOW: no unwrapping
  expect(onWire.startsWith('{"_otel":{"traceparent":"00-')).toBe(true);
  expect(unwrapBody(onWire)?.body).toBe('hello <b>');
  let body: string | undefined;
  const funnel = worker.funnel(q);
  await funnel.process((job) => {
    body = job.body;
    void funnel.close();
  });
  stopP();
  stopW();
  expect(body).toBe('hello <b>');
  const spans = exporter.getFinishedSpans();
  const send = spans.find((s) => s.name === `send ${q}`);
  const processed = spans.find((s) => s.name === `process ${q}`);
  expect(processed?.attributes['messaging.message.id']).toBe(id);
  expect(processed?.links).toHaveLength(1);
  expect(processed?.links[0]?.context.traceId).toBe(send?.spanContext().traceId);
  expect(processed?.links[0]?.context.spanId).toBe(send?.spanContext().spanId);
});

test('tracing - envelopes: round trip, and anything else is left alone', () => {
  const ctx = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
  const wrapped = wrapBody('{"not":"an envelope"}', ctx);
  expect(unwrapBody(wrapped)).toEqual({ body: '{"not":"an envelope"}', parent: { ...ctx, isRemote: true } });
  expect(unwrapBody(Buffer.from(wrapped))?.body).toBe('{"not":"an envelope"}');
  expect(unwrapBody('{"_otel": 1, "body": "x"}')).toBeUndefined();
  expect(unwrapBody('{"_otel":{"traceparent":"zz"},"body":"x"}')).toEqual({ body: 'x', parent: undefined });
  expect(unwrapBody('plain')).toBeUndefined();
  expect(unwrapBody(undefined as unknown as string)).toBeUndefined();
  expect(unwrapBody('{"_otel":{broken')).toBeUndefined();
});
