import { createHarness, type Harness } from '../support/engine-harness.js';
import { Scheduler, type FiringReport } from '../../src/scheduler/scheduler.js';
import { nextDue, nextDues, validateCron } from '../../src/scheduler/cron-schedule.js';
import type { WorkflowResolver } from '../../src/scheduler/workflow-resolver.js';
import { silentLogger } from '../../src/logging/logger.js';
import { newId } from '../../src/util/ids.js';
import { NotFoundError } from '../../src/errors/index.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => h.close());

const workflows = (duration = '50ms'): WorkflowResolver => ({
  async resolve(_ns, name) {
    if (name !== 'nightly') throw new NotFoundError(`workflow ${name} not found`);
    return h.workflow(`apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: nightly }\nspec:\n  params:\n    - { name: env, type: string, default: dev }\n  steps:\n    - { name: s, type: sleep, with: { duration: ${duration} } }\n`);
  },
});

async function addSchedule(opts: { cron: string; timezone?: string; nextRunAt: number; misfire?: string; overlap?: string; workflow?: string }) {
  const id = newId();
  const now = Date.now();
  await h.store.schedules.insert({ id, namespace: 'default', name: `s-${id.slice(-6)}`, workflow: opts.workflow ?? 'nightly', workflowVersion: null, cron: opts.cron, timezone: opts.timezone ?? 'UTC', params: { env: 'prod' }, enabled: true, description: null, createdBy: 'test', createdAt: now, updatedAt: now, nextRunAt: opts.nextRunAt, lastRunAt: null, lastRunId: null });
  await h.store.db.updateTable('schedules').set({ misfire: opts.misfire ?? 'run-once', overlap: opts.overlap ?? 'skip', inspection: 'nightly-prod' }).where('id', '=', id).execute();
  return id;
}

const scheduler = (id: string, clock: () => number, resolver = workflows()) => new Scheduler({ store: h.store, engine: h.engine, workflows: resolver, logger: silentLogger(), selfId: id, clock });

test('cron expressions and time zones: next due times, and clear errors', () => {
  const after = Date.parse('2026-11-22T00:00:00Z');
  expect(new Date(nextDue('0 7 * * *', 'Asia/Shanghai', after)!).toISOString()).toBe('2026-11-22T23:00:00.000Z');
  expect(nextDues('*/15 * * * *', 'UTC', after, 3).map((t) => new Date(t).toISOString())).toEqual(['2026-11-22T00:15:00.000Z', '2026-11-22T00:30:00.000Z', '2026-11-22T00:45:00.000Z']);
  expect(() => validateCron('61 * * * *', 'UTC')).toThrow('cron "61 * * * *"');
  expect(() => validateCron('0 7 * * *', 'Mars/Base')).toThrow('timezone "Mars/Base"');
});

test('two servers ticking at the same due time fire it exactly once', async () => {
  const due = Date.parse('2026-11-23T07:00:00Z');
  const id = await addSchedule({ cron: '0 7 * * *', nextRunAt: due });
  const clock = () => due + 500;
  const a = scheduler('server-a', clock);
  const b = scheduler('server-b', clock);
  const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
  const all = [...ra, ...rb].filter((r) => r.scheduleId === id);
  expect(all.filter((r) => r.outcome === 'fired')).toHaveLength(1);
  const fired = all.find((r) => r.outcome === 'fired')!;
  expect(fired.lagMs).toBe(500);
  const run = (await h.store.runs.getRun(fired.runId!))!;
  expect(run).toMatchObject({ trigger: 'schedule', inspection: 'nightly-prod', params: { env: 'prod' } });
  expect(run.labels['patrol.dev/schedule']).toMatch(/^s-/);
  const s = (await h.store.schedules.get(id))!;
  expect(new Date(s.nextRunAt!).toISOString()).toBe('2026-11-24T07:00:00.000Z');
  expect(await h.store.firings.list(id)).toHaveLength(1);
  // Ticking again before the next due time fires nothing.
  expect((await a.tick()).filter((r) => r.scheduleId === id)).toEqual([]);
  await h.engine.waitFor(fired.runId!);
});

test('misfire policy: after downtime, skip drops the missed time; run-once fires it once', async () => {
  const due = Date.parse('2026-11-20T07:00:00Z');
  const later = Date.parse('2026-11-22T12:00:00Z');
  const skip = await addSchedule({ cron: '0 7 * * *', nextRunAt: due, misfire: 'skip' });
  const once = await addSchedule({ cron: '0 7 * * *', nextRunAt: due, misfire: 'run-once' });
  const reports = await scheduler('s', () => later).tick();
  const of = (id: string) => reports.filter((r: FiringReport) => r.scheduleId === id).map((r) => r.outcome);
  expect(of(skip)).toEqual(['skipped-misfire']);
  expect(of(once)).toEqual(['fired']);
  for (const id of [skip, once]) expect(new Date((await h.store.schedules.get(id))!.nextRunAt!).toISOString()).toBe('2026-11-23T07:00:00.000Z');
  const fired = reports.find((r) => r.scheduleId === once)!;
  await h.engine.waitFor(fired.runId!);
});

test('overlap policy skip: a firing while the previous run is active is skipped (cancelled with a reason)', async () => {
  const t0 = Date.parse('2026-11-23T07:00:00Z');
  const id = await addSchedule({ cron: '* * * * *', nextRunAt: t0, overlap: 'skip' });
  const slow = workflows('20s');
  const first = (await scheduler('s', () => t0 + 10, slow).tick()).find((r) => r.scheduleId === id)!;
  const second = (await scheduler('s', () => t0 + 60_000 + 10, slow).tick()).find((r) => r.scheduleId === id)!;
  expect(second.outcome).toBe('fired');
  const skipped = (await h.store.runs.getRun(second.runId!))!;
  expect(skipped.status).toBe('cancelled');
  expect(skipped.reason).toContain('skipped');
  await h.engine.cancel(first.runId!);
  await h.engine.waitFor(first.runId!);
});

test('a schedule whose workflow is missing records a failed firing and moves on', async () => {
  const due = Date.parse('2026-11-23T07:00:00Z');
  const id = await addSchedule({ cron: '0 7 * * *', nextRunAt: due, workflow: 'gone' });
  const [r] = (await scheduler('s', () => due + 5).tick()).filter((x) => x.scheduleId === id);
  expect(r!.outcome).toBe('failed');
  expect(r!.error).toContain('gone');
  expect((await h.store.firings.list(id))[0]!.outcome).toBe('failed');
  expect((await h.store.schedules.get(id))!.nextRunAt).toBeGreaterThan(due);
});

test('a claim abandoned by a crashed server is taken over and fired', async () => {
  const due = Date.parse('2026-11-23T07:00:00Z');
  const id = await addSchedule({ cron: '0 7 * * *', nextRunAt: due + 86_400_000 });
  await h.store.firings.claim({ scheduleId: id, dueAt: due, firedAt: due, firedBy: 'dead-server', outcome: 'claimed' });
  const reports = await scheduler('alive', () => due + 60_000).tick();
  const r = reports.find((x) => x.scheduleId === id)!;
  expect(r.outcome).toBe('fired');
  expect((await h.store.firings.list(id))[0]).toMatchObject({ firedBy: 'alive', outcome: 'fired', runId: r.runId });
  await h.engine.waitFor(r.runId!);
});
