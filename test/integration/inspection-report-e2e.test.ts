import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol } from '../support/cli.js';
import { startAlertmanager, type Alertmanager } from '../support/alertmanager.js';
import { startSmtpServer, type TestMailbox } from '../support/smtp-test-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { inspectionConfig, localInventory } from '../support/inspection-runs.js';

// Done when: a manual inspection (`patrol inspect`) ends with its report on disk, in the mailbox
// of the SMTP test server and as alerts in Alertmanager; the next run that no longer finds the
// problem resolves them. Everything goes through the built CLI with a PATROL_CONFIG file.

let dir: string;
let box: TestMailbox;
let am: Alertmanager;
let rx: WebhookReceiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-e2e-report-'));
  box = await startSmtpServer();
  rx = await startWebhookReceiver();
  am = await startAlertmanager({ webhookUrl: `${rx.url}/am` });
});
afterAll(async () => {
  await am?.stop();
  await box?.close();
  await rx?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('patrol inspect: report on disk, emailed, alerts in Alertmanager; resolved by the next clean run', async () => {
  const home = join(dir, 'home');
  const config = join(dir, 'patrol.yaml');
  writeFileSync(
    config,
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
baseUrl: https://patrol.example
reports:
  dir: ${join(dir, 'reports')}
  formats: [html, json, junit, md, csv]
  email: { to: [ops@example.com], attach: [json] }
smtp: { host: 127.0.0.1, port: ${box.port}, secure: none, from: "Patrol <patrol@example.com>" }
alerting:
  channels:
    - { name: am, type: alertmanager, url: "${am.url}" }
  rules:
    - { name: PatrolDiskCritical, match: { checks: [host.disk.usage], severities: [critical] } }
`,
  );
  const env = { PATROL_CONFIG: config };
  const inventory = localInventory(dir);
  const bad = inspectionConfig(dir, 'e2e-hosts', { disks: 'critical', labels: { team: 'infra' } });
  const good = inspectionConfig(dir, 'e2e-hosts', { disks: 'ok', labels: { team: 'infra' } });

  const r1 = await patrol(['inspect', 'host', '-i', inventory, '-c', bad, '--fail-on', 'critical'], { home, env });
  expect(r1.exitCode).toBe(1); // criticals found (not a tool failure)
  expect(r1.stderr).toMatch(/Deliveries: 2 sent \(patrol runs show \w+\)/);
  const runId = /run (\w{26})/.exec(r1.stdout)![1]!;
  // On disk, in every configured format.
  for (const ext of ['html', 'json', 'junit.xml', 'md', 'csv']) expect(existsSync(join(dir, 'reports', 'e2e-hosts', `${runId}.${ext}`))).toBe(true);
  const json = JSON.parse(readFileSync(join(dir, 'reports', 'e2e-hosts', `${runId}.json`), 'utf8')) as { run: { status: string }; counts: { bySeverity: { critical: number } }; score: { value: number } };
  expect(json.run.status).toBe('succeeded');
  // In the mailbox.
  const [mail] = await box.waitForMails(1);
  expect(mail!.parsed.subject).toMatch(new RegExp(`^\\[Patrol\\] e2e-hosts: score ${json.score.value} \\([A-F]\\), ${json.counts.bySeverity.critical} critical`));
  expect(mail!.parsed.attachments.map((a) => a.filename)).toEqual([`e2e-hosts-${runId}.json`]);
  // As alerts in Alertmanager, with the inspection's labels.
  const alerts = await am.alerts(['alertname="PatrolDiskCritical"']);
  expect(alerts.length).toBeGreaterThan(0);
  expect(alerts[0]!.labels).toMatchObject({ inspection: 'e2e-hosts', check: 'host.disk.usage', host: 'localhost', team: 'infra', severity: 'critical' });
  const shown = await patrol(['runs', 'show', runId], { home });
  expect(shown.stdout).toMatch(/report\s+succeeded/);
  expect(shown.stdout).toMatch(/report email\s+sent\s+1\s+ops@example\.com/);
  expect(shown.stdout).toMatch(/alertmanager am\s+sent\s+1\s+http:\/\/127\.0\.0\.1:\d+\/api\/v2\/alerts/);

  const r2 = await patrol(['inspect', 'host', '-i', inventory, '-c', good, '--fail-on', 'never'], { home, env });
  expect(r2.exitCode).toBe(0);
  expect(await am.alerts(['alertname="PatrolDiskCritical"'])).toEqual([]);
  await box.waitForMails(2);
  const listed = await patrol(['alerts', 'list', '--json'], { home });
  const items = (JSON.parse(listed.stdout) as { items: { state: string; endsAt: string | null }[] }).items;
  expect(items.length).toBe(alerts.length);
  expect(items.every((i) => i.state === 'resolved' && i.endsAt !== null)).toBe(true);
});
