import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { insertSyntheticHistory } from '../support/synthetic-inspection.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { buildReport } from '../../src/reports/report-model.js';
import { renderHtml } from '../../src/reports/render-html.js';
import { runAlerting } from '../../src/alerts/run-alerting.js';
import { compilePatrolConfig, patrolConfigSchema } from '../../src/config/patrol-config.js';
import { parseMatcher } from '../../src/alerts/silence.js';

// Migration 0002 and the report, delivery, alert and silence repositories on a real PostgreSQL 15
// (the distributed mode's store): the same code paths as on SQLite.

let pg: PostgresServer;
let store: Store;
let rx: WebhookReceiver;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.createDatabase('patrol_reports');
  store = await openStore({ url: pg.urlFor('patrol_reports') });
  rx = await startWebhookReceiver();
}, 60_000);
afterAll(async () => {
  await store?.close();
  await pg?.stop();
  await rx?.close();
});

test('scores, history, deliveries, alert lifecycle and silences on PostgreSQL', async () => {
  expect(store.dialect).toBe('postgres');
  const runs = await insertSyntheticHistory(store, { inspection: 'pg-fleet', hosts: 10, checks: 8, runs: 3, start: Date.UTC(2026, 3, 1) });
  for (const r of runs.slice(0, 2)) {
    const m = await buildReport(store, r.id);
    await store.reports.upsert({ runId: r.id, inspection: m.inspection, score: m.score.value, grade: m.score.grade, counts: { bySeverity: m.counts.bySeverity, findings: m.counts.findings, targets: m.counts.targets }, status: 'succeeded', files: { html: '/x.html' }, createdAt: r.createdAt });
  }
  const recorded = await store.reports.get(runs[0]!.id);
  expect(typeof recorded!.createdAt).toBe('number');
  expect(recorded!.files).toEqual({ html: '/x.html' });
  const model = await buildReport(store, runs[2]!.id);
  expect(model.history.map((h) => h.runId)).toEqual(runs.map((r) => r.id));
  expect(model.history[0]!.score).toBe(recorded!.score);
  expect(renderHtml(model)).toContain('<svg class="chart chart-history"');

  const settings = compilePatrolConfig(
    patrolConfigSchema.parse({
      apiVersion: 'patrol.dev/v1',
      kind: 'PatrolConfig',
      alerting: { channels: [{ name: 'hook', type: 'webhook', url: `${rx.url}/hook` }], rules: [{ name: 'Synth', match: { severities: ['critical'] } }] },
    }),
    { home: '/tmp' },
  );
  const findings = await store.findings.listByRun(runs[2]!.id);
  const ctx = { inspection: 'pg-fleet', runId: runs[2]!.id, runLabels: {}, reportUrl: null, remediationUrl: () => null };
  const out = await runAlerting(store, { runId: runs[2]!.id, status: 'succeeded', findings, settings, context: ctx, now: Date.now(), deps: { secret: async () => Promise.reject(new Error('none')) } });
  expect(out.fired).toBe(findings.filter((f) => f.severity === 'critical').length);
  expect(out.deliveries.every((d) => d.status === 'sent')).toBe(true);
  const firing = await store.alerts.firingOf('pg-fleet');
  expect(firing).toHaveLength(out.fired);
  expect(typeof firing[0]!.startsAt).toBe('number');
  expect(firing[0]!.notified.hook?.state).toBe('firing');
  const deliveries = await store.deliveries.listByRun(runs[2]!.id);
  expect(deliveries.length).toBe(out.notifications);
  expect(deliveries[0]!.alerts!.length).toBeGreaterThan(0);

  const now = Date.now();
  await store.silences.insert({ id: '01silencepgtest00000000000', matchers: [parseMatcher('alertname=Synth')], startsAt: now, endsAt: now + 3_600_000, createdBy: 'pg', comment: 'test', createdAt: now, updatedAt: now });
  expect((await store.silences.unexpired(now + 1)).map((s) => s.id)).toEqual(['01silencepgtest00000000000']);
  expect(await store.silences.resolveId('01silencepg')).toEqual(['01silencepgtest00000000000']);
  expect(await store.silences.expire('01silencepgtest00000000000', now + 2)).toBe(true);
  expect(await store.silences.unexpired(now + 3)).toEqual([]);
  // Resolution: a later run with no critical finding.
  await store.db.updateTable('findings').set({ severity: 'ok' }).where('run_id', '=', runs[2]!.id).execute();
  const again = await runAlerting(store, { runId: runs[2]!.id, status: 'succeeded', findings: await store.findings.listByRun(runs[2]!.id), settings, context: ctx, now: Date.now(), deps: { secret: async () => Promise.reject(new Error('none')) } });
  expect(again.resolved).toBe(out.fired);
  expect(await store.alerts.firingOf('pg-fleet')).toEqual([]);
  expect((await store.alerts.list({ state: 'resolved' })).every((a) => typeof a.endsAt === 'number')).toBe(true);
});
