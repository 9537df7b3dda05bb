import { execa } from 'execa';
import { createHarness, type Harness } from '../support/engine-harness.js';
import { PatrolMetrics } from '../../src/metrics/patrol-metrics.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

test('runs and step attempts are counted by bounded labels; the exposition passes promtool check metrics', async () => {
  const m = new PatrolMetrics();
  const stop = m.observeEngine(h.engine.events);
  m.bindSources({ queueDepth: () => h.engine.dispatcher.depth(), stepsRunning: () => h.engine.runningCount(), workers: async () => [{ role: 'worker', heartbeatAt: Date.now() - 2000 }] });
  const run = await h.engine.trigger(
    h.workflow(`apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: m }
spec:
  steps:
    - { name: ok, type: shell, with: { command: ["true"] } }
    - { name: bad, type: shell, continueOnError: true, retries: { limit: 1, backoff: { delay: 10ms } }, with: { command: ["false"] } }
`),
  );
  await h.engine.waitFor(run.id);
  stop();
  const text = await m.text();
  expect(text).toMatch(/patrol_runs_finished_total\{status="succeeded"\} 1/);
  expect(text).toMatch(/patrol_step_attempts_finished_total\{type="shell",status="succeeded"\} 1/);
  expect(text).toMatch(/patrol_step_attempts_finished_total\{type="shell",status="failed"\} 2/);
  expect(text).toMatch(/patrol_queue_wait_seconds_count\{type="shell"\} 3/);
  expect(text).toMatch(/patrol_workers\{role="worker"\} 1/);
  expect(text).not.toContain(run.id);
  const check = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
  expect([check.exitCode, check.stdout + check.stderr]).toEqual([0, '']);
});
