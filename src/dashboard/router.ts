/**
 * The dashboard's routes: the page and its two files, the login form, the JSON API the page
 * calls, the actions (POST only, CSRF-checked) and `/metrics`.
 * @internal
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pool } from '../pool.js';
import type { JobState } from '../job.js';
import { ArgumentError, DisqueError } from '../errors.js';
import { status } from '../status.js';
import * as v from '../commands/validate.js';
import { exposition, PROMETHEUS_CONTENT_TYPE, type MetricsCollector } from '../metrics/exposition.js';
import { addJob, jobAction, pauseQueue, requeueDeadLetter, type JobAction } from './actions.js';
import { peek, queueJobs, queueNames, showJob } from './reader.js';
import { readBody, readJson, send, sendJson, BodyTooLargeError } from './http.js';
import { redact, type Guard } from './security.js';
import { APP_JS } from './assets/app-js.js';
import { APP_CSS } from './assets/app-css.js';
import { loginPage, mainPage } from './assets/pages.js';

/** Everything a request needs. @internal */
export interface RouterContext {
  readonly pool: Pool;
  readonly guard: Guard;
  readonly deadLetters: Readonly<Record<string, string>>;
  readonly collectors: readonly MetricsCollector[];
  readonly refreshInterval: number;
  readonly pageSize: number;
  /** Strings that must never appear in an answer (the Disque password, the token). */
  readonly secrets: readonly (string | undefined)[];
}

const STATES: readonly JobState[] = ['wait-repl', 'active', 'queued', 'acked'];
const JOB_ACTIONS: readonly JobAction[] = ['ack', 'nack', 'enqueue', 'delete'];

function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = params.get(name);
  if (text === null || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ArgumentError(
      name,
      `Expected \`${name}\` to be a whole number from ${min} to ${max}, got \`${text.slice(0, 40)}\``,
    );
  return n;
}

const required = (params: URLSearchParams, name: string): string => {
  const value = params.get(name);
  return value === null || value === '' ? v.fail(name, 'a non-empty string', value) : value;
};

async function api(
  ctx: RouterContext,
  method: string,
  path: string,
  params: URLSearchParams,
  req: IncomingMessage,
) {
  const { pool } = ctx;
  if (method === 'GET')
    switch (path) {
      case '/api/config':
        return {
          refreshInterval: ctx.refreshInterval,
          pageSize: ctx.pageSize,
          deadLetters: ctx.deadLetters,
        };
      case '/api/queues':
        return queueNames(pool, {
          cursor: params.get('cursor') ?? undefined,
          count: intParam(params, 'count', ctx.pageSize, 1, 1000),
          minLen: params.has('minLen')
            ? intParam(params, 'minLen', 0, 0, Number.MAX_SAFE_INTEGER)
            : undefined,
        });
      case '/api/status': {
        const queues = params.getAll('q').filter((q) => q !== '');
        if (queues.length > 500) throw new ArgumentError('q', 'At most 500 queues per status request');
        return status(pool, { queues });
      }
      case '/api/jobs': {
        const states = params.getAll('state').filter((s) => s !== '');
        states.forEach((s, i) => v.oneOf(`state[${i}]`, s, STATES));
        return queueJobs(pool, {
          queue: required(params, 'queue'),
          states: states as JobState[],
          cursor: params.get('cursor') ?? undefined,
          count: intParam(params, 'count', ctx.pageSize, 1, 1000),
        });
      }
      case '/api/peek':
        return peek(pool, required(params, 'queue'), intParam(params, 'count', 5, 1, 100));
      case '/api/job': {
        const job = await showJob(pool, required(params, 'id'));
        return job ?? { missing: true };
      }
      case '/api/dead': {
        const names = Object.keys(ctx.deadLetters);
        const report = await status(pool, { queues: names });
        return names.map((name) => ({
          name,
          original: ctx.deadLetters[name],
          len: report.queues.find((q) => q.name === name)?.len ?? 0,
        }));
      }
    }
  if (method === 'POST') {
    const body = await readJson(req);
    if (path === '/api/pause') return { nodes: await pauseQueue(pool, body['queue'], body['state']) };
    if (path === '/api/add') return { id: await addJob(pool, body['queue'], body['body']) };
    if (path === '/api/requeue') return requeueDeadLetter(pool, body['id'], ctx.deadLetters, body['target']);
    const action = path.startsWith('/api/job/') ? path.slice('/api/job/'.length) : '';
    if ((JOB_ACTIONS as readonly string[]).includes(action))
      return { affected: await jobAction(pool, action as JobAction, body['id']) };
  }
  return undefined;
}

/** Answers one request whose path (prefix removed) is `path`. @internal */
export async function route(
  ctx: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
) {
  const { guard } = ctx;
  const method = req.method ?? 'GET';
  if (!guard.hostAllowed(req)) return send(res, 403, 'text/plain; charset=utf-8', 'Host not allowed\n');
  if (method === 'GET' && path === '/assets/app.js')
    return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
  if (method === 'GET' && path === '/assets/app.css')
    return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
  if (path === '/login') {
    if (method === 'POST') {
      const refusal = guard.actionRefusal(req, false);
      if (refusal) return send(res, 403, 'text/plain; charset=utf-8', `Refused: ${refusal}\n`);
      const form = new URLSearchParams((await readBody(req, 16 * 1024)).toString('utf8'));
      const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
      if (guard.login(form.get('token') ?? '', res, secure)) {
        res.setHeader('Location', './');
        return send(res, 303, 'text/plain; charset=utf-8', 'Signed in\n');
      }
      return send(res, 401, 'text/html; charset=utf-8', loginPage(true));
    }
    return send(res, 200, 'text/html; charset=utf-8', loginPage(false));
  }
  if (!guard.authenticated(req)) {
    if (method === 'GET' && path === '/') return send(res, 401, 'text/html; charset=utf-8', loginPage(false));
    return sendJson(res, 401, {
      error: { name: 'Unauthorized', message: 'Sign in, or send the token as a Bearer token' },
    });
  }
  if (method === 'GET' && path === '/')
    return send(res, 200, 'text/html; charset=utf-8', mainPage(guard.csrfToken));
  if (method === 'GET' && path === '/metrics') {
    const families = (await Promise.all(ctx.collectors.map(async (c) => c.collect()))).flat();
    return send(res, 200, PROMETHEUS_CONTENT_TYPE, exposition(families));
  }
  if (!path.startsWith('/api/')) return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
  if (method !== 'GET') {
    if (method !== 'POST')
      return sendJson(res, 405, { error: { name: 'MethodNotAllowed', message: 'GET or POST only' } });
    const refusal = guard.actionRefusal(req);
    if (refusal) return sendJson(res, 403, { error: { name: 'Forbidden', message: `Refused: ${refusal}` } });
  }
  try {
    const result = await api(ctx, method, path, new URLSearchParams(query), req);
    if (result === undefined)
      return sendJson(res, 404, { error: { name: 'NotFound', message: `No ${method} ${path}` } });
    return sendJson(res, 200, result);
  } catch (err) {
    const code =
      err instanceof ArgumentError
        ? 400
        : err instanceof BodyTooLargeError
          ? 413
          : err instanceof DisqueError
            ? 502
            : 500;
    if (code === 413) res.setHeader('Connection', 'close'); // no need to read the rest of it
    return sendJson(res, code, { error: redact(err, ctx.secrets) });
  }
}
