import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';
import { startSmtpServer, type TestMailbox } from '../support/smtp-test-server.js';
import { inspectionConfig, localInventory, runHostInspection } from '../support/inspection-runs.js';
import { freePort } from '../support/local-servers.js';
import { patrol } from '../support/cli.js';
import { loadPatrolConfig } from '../../src/config/patrol-config.js';

// Alert notifications from real host inspections of this machine to a recording HTTP server in the
// formats of a generic signed webhook, Slack, DingTalk (signed robot) and WeCom, and to a real
// SMTP server; grouping, repeat interval, silences (through the CLI), resolution, retries and a
// channel that is down.

const HOOK_KEY = 'hmac-key-9c1e4f';
const DING_SECRET = 'SEC0123456789abcdef';
let dir: string;
let h: Harness;
let rx: WebhookReceiver;
let box: TestMailbox;
let inventory: string;

function writeConfig(opts: { repeat: string; dead?: boolean }): void {
  writeFileSync(
    join(dir, 'patrol.yaml'),
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
reports: { dir: ${join(dir, 'reports')}, publicUrl: https://reports.example }
smtp: { host: 127.0.0.1, port: ${box.port}, secure: none, from: patrol@example.com }
alerting:
  channels:
    - { name: hook, type: webhook, url: "${rx.url}/hook", secretCredential: hook-key, headers: { x-team: infra }, retry: { attempts: 3, delay: 100ms } }
    - { name: slack, type: slack, url: "${rx.url}/services/T000/B000/XXX" }
    - { name: ding, type: dingtalk, urlCredential: ding-url, secretCredential: ding-secret }
    - { name: wecom, type: wecom, url: "${rx.url}/cgi-bin/webhook/send?key=wk-1" }
    - { name: mail, type: email, to: [oncall@example.com] }
${opts.dead ? `    - { name: dead, type: webhook, url: "http://127.0.0.1:${deadPort}/x", timeout: 2s, retry: { attempts: 2, delay: 100ms } }\n` : ''}  rules:
    - name: DiskFull
      match: { checks: [host.disk.usage], severities: [critical] }
      repeatInterval: ${opts.repeat}
`,
  );
}
let deadPort = 0;

const alertsOf = (r: ReceivedRequest) => (r.json as { alerts: { status: string; labels: Record<string, string> }[] }).alerts;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-hooks-'));
  rx = await startWebhookReceiver();
  box = await startSmtpServer();
  deadPort = await freePort();
  inventory = localInventory(dir);
  h = await createHarness({ credentials: true, patrolSettings: () => loadPatrolConfig({ PATROL_CONFIG: join(dir, 'patrol.yaml'), PATROL_HOME: dir }) });
  await h.credentials!.put({ name: 'hook-key', type: 'generic', fields: { secret: HOOK_KEY } });
  await h.credentials!.put({ name: 'ding-url', type: 'token', fields: { token: `${rx.url}/robot/send?access_token=ding-tok` } });
  await h.credentials!.put({ name: 'ding-secret', type: 'token', fields: { token: DING_SECRET } });
});
afterAll(async () => {
  await h?.close();
  await rx?.close();
  await box?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('notifications: signed webhook, Slack, DingTalk, WeCom and email; repeat interval; silences; resolution; a channel that is down', async () => {
  const critical = inspectionConfig(dir, 'hook-hosts', { disks: 'critical' });
  const healthy = inspectionConfig(dir, 'hook-hosts', { disks: 'ok' });
  writeConfig({ repeat: '4h' });
  rx.failNext('/hook', 1, 503);

  // Run 1: one notification per channel with every disk alert of this host (grouped by run and target).
  const r1 = await runHostInspection(h, { inventory, config: critical, inspection: 'hook-hosts' });
  expect([r1.run.status, r1.report.status, r1.report.error?.message ?? null]).toEqual(['succeeded', 'succeeded', null]);
  const fired = (r1.report.outputs!.alerts as { fired: number }).fired;
  expect(fired).toBeGreaterThan(0);
  const hooks = rx.at('/hook');
  expect(hooks).toHaveLength(2); // the first answered 503 and was retried
  const hook = hooks[1]!;
  // The HMAC over the exact body matches X-Patrol-Signature.
  const sig = String(hook.headers['x-patrol-signature']);
  const want = `sha256=${createHmac('sha256', HOOK_KEY).update(hook.body).digest('hex')}`;
  expect(timingSafeEqual(Buffer.from(sig), Buffer.from(want))).toBe(true);
  expect(hook.headers['x-team']).toBe('infra');
  expect(hook.headers['content-type']).toBe('application/json');
  expect(hook.json).toMatchObject({ version: '4', status: 'firing', receiver: 'hook', groupLabels: { inspection: 'hook-hosts', target: 'localhost' }, commonLabels: { alertname: 'DiskFull', host: 'localhost' }, patrol: { runId: r1.run.id, inspection: 'hook-hosts', target: 'localhost', reportUrl: `https://reports.example/hook-hosts/${r1.run.id}.html` } });
  expect(alertsOf(hook)).toHaveLength(fired);
  expect(alertsOf(hook).every((a) => a.status === 'firing' && a.labels.check === 'host.disk.usage')).toBe(true);
  const d1 = await h.store.deliveries.listByRun(r1.run.id);
  expect(d1.find((d) => d.channel === 'hook')).toMatchObject({ status: 'sent', attempts: 2 });
  expect(d1.map((d) => d.channel).sort()).toEqual(['ding', 'hook', 'mail', 'slack', 'wecom']);
  // Slack: text fallback + Block Kit.
  const [slack] = rx.at('/services/T000/B000/XXX');
  expect(slack!.json).toMatchObject({ text: expect.stringContaining(`[FIRING:${fired}] localhost · hook-hosts`), blocks: [{ type: 'header' }, { type: 'section', text: { type: 'mrkdwn' } }, { type: 'context' }] });
  // DingTalk: markdown message to the robot URL from the credential, signed with timestamp + sign.
  const [ding] = rx.at('/robot/send');
  expect(ding!.query.get('access_token')).toBe('ding-tok');
  const ts = ding!.query.get('timestamp')!;
  expect(ding!.query.get('sign')).toBe(createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64'));
  expect(Math.abs(Number(ts) - Date.now())).toBeLessThan(120_000);
  expect(ding!.json).toMatchObject({ msgtype: 'markdown', markdown: { title: expect.stringContaining('FIRING'), text: expect.stringContaining('host.disk.usage') } });
  // WeCom: markdown content.
  const [wecom] = rx.at('/cgi-bin/webhook/send');
  expect(wecom!.query.get('key')).toBe('wk-1');
  expect(wecom!.json).toMatchObject({ msgtype: 'markdown', markdown: { content: expect.stringContaining('<font color="warning">CRITICAL host.disk.usage') } });
  // Email.
  const [mail] = await box.waitForMails(1);
  expect(mail!.parsed.subject).toBe(`[Patrol] [FIRING:${fired}] localhost · hook-hosts`);
  expect(mail!.parsed.text).toContain('host.disk.usage');
  expect(mail!.to).toEqual(['oncall@example.com']);
  // No secret in the stored deliveries: the DingTalk URL is stored without its query.
  expect(d1.find((d) => d.channel === 'ding')!.destination).toBe(`${rx.url}/robot/send?…`);

  // Run 2: still firing, the repeat interval (4h) has not passed: nothing is sent.
  const before = rx.requests.length;
  const r2 = await runHostInspection(h, { inventory, config: critical, inspection: 'hook-hosts' });
  expect(r2.report.outputs).toMatchObject({ alerts: { fired: 0, stillFiring: fired, notifications: 0 } });
  expect(rx.requests.length).toBe(before);

  // A silence (through the CLI) mutes notifications but hides nothing; repeat 0s would send again.
  writeConfig({ repeat: '0s' });
  const added = await patrol(['silence', 'add', '-m', 'host=localhost', '-m', 'alertname=~Disk.*', '--duration', '1h', '--author', 'ops-lead', '--comment', 'disk migration', '--json'], { home: h.dir });
  expect(added.exitCode).toBe(0);
  const silence = JSON.parse(added.stdout) as { id: string; state: string; firingAlertsMatched: number };
  expect(silence).toMatchObject({ state: 'active', firingAlertsMatched: fired });
  const r3 = await runHostInspection(h, { inventory, config: critical, inspection: 'hook-hosts' });
  expect(r3.report.outputs).toMatchObject({ alerts: { stillFiring: fired, silenced: fired * 5, notifications: 0 } });
  expect(rx.requests.length).toBe(before);
  const report3 = JSON.parse(readFileSync((r3.report.outputs!.files as Record<string, string>).json!, 'utf8')) as { findings: { check: string; severity: string }[] };
  expect(report3.findings.some((f) => f.check === 'host.disk.usage' && f.severity === 'critical')).toBe(true);
  const listed = await patrol(['alerts', 'list', '--state', 'firing'], { home: h.dir });
  expect(listed.stdout).toContain(`silenced (${silence.id})`);
  const silences = await patrol(['silence', 'list'], { home: h.dir });
  expect(silences.stdout).toMatch(new RegExp(`${silence.id}\\s+active\\s+host="localhost", alertname=~"Disk\\.\\*".*ops-lead\\s+${fired}\\s+disk migration`));
  const expired = await patrol(['silence', 'expire', silence.id.slice(0, 10)], { home: h.dir });
  expect(expired.stdout).toBe(`silence ${silence.id} expired`);
  expect((await patrol(['silence', 'list'], { home: h.dir })).stdout).toContain('no active silences');

  // Run 4: the silence is gone and the repeat interval is 0: every channel hears again; a channel
  // that is down fails the report step (the inspection still succeeds) and is recorded.
  writeConfig({ repeat: '0s', dead: true });
  const r4 = await runHostInspection(h, { inventory, config: critical, inspection: 'hook-hosts' });
  expect(r4.run.status).toBe('succeeded');
  expect(r4.report.status).toBe('failed');
  expect(r4.report.outputs).toMatchObject({ alerts: { silenced: 0, notifications: 6 }, failedDeliveries: 1 });
  expect(r4.report.error?.message).toMatch(/1 of 6 deliveries failed: webhook dead to http:\/\/127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/);
  const d4 = await h.store.deliveries.listByRun(r4.run.id);
  expect(d4.find((d) => d.channel === 'dead')).toMatchObject({ status: 'failed', attempts: 2 });
  expect(d4.filter((d) => d.status === 'sent').map((d) => d.channel).sort()).toEqual(['ding', 'hook', 'mail', 'slack', 'wecom']);

  // Run 5: the disks are fine: resolved notifications to the channels that heard them fire.
  writeConfig({ repeat: '4h' });
  const r5 = await runHostInspection(h, { inventory, config: healthy, inspection: 'hook-hosts' });
  expect([r5.run.status, r5.report.status]).toEqual(['succeeded', 'succeeded']);
  expect(r5.report.outputs).toMatchObject({ alerts: { resolved: fired, notifications: 5 } });
  const resolvedHook = rx.at('/hook').at(-1)!;
  expect(resolvedHook.json).toMatchObject({ status: 'resolved' });
  expect(alertsOf(resolvedHook).every((a) => a.status === 'resolved')).toBe(true);
  const mails = await box.waitForMails(3);
  expect(mails).toHaveLength(3);
  expect(mails.at(-1)!.parsed.subject).toBe(`[Patrol] [RESOLVED:${fired}] localhost · hook-hosts`);
});
