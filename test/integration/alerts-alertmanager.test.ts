import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { startAlertmanager, type Alertmanager } from '../support/alertmanager.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { inspectionConfig, localInventory, runHostInspection } from '../support/inspection-runs.js';
import { patrol } from '../support/cli.js';
import { loadPatrolConfig } from '../../src/config/patrol-config.js';

// A real Prometheus Alertmanager started by the test; Patrol forwards the alerts of real host
// inspections of this machine through the v2 API. Alertmanager's own webhook receiver (a
// recording server) shows that its routing, grouping, repeats and send_resolved keep working.

let dir: string;
let h: Harness;
let am: Alertmanager;
let receiver: WebhookReceiver;
let inventory: string;
const configFile = () => join(dir, 'patrol.yaml');

interface AmWebhook {
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; endsAt: string }[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patrol-am-test-'));
  receiver = await startWebhookReceiver();
  am = await startAlertmanager({ webhookUrl: `${receiver.url}/am` });
  inventory = localInventory(dir);
  writeFileSync(
    configFile(),
    `apiVersion: patrol.dev/v1
kind: PatrolConfig
baseUrl: https://patrol.example
reports: { dir: ${join(dir, 'reports')} }
alerting:
  channels:
    - { name: am, type: alertmanager, url: "${am.url}", validFor: 2h }
  rules:
    - name: DiskFull
      match: { checks: [host.disk.*], severities: [critical], labels: { environment: prod } }
      labels: { team: infra }
      annotations: { summary: "Disk {{target}} is {{value}} full" }
      channels: [am]
`,
  );
  h = await createHarness({ patrolSettings: () => loadPatrolConfig({ PATROL_CONFIG: configFile(), PATROL_HOME: dir }) });
});
afterAll(async () => {
  await h?.close();
  await am?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('alerts arrive in Alertmanager with the right labels, are re-sent while firing, and resolve with endsAt', async () => {
  const critical = inspectionConfig(dir, 'am-hosts', { disks: 'critical', labels: { environment: 'prod' } });
  const healthy = inspectionConfig(dir, 'am-hosts', { disks: 'ok', labels: { environment: 'prod' } });
  const labels = { environment: 'prod' };

  // Run 1: the disks are critical -> firing in Alertmanager.
  const r1 = await runHostInspection(h, { inventory, config: critical, inspection: 'am-hosts', labels });
  expect([r1.run.status, r1.report.status, r1.report.error?.message ?? null]).toEqual(['succeeded', 'succeeded', null]);
  expect(r1.report.outputs).toMatchObject({ alerts: { fired: expect.any(Number), resolved: 0 }, failedDeliveries: 0 });
  const fired = (r1.report.outputs!.alerts as { fired: number }).fired;
  expect(fired).toBeGreaterThan(0);
  const first = await am.alerts(['alertname="DiskFull"']);
  expect(first).toHaveLength(fired);
  const a = first.find((x) => x.labels.target === 'localhost:/')!;
  // The finding's identity, the run's labels (InspectionConfig metadata; patrol.dev/* left out) and the rule's.
  expect(a.labels).toEqual({ alertname: 'DiskFull', inspection: 'am-hosts', check: 'host.disk.usage', category: 'host', severity: 'critical', target: 'localhost:/', host: 'localhost', team: 'infra', environment: 'prod' });
  expect(a.annotations.summary).toMatch(/^Disk localhost:\/ is [\d.]+ % full$/);
  expect(a.annotations.description).toContain('/ is');
  expect(a.generatorURL).toMatch(/^https:\/\/patrol\.example\/runs\//);
  expect(a.status.state).toBe('active');
  // endsAt is now + validFor (2h): Alertmanager keeps it firing until the next inspection.
  expect(Date.parse(a.endsAt) - Date.now()).toBeGreaterThan(100 * 60_000);
  const deliveries1 = await h.store.deliveries.listByRun(r1.run.id);
  expect(deliveries1.map((d) => [d.channelType, d.status, d.alerts?.length])).toEqual([['alertmanager', 'sent', fired]]);
  expect(deliveries1[0]!.destination).toBe(`${am.url}/api/v2/alerts`);
  // Alertmanager's own routing notifies its receiver, grouped by alertname/inspection/host.
  const n1 = (await receiver.waitFor('/am', 1)).map((r) => r.json as AmWebhook);
  expect(n1[0]).toMatchObject({ status: 'firing', receiver: 'patrol-test', groupLabels: { alertname: 'DiskFull', inspection: 'am-hosts', host: 'localhost' } });

  // Run 2: still critical -> re-sent (same fingerprint and start, updated), and Alertmanager repeats its notification.
  const r2 = await runHostInspection(h, { inventory, config: critical, inspection: 'am-hosts', labels });
  expect(r2.report.outputs).toMatchObject({ alerts: { fired: 0, stillFiring: fired, resolved: 0 } });
  const second = await am.alerts(['alertname="DiskFull"']);
  const b = second.find((x) => x.labels.target === 'localhost:/')!;
  expect(b.fingerprint).toBe(a.fingerprint);
  expect(b.startsAt).toBe(a.startsAt);
  expect(Date.parse(b.updatedAt)).toBeGreaterThan(Date.parse(a.updatedAt));
  expect((await h.store.deliveries.listByRun(r2.run.id)).map((d) => d.status)).toEqual(['sent']);
  const repeated = await receiver.waitFor('/am', 2);
  expect(repeated.map((r) => (r.json as AmWebhook).status).slice(0, 2)).toEqual(['firing', 'firing']);
  const listed = await patrol(['alerts', 'list', '--state', 'firing', '--json'], { home: h.dir });
  const items = (JSON.parse(listed.stdout) as { items: { state: string; labels: Record<string, string>; lastRunId: string }[] }).items;
  expect(items.length).toBe(fired);
  expect(items.every((i) => i.state === 'firing' && i.lastRunId === r2.run.id && i.labels.alertname === 'DiskFull')).toBe(true);

  // Run 3: the disks are fine -> Patrol sends endsAt = now; Alertmanager drops the alerts and sends "resolved".
  const r3 = await runHostInspection(h, { inventory, config: healthy, inspection: 'am-hosts', labels });
  expect(r3.report.outputs).toMatchObject({ alerts: { fired: 0, stillFiring: 0, resolved: fired } });
  expect(await am.alerts(['alertname="DiskFull"'])).toEqual([]);
  const all = await receiver.waitFor('/am', 3);
  await expect(
    (async () => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const resolved = receiver.at('/am').map((r) => r.json as AmWebhook).find((p) => p.status === 'resolved');
        if (resolved) return resolved;
        if (Date.now() > deadline) throw new Error(`no resolved notification from Alertmanager; got ${all.length}\n${am.log()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
  ).resolves.toMatchObject({ status: 'resolved', alerts: expect.arrayContaining([expect.objectContaining({ status: 'resolved', labels: expect.objectContaining({ target: 'localhost:/' }) })]) });
  const resolved = await patrol(['alerts', 'list', '--state', 'resolved'], { home: h.dir });
  expect(resolved.stdout).toMatch(/resolved\s+critical\s+DiskFull\s+am-hosts\s+localhost:\//);
});
