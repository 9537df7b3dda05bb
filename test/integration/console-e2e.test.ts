import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { startSmtpServer, type TestMailbox } from '../support/smtp-test-server.js';
import { inspectionConfig, localInventory } from '../support/inspection-runs.js';
import { countOf, measureLayout, screenshot, screenshotDir, signedInContext, waitFor } from '../support/console-browser.js';
import { withConsole } from '../../src/console/create-console.js';
import type { ApprovalRecord } from '../../src/store/approvals-repository.js';

// The console end to end in headless Chromium against a real server (sessions, CSRF, RBAC,
// audit): sign in, trigger a workflow with params, watch its logs arrive, open the approval
// from the link its notification carried, see the plan, approve with a comment, see the run
// succeed; run an inspection from the console and read, download and resend its report; a
// viewer sees no action buttons and forged or token-less POSTs are refused; the dashboard, run
// and approval pages at 1280 and 375 px render without overflow, console errors or failed requests.

const GATED = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: nginx-restart, description: "Restart nginx after a dry run and an approval" }
spec:
  params:
    - { name: target, type: string, default: web-1, description: "host to restart" }
    - { name: lines, type: number, default: 10 }
    - { name: verbose, type: boolean, default: false }
  steps:
    - name: plan
      type: shell
      with:
        command: [sh, -c, "for i in $(seq 1 \${{ params.lines }}); do echo \\"checking line $i\\"; sleep 0.06; done; printf -- '--- a/etc/nginx/nginx.conf\\n+++ b/etc/nginx/nginx.conf\\n@@ -1,2 +1,2 @@\\n-worker_processes 2;\\n+worker_processes 4;\\n'"]
    - name: approve
      type: approval
      needs: [plan]
      with: { message: "Restart nginx on \${{ params.target }}", plan: "\${{ steps.plan.outputs.stdout }}", approvers: { roles: [approver] }, timeout: 1h }
    - name: restart
      type: shell
      needs: [approve]
      with: { command: [sh, -c, "echo restarting \${{ params.target }}; sleep 0.2; echo done, approved by \${{ steps.approve.outputs.by }}"] }
  finally:
    - name: notify
      type: noop
      with: { value: "\${{ run.status }}" }
`;

let dir: string;
let t: TestServer;
let browser: Browser;
let box: TestMailbox;
const links: string[] = [];
let gatedRun = '';
let approvalId = '';
let inspectionRun = '';
const shots = screenshotDir();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-console-e2e-'));
  box = await startSmtpServer();
  const configFile = join(dir, 'patrol.yaml');
  writeFileSync(
    configFile,
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
reports: { dir: ${join(dir, 'reports')} }
smtp: { host: 127.0.0.1, port: ${box.port}, secure: none, from: patrol@example.com }
alerting:
  channels:
    - { name: mail, type: email, to: [oncall@example.com] }
  rules:
    - name: DiskFull
      match: { checks: [host.disk.usage], severities: [critical] }
`,
  );
  const env = { PATROL_CONFIG: configFile };
  t = await startTestServer({
    env,
    hooks: {
      ...withConsole({}, { env: { ...process.env, ...env }, settings: { refreshMs: 500, logLines: 1000 } }),
      approvalNotifier: {
        async notify(_a: ApprovalRecord, link: string) {
          links.push(link);
          return { test: { ok: true } };
        },
      },
    },
  });
  await t.server.auth.createUser({ name: 'alice', password: 'alice-password-1' });
  await t.server.rbac.bind({ subjectKind: 'user', subject: 'alice', role: 'operator', namespace: '*' }, 'test');
  await t.server.rbac.bind({ subjectKind: 'user', subject: 'alice', role: 'approver', namespace: '*' }, 'test');
  await t.server.auth.createUser({ name: 'victor', password: 'victor-password-1' });
  await t.server.rbac.bind({ subjectKind: 'user', subject: 'victor', role: 'viewer', namespace: '*' }, 'test');
  await t.server.workflows.create(GATED, 'test');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await box?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls the run page until its status badge says `status` (the page refreshes itself). */
async function waitForRunStatus(page: Page, status: string, timeoutMs: number): Promise<void> {
  // (Polled from here: waitForFunction with a string would need eval, which the console's CSP forbids.)
  const seen = await waitFor(() => page.textContent('#run-status .badge').catch(() => null), (v) => v === status, timeoutMs);
  expect(seen).toBe(status);
}

test('sign in, trigger a workflow with typed params, and watch its logs arrive live', async () => {
  const { context, page, watch } = await signedInContext(browser, t.url, 'alice', 'alice-password-1');
  try {
    // A page behind the login sends you to it and back.
    await page.goto(`${t.url}/runs`);
    expect(new URL(page.url()).pathname).toBe('/runs');
    await page.goto(`${t.url}/workflows`);
    await page.click('a[href="/workflows/default/nginx-restart#run"]');
    // Typed inputs from the params definition.
    expect(await page.getAttribute('#p-lines', 'type')).toBe('number');
    expect(await countOf(page, 'input[name="params.verbose"][type=checkbox]')).toBe(1);
    expect(await page.inputValue('#p-target')).toBe('web-1');

    // A value the server refuses comes back with the field named (past the browser's own number check).
    await page.evaluate(`document.querySelector('#p-lines').type = 'text'`);
    await page.fill('#p-lines', 'many');
    await Promise.all([page.waitForLoadState('load'), page.click('#trigger-form button[type=submit]')]);
    expect(await page.textContent('.field.invalid .error')).toContain('lines must be a number');
    watch.take();

    await page.fill('#p-lines', '40');
    await page.fill('#p-target', 'web-7');
    await Promise.all([page.waitForURL(/\/runs\/[0-9a-z]{26}/), page.click('#trigger-form button[type=submit]')]);
    gatedRun = /\/runs\/([0-9a-z]{26})/.exec(page.url())![1]!;
    expect(await page.textContent('.flash')).toContain('Run started');

    // Lines arrive while the step runs: the count grows through several values.
    const seen = new Set<number>();
    const started = Date.now();
    while (Date.now() - started < 20_000) {
      const n = await countOf(page, '#log .ln');
      seen.add(n);
      if (n >= 40) break;
      await page.waitForTimeout(150);
    }
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(40);
    expect([...seen].filter((n) => n > 0 && n < 40).length).toBeGreaterThanOrEqual(3);
    expect(await page.textContent('#log')).toContain('checking line 1');
    expect(await page.textContent('#log')).toContain('[plan]');
    // The graph shows the steps with their states.
    expect(await countOf(page, '#run-graph g.node')).toBe(4);
    expect(await page.getAttribute('#run-graph g.node[data-step="plan"]', 'class')).toMatch(/st-(running|succeeded)/);

    // The run then waits for approval: the page shows it without a reload.
    await page.waitForSelector('a.approval-link', { timeout: 15_000 });
    await waitForRunStatus(page, 'waiting', 10_000);
    expect(await page.getAttribute('#run-graph g.node[data-step="approve"]', 'class')).toContain('st-waiting');
    approvalId = /\/approvals\/([0-9a-z]{26})/.exec((await page.getAttribute('a.approval-link', 'href'))!)![1]!;
    expect(watch.take()).toEqual([]);
  } finally {
    await context.close();
  }
});

test('open the approval from its link, see the plan, reject needs a comment, approve with one; the run succeeds', async () => {
  // The notification carried the link to this page.
  expect(await waitFor(() => links.length, (n) => n > 0)).toBeGreaterThan(0);
  expect(links[0]).toBe(`${t.url}/approvals/${approvalId}`);
  const { context, page, watch } = await signedInContext(browser, t.url, 'alice', 'alice-password-1');
  try {
    await page.goto(links[0]!);
    expect(await page.textContent('#approval-message')).toBe('Restart nginx on web-7');
    expect(await page.textContent('#plan .add')).toBe('+worker_processes 4;');
    expect(await page.textContent('#plan .del')).toBe('-worker_processes 2;');
    expect(await screenshot(page, 'approval-pending-1280')).toMatchObject({ width: 1280, bytes: expect.any(Number) });

    // Rejecting needs a reason: the form comes back with the comment field marked.
    await Promise.all([page.waitForLoadState('load'), page.click('#reject')]);
    expect(await page.textContent('.field.invalid .error')).toContain('Say why');
    watch.take();

    await page.fill('#comment', 'Checked the diff: 4 workers fit the new VM size.');
    await Promise.all([page.waitForURL(/msg=approved/), page.click('#approve')]);
    expect(await page.textContent('.flash')).toContain('Approved');
    expect(await page.textContent('#approval-comment')).toBe('Checked the diff: 4 workers fit the new VM size.');
    expect(await countOf(page, '#decide-form')).toBe(0);

    await page.goto(`${t.url}/runs/${gatedRun}`);
    await waitForRunStatus(page, 'succeeded', 20_000);
    expect(await waitFor(() => page.textContent('#log'), (text) => (text ?? '').includes('approved by alice'))).toContain('approved by alice');
    for (const step of ['plan', 'approve', 'restart', 'notify']) expect(await page.getAttribute(`#run-graph g.node[data-step="${step}"]`, 'class')).toContain('st-succeeded');
    expect(watch.take()).toEqual([]);
  } finally {
    await context.close();
  }
  // The decision is audited with its comment.
  const audit = await t.server.audit.list({ action: 'approvals.approve', limit: 5 });
  expect(audit.items[0]).toMatchObject({ actor: 'alice', actorKind: 'session', outcome: 'success', resourceId: approvalId });
  expect(audit.items[0]!.details).toMatchObject({ comment: 'Checked the diff: 4 workers fit the new VM size.' });
});

test('an inspection run from the console: report view, downloads and resend', async () => {
  const inventory = localInventory(dir);
  const config = inspectionConfig(dir, 'local-hosts', { disks: 'critical', report: 'email: { to: [team@example.com] }' });
  const { context, page, watch } = await signedInContext(browser, t.url, 'alice', 'alice-password-1');
  try {
    await page.goto(`${t.url}/workflows/default/inspect-hosts`);
    await page.fill('#p-inventory', inventory);
    await page.fill('#p-config', config);
    await page.click('#trigger-form details summary');
    await page.fill('#inspection', 'local-hosts');
    await Promise.all([page.waitForURL(/\/runs\/[0-9a-z]{26}/), page.click('#trigger-form button[type=submit]')]);
    inspectionRun = /\/runs\/([0-9a-z]{26})/.exec(page.url())![1]!;
    await waitForRunStatus(page, 'succeeded', 110_000);
    // The inspection step's outputs: what it found.
    await page.click('#run-steps tr[data-step="host"] details summary');
    expect(await page.textContent('#run-steps tr[data-step="host"] details pre')).toContain('"findings"');

    await Promise.all([page.waitForURL(/\/reports\//), page.click(`a[href="/reports/${inspectionRun}"]`)]);
    expect(Number(await page.textContent('#report-score'))).toBeGreaterThanOrEqual(0);
    const frame = page.frameLocator('iframe.report');
    expect(await waitFor(async () => (await frame.locator('body').textContent()) ?? '', (text) => text.includes('local-hosts'))).toContain('local-hosts');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/download/json"]')]);
    const json = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(json).toMatchObject({ inspection: 'local-hosts', run: { id: inspectionRun } });
    expect(json.findings.length).toBeGreaterThan(0);

    // Resend to someone else: recorded and delivered.
    await page.fill('#to', 'boss@example.com');
    await Promise.all([page.waitForLoadState('load'), page.click('#resend')]);
    expect(await page.textContent('#send-result')).toContain('boss@example.com');
    expect(await page.textContent('#send-result')).toContain('sent');
    expect(await waitFor(() => box.mails.filter((m) => m.to.includes('boss@example.com')).length, (n) => n > 0)).toBe(1);
    expect(watch.take()).toEqual([]);
  } finally {
    await context.close();
  }
});

test('a viewer sees no action buttons, and forged or CSRF-less POSTs are refused and audited', async () => {
  const { context, page, watch } = await signedInContext(browser, t.url, 'victor', 'victor-password-1');
  try {
    await page.goto(`${t.url}/workflows/default/nginx-restart`);
    expect(await countOf(page, '#trigger-form')).toBe(0);
    await page.goto(`${t.url}/runs/${gatedRun}`);
    expect(await countOf(page, '#run-actions form')).toBe(0);
    await page.goto(`${t.url}/approvals/${approvalId}`);
    expect(await countOf(page, '#decide-form')).toBe(0);
    await page.goto(`${t.url}/reports/${inspectionRun}`);
    expect(await countOf(page, '#send-form')).toBe(0);
    const nav = await page.$$eval('nav.nav a', (as) => as.map((a) => a.textContent));
    expect(nav).not.toContain('Users');
    expect(nav).not.toContain('Audit');
    expect(watch.take()).toEqual([]);

    // The victim's own valid CSRF token does not help without the permission.
    const csrf = (await page.getAttribute('input[name=_csrf]', 'value'))!;
    const post = (path: string, form: Record<string, string>) => page.request.post(`${t.url}${path}`, { form, maxRedirects: 0 });
    const forged = await post('/workflows/default/nginx-restart/run', { _csrf: csrf, 'params.target': 'web-1' });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('lacks permission runs.trigger');
    expect((await post(`/reports/${inspectionRun}/send`, { _csrf: csrf, to: 'x@example.com' })).status()).toBe(403);
    expect((await post(`/runs/${gatedRun}/retry`, { _csrf: csrf })).status()).toBe(403);
  } finally {
    await context.close();
  }

  const { context: ctx2, page: alice } = await signedInContext(browser, t.url, 'alice', 'alice-password-1');
  try {
    // No token, or a wrong one: refused before anything happens, even for a user who may act.
    const none = await alice.request.post(`${t.url}/workflows/default/nginx-restart/run`, { form: { 'params.target': 'web-9' }, maxRedirects: 0 });
    expect(none.status()).toBe(403);
    expect(await none.text()).toContain('security token');
    const wrong = await alice.request.post(`${t.url}/workflows/default/nginx-restart/run`, { form: { _csrf: 'x'.repeat(43), 'params.target': 'web-9' }, maxRedirects: 0 });
    expect(wrong.status()).toBe(403);
  } finally {
    await ctx2.close();
  }
  const runs = await t.server.runtime.store.runs.listRuns({ workflow: 'nginx-restart', limit: 10 });
  expect(runs.items).toHaveLength(1);
  const denied = await t.server.audit.list({ outcome: 'denied', limit: 20 });
  expect(denied.items.map((e) => `${e.actor} ${e.action}`)).toEqual(expect.arrayContaining(['victor runs.trigger', 'victor reports.send', 'victor runs.retry', 'alice console.post']));
});

test('dashboard, run and approval pages at 1280 and 375 px: rendered, no overflow, no errors', async () => {
  const pages = [
    { name: 'dashboard', path: '/', expect: ['#summary', '#inspections .inspection', '.spark'] },
    { name: 'run', path: `/runs/${gatedRun}`, expect: ['#run-graph svg', '#run-steps table', '#log .ln'] },
    { name: 'approval', path: `/approvals/${approvalId}`, expect: ['#approval-message', '#plan .add'] },
    { name: 'inspection-run', path: `/runs/${inspectionRun}`, expect: ['#run-graph svg', '#log .ln'] },
    { name: 'report', path: `/reports/${inspectionRun}`, expect: ['#report-score', 'iframe.report', '#send-form'] },
  ];
  for (const width of [1280, 375]) {
    const { context, page, watch } = await signedInContext(browser, t.url, 'alice', 'alice-password-1', { width, height: 900 });
    try {
      for (const p of pages) {
        watch.reset();
        await page.goto(`${t.url}${p.path}`);
        for (const sel of p.expect) await page.waitForSelector(sel, { timeout: 10_000 });
        const layout = await measureLayout(page);
        expect({ page: p.name, width, overflow: layout.scrollWidth > layout.innerWidth ? layout.widest : null }).toEqual({ page: p.name, width, overflow: null });
        // Non-empty PNGs as wide as the viewport (device scale 1), taller than a bare header.
        const png = await screenshot(page, `${p.name}-${width}`);
        expect({ page: p.name, width: png.width, big: png.bytes > 5_000 && png.height >= 300 }).toEqual({ page: p.name, width, big: true });
        expect({ page: p.name, width, problems: watch.take() }).toEqual({ page: p.name, width, problems: [] });
      }
      if (width === 375) {
        // The menu collapses behind a toggle on a phone.
        expect(await page.isVisible('nav.nav')).toBe(false);
        await page.click('label.nav-button');
        expect(await page.isVisible('nav.nav')).toBe(true);
      }
    } finally {
      await context.close();
    }
  }
  // eslint-disable-next-line no-console
  console.log(`console screenshots in ${shots}`);
});

test('the console and the API share the server: login redirects, headers, API errors stay JSON', async () => {
  const res = await fetch(`${t.url}/runs`, { redirect: 'manual' });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/login?next=%2Fruns');
  const login = await fetch(`${t.url}/login`);
  expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(login.headers.get('set-cookie')).toMatch(/patrol_login_csrf=.*HttpOnly.*SameSite=Strict/i);
  // The API keeps its own answers under /api.
  expect((await fetch(`${t.url}/api/v1/nope`)).status).toBe(404);
  expect(((await (await fetch(`${t.url}/api/v1/nope`)).json()) as { error: { code: string } }).error.code).toBe('route-not-found');
});
