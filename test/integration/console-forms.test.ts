import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { REPO } from '../support/cli.js';
import { countOf, measureLayout, PageWatch, screenshot, signedInContext, waitFor } from '../support/console-browser.js';
import { withConsole } from '../../src/console/create-console.js';

// The console's forms and pages beyond the main flow, in headless Chromium: schedules (next run
// times, pause, resume), silences, write-only credentials, users and role bindings, the audit
// log and its export, error pages, a large log that stays bounded in the page, and rerunning
// only the failed hosts of an Ansible run with its per-host results.

const HELLO = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: hello }
spec:
  params: [{ name: n, type: number, default: 2 }]
  steps:
    - { name: say, type: shell, with: { command: [sh, -c, "echo hello \${{ params.n }}"] } }
`;
// About 50 MB of log: ten instances writing 90,000 lines each (each capped at Patrol's 5 MB per step attempt).
const CHATTY = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: chatty }
spec:
  steps:
    - name: talk
      type: shell
      forEach: { items: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], concurrency: 10 }
      with: { command: [sh, -c, "awk 'BEGIN { for (i = 1; i <= 90000; i++) printf \\"item \${{ item }} line %06d the quick brown fox jumps over the lazy dog\\\\n\\", i }'"] }
`;
const SLEEPY = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: sleepy }
spec:
  steps:
    - { name: nap, type: shell, with: { command: [sh, -c, "echo napping; sleep 60"] } }
`;
const GATE = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: gate }
spec:
  steps:
    - { name: ask, type: approval, with: { message: "Drop the old partitions?", plan: "- DROP TABLE events_2019;", timeout: 1h } }
    - { name: drop, type: noop, needs: [ask], with: { value: dropped } }
`;
/** Records the page's long tasks (main thread busy over 50 ms): a frozen page shows up here. */
const LONG_TASKS = `window.__longest = 0; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask', buffered: true });`;

let dir: string;
let t: TestServer;
let browser: Browser;
let admin: { context: BrowserContext; page: Page; watch: PageWatch };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-console-forms-'));
  t = await startTestServer({ hooks: withConsole({}, { settings: { refreshMs: 500, logLines: 1000 } }) });
  for (const [name, role] of [
    ['root', 'admin'],
    ['alice', 'operator'],
    ['victor', 'viewer'],
  ] as const) {
    await t.server.auth.createUser({ name, password: `${name}-password-1` });
    await t.server.rbac.bind({ subjectKind: 'user', subject: name, role, namespace: '*' }, 'test');
  }
  await t.server.workflows.create(HELLO, 'test');
  await t.server.workflows.create(CHATTY, 'test');
  await t.server.workflows.create(SLEEPY, 'test');
  await t.server.workflows.create(GATE, 'test');
  browser = await launchChromium();
  admin = await signedInContext(browser, t.url, 'root', 'root-password-1');
  admin.page.on('dialog', (d) => void d.accept());
}, 60_000);

afterAll(async () => {
  await admin?.context.close();
  await browser?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const submit = (page: Page, selector: string) => Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.click(selector)]);

test('schedules: the cron field error is named, next run times show, pause and resume, delete', async () => {
  const { page, watch } = admin;
  await page.goto(`${t.url}/schedules/new`);
  await page.fill('#name', 'hello-weekdays');
  await page.fill('#workflow', 'hello');
  await page.fill('#cron', 'every morning');
  await submit(page, '#schedule-form button[type=submit]');
  expect(await page.textContent('.field.invalid .error')).toContain('cron');
  watch.take();

  await page.fill('#cron', '30 7 * * 1-5');
  await page.fill('#timezone', 'Asia/Shanghai');
  await page.fill('#params', '{"n": 3}');
  await submit(page, '#schedule-form button[type=submit]');
  expect(page.url()).toMatch(/\/schedules\/[0-9a-z]{26}\?msg=schedule-created/);
  const times = await page.$$eval('.card .mono', (els) => els.map((e) => e.textContent ?? ''));
  expect(times.filter((x) => / UTC$/.test(x))).toHaveLength(5);
  // 07:30 in Shanghai is 23:30 UTC the day before.
  expect(times.filter((x) => x.endsWith('23:30 UTC'))).toHaveLength(5);

  await submit(page, 'form[action$="/pause"] button');
  expect(await page.textContent('.flash')).toContain('paused');
  await page.goto(`${t.url}/schedules`);
  expect(await page.textContent('#schedules-table')).toContain('paused');
  await submit(page, '#schedules-table form[action$="/resume"] button');
  expect(await page.textContent('#schedules-table')).not.toContain('paused');
  await page.click('#schedules-table a[href^="/schedules/"]');
  await page.waitForSelector('#schedule-form');
  await submit(page, 'form[action$="/delete"] button');
  expect(await page.textContent('.flash')).toContain('deleted');
  expect(await page.textContent('#schedules-table')).toContain('No schedules');
  expect(watch.take()).toEqual([]);
  const actions = (await t.server.audit.list({ action: 'schedules.', limit: 20 })).items.map((e) => `${e.action} ${e.outcome}`);
  expect(actions).toEqual(expect.arrayContaining(['schedules.create success', 'schedules.create failure', 'schedules.update success', 'schedules.delete success']));
});

test('silences: a bad matcher is named, a good one is created and then expired', async () => {
  const { page, watch } = admin;
  await page.goto(`${t.url}/silences/new`);
  await page.fill('#matchers', 'severity~~critical');
  await page.fill('#comment', 'maintenance of web-1 (CHG-1234)');
  await submit(page, '#silence-form button[type=submit]');
  expect(await page.textContent('.problem')).toContain('matchers');
  expect(await page.getAttribute('#matchers', 'class')).toBeNull();
  expect(await countOf(page, '.field.invalid #matchers')).toBe(1);
  watch.take();
  await page.fill('#matchers', 'severity="critical"\nhost=~"web-.*"');
  await page.fill('#duration', '3h');
  await submit(page, '#silence-form button[type=submit]');
  expect(await page.textContent('#silences-table')).toContain('host=~"web-.*"');
  expect(await page.textContent('#silences-table')).toContain('active');
  await submit(page, '#silences-table form[action$="/expire"] button');
  expect(await page.textContent('.flash')).toContain('expired');
  await page.goto(`${t.url}/silences?all=true`);
  expect(await page.textContent('#silences-table')).toContain('expired');
  expect(watch.take()).toEqual([]);
});

test('credentials are write-only: values never come back, not even with a form error', async () => {
  const { page, watch } = admin;
  const secret = 'S3cr3t-value-that-must-never-show';
  await page.goto(`${t.url}/credentials`);
  await page.fill('#c-name', 'bad name!');
  await page.selectOption('#c-type', 'password');
  await page.fill('#c-username', 'deploy');
  await page.fill('#c-password', secret);
  await submit(page, '#credential-form button[type=submit]');
  expect(await page.textContent('.problem')).toContain('name');
  expect(await page.content()).not.toContain(secret);
  expect(await page.inputValue('#c-password')).toBe('');
  watch.take();

  await page.fill('#c-name', 'deploy-pw');
  await page.fill('#c-password', secret);
  // Only the fields of the chosen type are shown.
  expect(await page.isVisible('#c-privateKey')).toBe(false);
  await submit(page, '#credential-form button[type=submit]');
  expect(await page.textContent('.flash')).toContain('write-only');
  expect(await page.textContent('#credentials-table')).toContain('deploy-pw');
  expect(await page.content()).not.toContain(secret);
  const api = await t.call('GET', '/api/v1/credentials/deploy-pw', { token: t.adminToken });
  expect(api.text).not.toContain(secret);
  const audit = await t.server.audit.list({ action: 'credentials.', limit: 10 });
  expect(JSON.stringify(audit.items)).not.toContain(secret);
  expect(watch.take()).toEqual([]);

  // An operator sees metadata but no form; a viewer gets the 403 page.
  const alice = await signedInContext(browser, t.url, 'alice', 'alice-password-1');
  await alice.page.goto(`${t.url}/credentials`);
  expect(await alice.page.textContent('#credentials-table')).toContain('deploy-pw');
  expect(await countOf(alice.page, '#credential-form')).toBe(0);
  await alice.context.close();
  const victor = await signedInContext(browser, t.url, 'victor', 'victor-password-1');
  const res = await victor.page.goto(`${t.url}/credentials`);
  expect(res!.status()).toBe(403);
  expect(await victor.page.textContent('h1')).toBe('Forbidden');
  await victor.context.close();
});

test('users and role bindings: create a user with a role, who then sees what the role allows', async () => {
  const { page, watch } = admin;
  await page.goto(`${t.url}/users`);
  await page.fill('#u-name', 'olga');
  await page.fill('#u-password', 'short');
  await submit(page, '#user-form button[type=submit]');
  expect(await page.textContent('.problem')).toMatch(/at least 10 characters/);
  expect(await countOf(page, '.field.invalid #u-password')).toBe(1);
  watch.take();

  await page.fill('#u-name', 'olga');
  await page.fill('#u-password', 'olga-password-1');
  await page.fill('#u-groups', 'dba, ops');
  await page.selectOption('#u-role', 'viewer');
  await page.fill('#u-ns', 'prod');
  await submit(page, '#user-form button[type=submit]');
  expect(page.url()).toContain('/users/olga');
  expect(await page.textContent('#bindings-table')).toContain('viewer');
  expect(await page.textContent('#bindings-table')).toContain('prod');

  // Olga, a viewer in prod only, sees runs but no users, audit or credentials.
  const olga = await signedInContext(browser, t.url, 'olga', 'olga-password-1');
  const nav = await olga.page.$$eval('nav.nav a', (as) => as.map((a) => a.textContent));
  expect(nav).toEqual(expect.arrayContaining(['Dashboard', 'Runs', 'Workflows']));
  expect(nav).not.toEqual(expect.arrayContaining(['Users']));
  expect(nav).not.toContain('Audit');
  await olga.context.close();

  // Add operator everywhere, then remove it again.
  await page.selectOption('#binding-form select[name=role]', 'operator');
  await submit(page, '#binding-form button[type=submit]');
  expect(await page.textContent('.flash')).toContain('added');
  expect(await countOf(page, '#bindings-table tbody tr')).toBe(2);
  await submit(page, '#bindings-table tr:has-text("operator") form button');
  expect(await page.textContent('.flash')).toContain('removed');
  expect(await countOf(page, '#bindings-table tbody tr')).toBe(1);
  expect(watch.take()).toEqual([]);
  const actions = (await t.server.audit.list({ actor: 'root', limit: 50 })).items.map((e) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['users.create', 'roles.bind', 'roles.unbind']));
});

test('audit log: filters and a CSV export of the same filters', async () => {
  const { page, watch } = admin;
  await page.goto(`${t.url}/audit`);
  await page.fill('input[name=action]', 'roles.');
  await submit(page, 'form[action="/audit"] button[type=submit]');
  const actions = await page.$$eval('#audit-table tbody td.mono', (tds) => tds.map((td) => td.textContent));
  expect(actions.length).toBeGreaterThan(0);
  expect(actions.every((a) => a?.startsWith('roles.'))).toBe(true);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("CSV")')]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
  expect(csv[0]).toContain('action');
  expect(csv.slice(1).every((l) => l.includes('roles.'))).toBe(true);
  expect(csv.length - 1).toBe(actions.length);
  expect(watch.take()).toEqual([]);
});

test('error pages: 404, 400 and 403 with a message and never a stack trace', async () => {
  const victor = await signedInContext(browser, t.url, 'victor', 'victor-password-1');
  try {
    for (const [path, status, text] of [
      ['/no/such/page', 404, 'There is no page at /no/such/page'],
      ['/runs/0000000000000000000000zzzz', 404, 'not found'],
      ['/runs/!!', 400, 'must be an id'],
      ['/users', 403, 'lacks permission users.manage'],
      ['/audit', 403, 'lacks permission audit.read'],
    ] as const) {
      const res = await victor.page.goto(`${t.url}${path}`);
      expect({ path, status: res!.status() }).toEqual({ path, status });
      const html = await victor.page.content();
      expect(html).toContain(text);
      expect(html).not.toMatch(/\bat .+\.(ts|js):\d+/);
    }
  } finally {
    await victor.context.close();
  }
});

test('a 50 MB log stays bounded in the page, never freezes it, and pages back on demand', async () => {
  const { page, watch } = admin;
  watch.reset();
  await page.context().addInitScript(LONG_TASKS);
  await page.goto(`${t.url}/workflows/default/chatty`);
  await submit(page, '#trigger-form button[type=submit]');
  const runId = /\/runs\/([0-9a-z]{26})/.exec(page.url())![1]!;
  let most = 0;
  const started = Date.now();
  for (;;) {
    most = Math.max(most, await countOf(page, '#log .ln'));
    const status = await page.textContent('#log-status');
    if (status?.includes('run succeeded') || Date.now() - started > 100_000) break;
    await page.waitForTimeout(200);
  }
  expect(await page.textContent('#log-status')).toContain('run succeeded');
  const stored = await t.server.runtime.store.logs.count({ runId, upTo: Number.MAX_SAFE_INTEGER });
  const bytes = (await t.server.runtime.store.db.selectFrom('step_logs').select((eb) => eb.fn.sum<number>(eb.fn('length', ['message'])).as('b')).where('run_id', '=', runId).executeTakeFirst())?.b;
  expect(Number(bytes)).toBeGreaterThan(45_000_000);
  // Never more lines in the page than its limit, and no task blocked the page for long.
  expect(most).toBeLessThanOrEqual(1000);
  expect(await page.evaluate('window.__longest')).toBeLessThan(500);
  expect(stored).toBeGreaterThan(800_000);
  const firstBefore = Number(await page.getAttribute('#log .ln', 'data-id'));

  // Show earlier: the 500 lines before the first one shown, in order, from the store.
  await page.click('#log-earlier');
  await waitFor(() => countOf(page, '#log .ln'), (n) => n > 1000);
  const ids = await page.$$eval('#log .ln', (els) => els.map((e) => Number(e.getAttribute('data-id'))));
  expect(ids[0]).toBeLessThan(firstBefore);
  expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  expect(ids.length).toBe(1500);
  expect(watch.take()).toEqual([]);

  // The API pages back too.
  const back = await t.call('GET', `/api/v1/runs/${runId}/logs?before=${firstBefore}&limit=5`, { token: t.adminToken });
  expect(back.status).toBe(200);
  expect(back.body.items.map((l: { id: number }) => l.id)).toEqual(ids.slice(ids.indexOf(firstBefore) - 5, ids.indexOf(firstBefore)));
  expect(back.body.next).toBeNull();

  // A step's whole log downloads as text, read page by page on the server.
  const one = await page.request.get(`${t.url}/runs/${runId}/log.txt?step=${encodeURIComponent('talk[3]')}`);
  expect(one.headers()['content-disposition']).toContain('attachment');
  const lines = (await one.text()).split('\n').filter((l) => l.includes('[talk[3]]'));
  expect(lines.length).toBe(await t.server.runtime.store.logs.count({ runId, step: 'talk[3]', upTo: Number.MAX_SAFE_INTEGER }));
  expect(lines[0]).toContain('item 3 line 000001');
});

test('rerun failed hosts: per-host results of an Ansible step, and a retry limited to the host that failed', async () => {
  const marker = join(dir, 'marker-bad');
  writeFileSync(marker, '');
  const inventory = join(dir, 'two.ini');
  writeFileSync(inventory, `good ansible_connection=local ansible_python_interpreter=/usr/bin/python3 marker=${join(dir, 'marker-good')}\nbad ansible_connection=local ansible_python_interpreter=/usr/bin/python3 marker=${marker}\n`);
  await t.server.workflows.create(
    `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: fleet-change }
spec:
  steps:
    - name: play
      type: ansible
      with: { playbook: ${join(REPO, 'test/fixtures/ansible/fail-where-marked.yml')}, inventory: ${inventory} }
`,
    'test',
  );
  const alice = await signedInContext(browser, t.url, 'alice', 'alice-password-1');
  const { page, watch } = alice;
  try {
    await page.goto(`${t.url}/workflows/default/fleet-change`);
    await submit(page, '#trigger-form button[type=submit]');
    await waitFor(() => page.textContent('#run-status .badge'), (s) => s === 'failed', 90_000);
    expect(await page.textContent('#run-status .badge')).toBe('failed');
    await page.click('#run-steps tr[data-step="play"] details summary');
    const hosts = await page.$$eval('#run-steps tr[data-step="play"] details tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (td: { textContent: string | null }) => (td.textContent ?? '').trim()).join(' ')));
    expect(hosts[0]).toMatch(/^bad 1 0 1 0 0$/);
    expect(hosts[1]).toMatch(/^good 1 0 0 0 1$/);
    expect(await page.textContent('#run-steps tr[data-step="play"] details')).toContain('marker present on bad');
    expect((await screenshot(page, 'run-failed-hosts-1280')).width).toBe(1280);

    rmSync(marker);
    await submit(page, 'form[action$="/retry"]:has(input[value="true"]) button');
    expect(await page.textContent('.flash')).toContain('only on the hosts that failed');
    await waitFor(() => page.textContent('#run-status .badge'), (s) => s === 'succeeded', 90_000);
    expect(await page.textContent('#run-status .badge')).toBe('succeeded');
    const retryId = /\/runs\/([0-9a-z]{26})/.exec(page.url())![1]!;
    const run = await t.call('GET', `/api/v1/runs/${retryId}`, { token: t.adminToken });
    expect(run.body.run.overrides).toEqual({ play: { limit: ['bad'] } });
    await page.click('#run-steps tr[data-step="play"] details summary');
    expect(await countOf(page, '#run-steps tr[data-step="play"] details tbody tr')).toBe(1);
    const layout = await measureLayout(page);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    expect(watch.take()).toEqual([]);
  } finally {
    await alice.context.close();
  }
  expect(existsSync(marker)).toBe(false);
});

test('cancel a running run, retry it from the console, and reject an approval with a comment', async () => {
  const { page, watch } = admin;
  watch.reset();
  await page.goto(`${t.url}/workflows/default/sleepy`);
  await submit(page, '#trigger-form button[type=submit]');
  await waitFor(() => page.textContent('#log'), (text) => (text ?? '').includes('napping'));
  // (the confirmation dialog is accepted by this context's dialog handler)
  await submit(page, '#run-actions form[action$="/cancel"] button');
  expect(await page.textContent('.flash')).toContain('Cancel requested');
  expect(await waitFor(() => page.textContent('#run-status .badge'), (s) => s === 'cancelled', 20_000)).toBe('cancelled');
  const first = /\/runs\/([0-9a-z]{26})/.exec(page.url())![1]!;
  await page.waitForSelector('#run-actions form[action$="/retry"]', { timeout: 10_000 });
  expect(await countOf(page, '#run-actions form[action$="/cancel"]')).toBe(0);
  await submit(page, '#run-actions form[action$="/retry"]:has(input[value="false"]) button');
  expect(await page.textContent('.flash')).toContain('Retry started');
  expect(await page.textContent('#run-head')).toContain(`retry of ${first}`);
  await submit(page, '#run-actions form[action$="/cancel"] button');
  expect(await waitFor(() => page.textContent('#run-status .badge'), (s) => s === 'cancelled', 20_000)).toBe('cancelled');

  await page.goto(`${t.url}/workflows/default/gate`);
  await submit(page, '#trigger-form button[type=submit]');
  await page.waitForSelector('a.approval-link', { timeout: 15_000 });
  await Promise.all([page.waitForURL(/\/approvals\//), page.click('a.approval-link')]);
  expect(await page.textContent('#plan .del')).toBe('- DROP TABLE events_2019;');
  await page.fill('#comment', 'Keep 2019 for the auditors (REQ-77).');
  await submit(page, '#reject');
  expect(await page.textContent('.flash')).toContain('Rejected');
  expect(await page.textContent('h1 + .badge, .spread .badge')).toBe('rejected');
  await page.click('a[href^="/runs/"]');
  const st = await waitFor(() => page.textContent('#run-status .badge'), (s) => s === 'failed', 20_000);
  if (st !== 'failed') {
    const id = /\/runs\/([0-9a-z]{26})/.exec(page.url())![1]!;
    const d = await t.server.runtime.engine.detail(id);
    process.stderr.write(`DEBUG ${page.url()} ${JSON.stringify({ run: d.run.status, steps: d.steps.map((x) => [x.name, x.status, x.reason]), attempts: d.attempts })}\n`);
  }
  expect(st).toBe('failed');
  expect(await page.getAttribute('#run-graph g.node[data-step="drop"]', 'class')).toContain('st-skipped');
  expect(watch.take()).toEqual([]);
  const audit = await t.server.audit.list({ action: 'runs.', limit: 20 });
  expect(audit.items.map((e) => e.action)).toEqual(expect.arrayContaining(['runs.cancel', 'runs.retry', 'runs.trigger']));
  expect((await t.server.audit.list({ action: 'approvals.reject', limit: 1 })).items[0]!.details).toMatchObject({ comment: 'Keep 2019 for the auditors (REQ-77).' });
});

test('every section renders at 1280 and 375 px without overflow, console errors or failed requests', async () => {
  const paths = ['/', '/runs', '/workflows', '/workflows/default/hello', '/approvals', '/inspections', '/findings', '/findings?exempted=true', '/reports', '/schedules', '/schedules/new', '/alerts', '/silences', '/silences/new', '/credentials', '/users', '/users/olga', '/roles', '/audit', '/account'];
  for (const width of [1280, 375]) {
    const { context, page, watch } = await signedInContext(browser, t.url, 'root', 'root-password-1', { width, height: 800 });
    try {
      for (const path of paths) {
        const res = await page.goto(`${t.url}${path}`);
        expect({ path, status: res!.status() }).toEqual({ path, status: 200 });
        expect(await countOf(page, 'main h1')).toBe(1);
        const layout = await measureLayout(page);
        expect({ path, width, overflow: layout.scrollWidth > layout.innerWidth ? layout.widest : null }).toEqual({ path, width, overflow: null });
        if (width === 375) expect((await screenshot(page, `section${path.replace(/[/?=]+/g, '-').replace(/-$/, '') || '-dashboard'}-375`)).width).toBe(375);
      }
      expect(watch.take()).toEqual([]);
    } finally {
      await context.close();
    }
  }
});
