/**
 * `disque-ts dashboard` from the command line, and what the dashboard refuses: serving off
 * loopback without a token, showing passwords, bad input. Against an embedded server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { run } from '../../src/cli/run.js';
import { createDashboard } from '../../src/dashboard/index.js';
import { startServer, type ServerHandle } from '../../src/server/index.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('runs its own servers');

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer({ port: 0, password: 'the-real-password' });
});
afterAll(async () => {
  await server.close();
});

async function cli(argv: string[], signal?: AbortSignal, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
    ...(signal ? { signal } : {}),
  });
  return { code, stdout, stderr };
}

test('dashboard CLI - serves until interrupted, on loopback by default', async () => {
  const stop = new AbortController();
  let output = '';
  const running = run(
    [
      'dashboard',
      '--nodes',
      `127.0.0.1:${server.port}`,
      '--password',
      'the-real-password',
      '--port',
      '0',
      '--json',
    ],
    { stdout: (t) => void (output += t), stderr: (t) => void (output += t), env: {}, signal: stop.signal },
  );
  while (!output.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const { url, token } = JSON.parse(output) as { url: string; token: boolean };
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  expect(token).toBe(false);
  const report = (await (await fetch(`${url}api/status`)).json()) as { nodes: { reachable: boolean }[] };
  expect(report.nodes.map((n) => n.reachable)).toEqual([true]);
  const metrics = await (await fetch(`${url}metrics`)).text();
  expect(metrics).toMatch(/^disque_node_up\{.*\} 1$/m);
  stop.abort();
  expect(await running).toBe(0);
  expect(output).not.toContain('the-real-password');
});

test('dashboard CLI - refuses another interface without a token, and never prints the token', async () => {
  const refused = await cli(['dashboard', '--host', '0.0.0.0', '--port', '0']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/Refusing to serve the dashboard on 0\.0\.0\.0 without a token/);
  const stop = new AbortController();
  const started = cli(
    ['dashboard', '--host', '0.0.0.0', '--port', '0', '--nodes', `127.0.0.1:${server.port}`],
    stop.signal,
    {
      DISQUE_DASHBOARD_TOKEN: 'token-from-the-environment',
    },
  );
  await new Promise((r) => setTimeout(r, 300));
  stop.abort();
  const result = await started;
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('(token required)');
  expect(result.stdout + result.stderr).not.toContain('token-from-the-environment');
});

test('dashboard CLI - bad options are usage errors naming the option', async () => {
  expect(await cli(['dashboard', '--port', 'http'])).toMatchObject({ code: 2 });
  const bad = await cli(['dashboard', '--dead-letter', 'nothing-to-map', '--port', '0']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--dead-letter');
});

test('createDashboard - a wrong password never appears in answers', async () => {
  const dashboard = createDashboard({
    nodes: `127.0.0.1:${server.port}`,
    password: 'wrong-password-xyz',
    clusterMetrics: { minInterval: 0 },
  });
  const web = createServer(dashboard);
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;
  try {
    for (const path of [
      'api/status',
      'api/queues',
      'api/job?id=D-00000000-000000000000000000000000-0001',
      'metrics',
    ]) {
      const res = await fetch(`${url}${path}`);
      const text = await res.text();
      expect(text).not.toContain('wrong-password-xyz');
      expect(text).not.toContain('the-real-password');
    }
    const page = await (await fetch(url)).text();
    expect(page).not.toContain('wrong-password-xyz');
  } finally {
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
    await dashboard.close();
  }
});

test('createDashboard - bad input is a clear error, and unknown paths 404', async () => {
  expect(() => createDashboard({ prefix: 'no-slash' })).toThrow(/options\.prefix/);
  expect(() => createDashboard({ token: 'short' })).toThrow(/options\.token/);
  const dashboard = createDashboard({
    nodes: `127.0.0.1:${server.port}`,
    password: 'the-real-password',
    prefix: '/ops',
  });
  const web = createServer(dashboard);
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  try {
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    const redirect = await fetch(`${base}/ops`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/ops/');
    const badCount = await fetch(`${base}/ops/api/queues?count=0`);
    expect(badCount.status).toBe(400);
    expect(((await badCount.json()) as { error: { message: string } }).error.message).toContain('count');
    const badCursor = await fetch(`${base}/ops/api/queues?cursor=%7Bnot-ours`);
    expect(badCursor.status).toBe(400);
    const badState = await fetch(`${base}/ops/api/jobs?queue=q&state=gone`);
    expect(badState.status).toBe(400);
    const page = await fetch(`${base}/ops/`);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] as string;
    const post = (path: string, body: string, type = 'application/json') =>
      fetch(`${base}/ops/api/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': type, 'X-CSRF-Token': csrf },
        body,
      });
    expect((await post('job/ack', JSON.stringify({ id: '<script>' }))).status).toBe(400);
    expect((await post('add', 'not json')).status).toBe(400);
    expect((await post('add', JSON.stringify({ queue: 'q', body: 'x' }), 'text/plain')).status).toBe(400);
    expect((await post('pause', JSON.stringify({ queue: 'q', state: 'sideways' }))).status).toBe(400);
    expect(
      (await post('add', JSON.stringify({ queue: 'q', body: 'x'.repeat(2 * 1024 * 1024) }))).status,
    ).toBe(413);
  } finally {
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
    await dashboard.close();
  }
});
