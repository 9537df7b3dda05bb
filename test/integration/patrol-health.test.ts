import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { REPO } from '../support/cli.js';
import { newId } from '../../src/util/ids.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => h.close());

const healthWorkflow = () => h.workflow(readFileSync(join(REPO, 'workflows/patrol-health.yaml'), 'utf8'));

async function check(params: Record<string, unknown>) {
  const run = await h.engine.trigger(healthWorkflow(), { params, inspection: 'patrol-health' });
  const done = await h.engine.waitFor(run.id, { timeoutMs: 30_000 });
  const findings = await h.store.findings.listByRun(run.id);
  return { done, byCheck: Object.fromEntries(findings.map((f) => [f.check, f])) };
}

test('a healthy Patrol reports ok findings', async () => {
  const { done, byCheck } = await check({ distributed: false });
  expect(done.status).toBe('succeeded');
  expect(byCheck['patrol.queue.backlog']!.severity).toBe('ok');
  expect(byCheck['patrol.scheduler.firing']!.severity).toBe('ok');
  expect(byCheck['patrol.workers.live']).toBeUndefined();
});

test('a stuck queue, no live worker and an overdue schedule are reported', async () => {
  const now = Date.now();
  // A step attempt queued 20 minutes ago that nobody took.
  await h.store.runs.insertRun(
    { id: 'stuck-run', workflow: 'x', namespace: 'default', params: {}, status: 'running', reason: null, error: null, concurrencyKey: null, trigger: 'test', triggeredBy: null, retryOf: null, inspection: null, labels: {}, createdAt: now, startedAt: now, finishedAt: null, deadlineAt: null, cancelRequestedAt: null, cancelReason: null, owner: null, heartbeatAt: null, dryRun: false, overrides: {} },
    { apiVersion: 'patrol.dev/v1', kind: 'Workflow', metadata: { name: 'x', namespace: 'default', labels: {} }, spec: { params: [], steps: [{ name: 's', type: 'noop', with: {}, needs: [], continueOnError: false }], finally: [] } },
  );
  await h.store.runs.insertQueuedAttempt('stuck-run', 's', 1, now - 20 * 60_000);
  await h.store.schedules.insert({ id: newId(), namespace: 'default', name: 'nightly', workflow: 'x', workflowVersion: null, cron: '0 7 * * *', timezone: 'UTC', params: {}, enabled: true, description: null, createdBy: null, createdAt: now, updatedAt: now, nextRunAt: now - 15 * 60_000, lastRunAt: null, lastRunId: null });
  const { byCheck } = await check({ distributed: true });
  expect(byCheck['patrol.queue.backlog']).toMatchObject({ severity: 'critical', target: 'patrol:queue' });
  expect(byCheck['patrol.queue.backlog']!.value).toBeGreaterThanOrEqual(1200);
  expect(byCheck['patrol.workers.live']).toMatchObject({ severity: 'critical', value: 0 });
  expect(byCheck['patrol.scheduler.firing']!.severity).toBe('critical');
  expect(byCheck['patrol.scheduler.firing']!.message).toContain('nightly');
});
