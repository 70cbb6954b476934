/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against a 3-node cluster: the embedded one, or the first three nodes of DISQUE_NODES.
 * With DASHBOARD_SCREENSHOTS=dir, each page is also saved there as a PNG (docs/images).
 */
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Connection } from '../../src/connection.js';
import { connect, type Jobs } from '../../src/jobs.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { startCluster, type ClusterHandle } from '../../src/server/index.js';
import { realClusterNodes } from '../helpers/cluster.js';
import { uniqueQueue } from '../helpers/disque.js';
import { disqueTarget } from '../helpers/target.js';

disqueTarget(3);

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = process.env['DASHBOARD_SCREENSHOTS'];

let cluster: ClusterHandle | undefined;
let addresses: { host: string; port: number }[];
let jobs: Jobs<string>;
let dashboard: Dashboard;
let server: Server;
let base: string;
let browser: BrowserContext;
let profile: string;
const conns: Connection[] = [];
const queue = uniqueQueue('dash');
const deadQueue = `${queue}-failed`;

/** Errors the page reported (console errors, uncaught exceptions, failed requests). */
let problems: string[] = [];

async function open(hash = ''): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
  await page.goto(`${base}${hash}`);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });
}

/** PAUSE <queue> state on every node, read directly. */
const pauseStates = (q: string): Promise<string[]> =>
  Promise.all(conns.map((c) => c.call('PAUSE', q, 'state') as Promise<string>));

async function eventually(check: () => Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const until = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const real = realClusterNodes();
  if (!real) cluster = await startCluster({ nodes: 3 });
  addresses = (real ?? cluster?.nodes ?? []).slice(0, 3).map((n) => ({ host: n.host, port: n.port }));
  for (const a of addresses) conns.push(new Connection({ host: a.host, port: a.port }));
  jobs = connect({ nodes: addresses.map((a) => `${a.host}:${a.port}`).join(',') });
  dashboard = createDashboard({
    pool: jobs.pool,
    deadLetters: { [deadQueue]: queue },
    collectors: [jobs.metrics()],
    refreshInterval: 500,
    pageSize: 20,
  });
  server = createServer(dashboard);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  profile = mkdtempSync(join(tmpdir(), 'disque-dash-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await dashboard?.close();
  for (const c of conns) await c.call('PAUSE', queue, 'none', 'bcast').catch(() => undefined);
  await jobs?.close();
  await Promise.all(conns.map((c) => c.close()));
  await cluster?.close();
  console.log(
    `dashboard browser tests ran against ${cluster ? 'an embedded 3-node cluster' : 'real Disque'}`,
  );
});

beforeEach(() => {
  problems = [];
});

test('dashboard - the cluster page shows every node and queue, refreshes live, with no script errors', async () => {
  await jobs.add('{"order": 42, "items": ["a", "b"]}', queue);
  const page = await open();
  const rows = page.locator('main table').first().locator('tbody tr');
  await rows.nth(2).waitFor();
  expect(await rows.count()).toBe(3);
  expect(await rows.locator('.pill.up').count()).toBe(3);
  for (const a of addresses) await page.getByText(`${a.host}:${a.port}`, { exact: true }).first().waitFor();
  await page.locator(`a[href="#/queue/${encodeURIComponent(queue)}"]`).waitFor();
  // Live: the clock in the header changes without a reload, and the charts get drawn.
  const first = await page.locator('#live').textContent();
  await page.waitForFunction(
    (before) => (globalThis as any).document.getElementById('live')?.textContent !== before,
    first,
  );
  expect(await page.locator('canvas').count()).toBe(3);
  await shot(page, 'cluster');
  await page.close();
  expect(problems).toEqual([]);
});

test('dashboard - Pause and Resume round-trip to every node of the cluster', async () => {
  await jobs.add('pause me', queue);
  const page = await open(`#/queue/${encodeURIComponent(queue)}`);
  await page.locator('#pause-state[data-pause="none"]').waitFor();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await eventually(async () => (await pauseStates(queue)).every((s) => s === 'all'), 'paused on every node');
  expect(await pauseStates(queue)).toEqual(['all', 'all', 'all']);
  await page.locator('#pause-state[data-pause="all"]').waitFor();
  await shot(page, 'queue-paused');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await eventually(
    async () => (await pauseStates(queue)).every((s) => s === 'none'),
    'resumed on every node',
  );
  expect(await pauseStates(queue)).toEqual(['none', 'none', 'none']);
  await page.locator('#pause-state[data-pause="none"]').waitFor();
  expect(dialogs).toHaveLength(2); // each asked for confirmation
  await shot(page, 'queue');
  await page.close();
  expect(problems).toEqual([]);
});

test('dashboard - a hostile body is shown as text and runs nothing', async () => {
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  const id = await jobs.add(hostile, queue);
  const page = await open(`#/job/${encodeURIComponent(id)}`);
  const body = page.locator('#job-body');
  await body.waitFor();
  expect(await body.textContent()).toBe(hostile);
  expect(await page.locator('main img, main script').count()).toBe(0);
  // The queue page's previews and QPEEK lists show it as text too.
  await page.goto(`${base}#/queue/${encodeURIComponent(queue)}`);
  await page.getByText(hostile, { exact: true }).first().waitFor();
  expect(await page.locator('main img, main script').count()).toBe(0);
  expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
  await page.close();
  expect(problems).toEqual([]);
});

test('dashboard - JSON bodies are pretty-printed, binary ones shown as hex', async () => {
  const jsonId = await jobs.add('{"to":"ada@example.com","n":[1,2]}', queue);
  const binId = await conns[0]!.addJob(queue, Buffer.from([0x00, 0xff, 0x10, 0x41]));
  const page = await open(`#/job/${encodeURIComponent(jsonId)}`);
  await page.locator('#job-body').waitFor();
  expect(await page.locator('#job-body').textContent()).toBe(
    JSON.stringify({ to: 'ada@example.com', n: [1, 2] }, null, 2),
  );
  await shot(page, 'job');
  await page.goto(`${base}#/job/${encodeURIComponent(binId)}`);
  await page.getByText('Body (binary').waitFor();
  expect(await page.locator('#job-body').textContent()).toContain('00 ff 10 41');
  await page.close();
  expect(problems).toEqual([]);
});

test('dashboard - job actions ask for confirmation; ack, NACK, requeue and delete work', async () => {
  const own = uniqueQueue('actions');
  const id = await jobs.add('act on me', own);
  await jobs.get(own); // in hand (active): what NACK is for
  const page = await open(`#/job/${encodeURIComponent(id)}`);
  await page.locator('#job-body').waitFor();
  // Declining the confirmation does nothing.
  page.once('dialog', (d) => void d.dismiss());
  await page.getByRole('button', { name: 'Ack', exact: true }).click();
  expect((await jobs.show(id))?.state).toBe('active');
  const accept = (d: { accept(): Promise<void> }) => void d.accept();
  page.on('dialog', accept);
  // NACK: queued again, NACK counted; then Requeue (ENQUEUE) leaves it queued.
  await page.getByRole('button', { name: 'NACK', exact: true }).click();
  await eventually(async () => (await jobs.show(id))?.nacks === 1, 'the NACK');
  expect((await jobs.show(id))?.state).toBe('queued');
  await page.locator('#job-body').waitFor();
  await page.getByRole('button', { name: 'Requeue', exact: true }).click();
  await page.locator('#job-body').waitFor();
  expect((await jobs.show(id))?.state).toBe('queued');
  await page.getByRole('button', { name: 'Ack', exact: true }).click();
  await eventually(async () => {
    const info = await jobs.show(id);
    return info === null || info.state === 'acked';
  }, 'the ack');
  const other = await jobs.add('delete me', queue);
  await page.goto(`${base}#/job/${encodeURIComponent(other)}`);
  await page.locator('#job-body').waitFor();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await eventually(
    async () => (await Promise.all(conns.map((c) => c.call('SHOW', other)))).every((r) => r === null),
    'the delete on every node',
  );
  await page.close();
  expect(problems).toEqual([]);
});

test('dashboard - add a job from the queue page', async () => {
  const page = await open(`#/queue/${encodeURIComponent(queue)}`);
  await page.getByLabel('job body').fill('added from the browser');
  await page.getByRole('button', { name: 'Add job' }).click();
  await page.getByText(/^Added D-/).waitFor();
  const peeked = await Promise.all(conns.map((c) => c.call('QPEEK', queue, -50) as Promise<unknown[][]>));
  const bodies = peeked.flat().map((entry) => String(entry[2]));
  expect(bodies).toContain('added from the browser');
  await page.close();
  expect(problems).toEqual([]);
});

test('dashboard - a dead letter goes back to its original queue', async () => {
  const dead = await jobs.add('failed three times', deadQueue);
  const page = await open('#/dead');
  await page.locator(`a[href="#/queue/${encodeURIComponent(deadQueue)}"]`).waitFor();
  await shot(page, 'dead-letters');
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${base}#/job/${encodeURIComponent(dead)}`);
  await page.getByRole('button', { name: `Requeue to ${queue}` }).click();
  // The page moves to the new job, in the original queue.
  await page.waitForFunction((old) => !(globalThis as any).location.hash.includes(old), dead);
  const newId = decodeURIComponent(
    await page.evaluate(() => (globalThis as any).location.hash.slice('#/job/'.length) as string),
  );
  const moved = await jobs.show(newId);
  expect(moved?.queue).toBe(queue);
  expect(moved?.body).toBe('failed three times');
  await eventually(async () => {
    const info = await jobs.show(dead);
    return info === null || info.state === 'acked';
  }, 'the dead letter acked');
  await page.close();
  expect(problems).toEqual([]);
});

test('dashboard - actions without the CSRF token, or from another origin, are refused', async () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${base}api/pause`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ queue, state: 'all' }),
    });
  expect((await post({})).status).toBe(403);
  expect((await post({ 'X-CSRF-Token': 'forged' })).status).toBe(403);
  // From the page itself, but without the header: refused too.
  const page = await open();
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const status = await page.evaluate(
    (q) =>
      fetch('api/pause', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ queue: q, state: 'all' }),
      }).then((r) => r.status),
    queue,
  );
  expect(status).toBe(403);
  // The right token from another origin: refused.
  expect((await post({ 'X-CSRF-Token': csrf as string, Origin: 'http://evil.example' })).status).toBe(403);
  // A GET cannot act.
  expect((await fetch(`${base}api/pause?queue=${queue}&state=all`)).status).toBe(404);
  expect(await pauseStates(queue)).toEqual(['none', 'none', 'none']);
  // A page on another origin cannot read the token: no CORS headers, strict CSP on ours.
  const res = await fetch(base);
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  // DNS rebinding: a foreign Host name is refused when no token is set.
  const { request } = await import('node:http');
  const foreign = await new Promise<number>((resolve, reject) => {
    const req = request(base, { headers: { Host: 'evil.example' } }, (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  expect(foreign).toBe(403);
  await page.close();
});

test('dashboard - with a token: sign-in required, token never in the page, Bearer for scripts', async () => {
  const token = 'correct horse battery staple';
  const guarded = createDashboard({ pool: jobs.pool, token, prefix: '/ops/disque' });
  const other = createServer(guarded);
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/ops/disque/`;
  try {
    expect((await fetch(`${url}api/config`)).status).toBe(401);
    expect((await fetch(`${url}metrics`)).status).toBe(401);
    expect((await fetch(`${url}metrics`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await page.getByLabel('Token').fill('wrong token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token is not the right one.').waitFor();
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('main table tbody tr').nth(2).waitFor();
    expect(await page.content()).not.toContain(token);
    await page.close();
    expect(problems).toEqual([]);
  } finally {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
    await guarded.close();
  }
});

test('dashboard - /metrics scrapes the cluster and the SDK counters', async () => {
  const id = await jobs.add('count me', queue);
  await jobs.ack(id);
  const res = await fetch(`${base}metrics`);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  const text = await res.text();
  expect(text.match(/^disque_node_up\{.*\} 1$/gm)).toHaveLength(3);
  expect(text).toMatch(new RegExp(`^disque_queue_length\\{queue="${queue}",node="[0-9a-f]+"\\} \\d+$`, 'm'));
  expect(text).toMatch(/^# TYPE disque_queue_blocked_consumers gauge$/m);
  expect(text).toMatch(/^disque_node_memory_bytes\{.*\} \d+$/m);
  expect(text).toMatch(new RegExp(`^disque_sdk_jobs_added_total\\{queue="${queue}"\\} [1-9]\\d*$`, 'm'));
  expect(text).toMatch(/^disque_sdk_jobs_acked_total [1-9]\d*$/m);
});

test('dashboard - a node leaving the cluster shows as leaving, live', async () => {
  const page = await open();
  const states = page.locator('main table').first().locator('tbody tr .pill');
  await page.locator('main table').first().locator('tbody tr').nth(2).waitFor();
  expect(await states.allTextContents()).toEqual(['up', 'up', 'up']);
  await conns[1]!.call('CLUSTER', 'LEAVING', 'yes');
  try {
    await page.locator('.pill.leaving').waitFor();
    const row = page
      .locator('main table')
      .first()
      .locator('tbody tr', {
        hasText: `${addresses[1]!.host}:${addresses[1]!.port}`,
      });
    expect(await row.locator('.pill').textContent()).toBe('leaving');
    expect((await states.allTextContents()).sort()).toEqual(['leaving', 'up', 'up']);
    // Scrapes within 5 s share one reading: a fresh one comes soon after.
    const leavingLine = new RegExp(
      `^disque_node_leaving\\{node="[0-9a-f]+",address="${addresses[1]!.host}:${addresses[1]!.port}"\\} 1$`,
      'm',
    );
    await eventually(
      async () => leavingLine.test(await (await fetch(`${base}metrics`)).text()),
      'the leaving metric',
    );
  } finally {
    await conns[1]!.call('CLUSTER', 'LEAVING', 'no');
  }
  await page.locator('.pill.leaving').waitFor({ state: 'detached' });
  await page.close();
  expect(problems).toEqual([]);
});
