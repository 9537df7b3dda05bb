import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import type { Store } from '../store/store.js';
import type { CheckInfo } from '../inspections/check.js';
import type { FindingInput } from '../findings/finding.js';
import { NonRetryableError } from '../errors/index.js';

/** Patrol's checks of itself, in the catalog so `patrol checks` lists them and rules can match them. */
export const patrolHealthChecks: CheckInfo[] = [
  {
    id: 'patrol.queue.backlog',
    category: 'app',
    title: 'Patrol queue backlog',
    description: 'Step attempts queued and due for longer than the thresholds (seconds) without a worker taking them.',
    defaults: { warning: 300, critical: 900 },
    unit: 's',
    remediation: 'Start more workers (patrol worker) or check that workers accept the step types that wait (patrol worker --types).',
  },
  {
    id: 'patrol.workers.live',
    category: 'app',
    title: 'Patrol workers alive',
    description: 'In the distributed mode, workers that sent a heartbeat within 30 s; none is critical.',
    defaults: { critical: 0 },
    remediation: 'Start a worker (patrol worker) and check that workers reach PostgreSQL and Redis.',
  },
  {
    id: 'patrol.scheduler.firing',
    category: 'app',
    title: 'Patrol scheduler firing on time',
    description: 'Enabled schedules whose due time passed more than the thresholds (seconds) ago without firing.',
    defaults: { warning: 120, critical: 600 },
    unit: 's',
    remediation: 'Check that at least one patrol serve process runs and reaches the database (its log says "schedule fired").',
  },
];

/**
 * The `patrol-health` step type: Patrol inspects itself from the database (so any server or
 * worker can run it) and reports findings, which the usual alert rules turn into alerts.
 */
export function createPatrolHealthStepType(deps: { store?: Store }) {
  return defineStepType({
    type: 'patrol-health',
    description: "Checks Patrol itself: queue backlog, live workers (distributed mode), schedules firing on time. Reports findings patrol.*.",
    input: z.object({ distributed: z.boolean().default(false) }).strict(),
    output: z.object({ backlogSeconds: z.number(), liveWorkers: z.number(), overdueSeconds: z.number() }),
    retrySafe: true,
    async run(ctx, input) {
      const store = deps.store;
      if (!store) throw new NonRetryableError('the patrol-health step needs Patrol\'s store', { code: 'no-store' });
      const now = Date.now();
      const findings: FindingInput[] = [];
      const level = (v: number, w: number, c: number) => (v >= c ? 'critical' : v >= w ? 'warning' : 'ok');

      const queued = await store.runs.attemptsAcrossRuns(['queued'], { queuedBefore: now, limit: 1 });
      const oldest = queued[0];
      const backlog = oldest ? Math.round((now - oldest.queuedAt) / 1000) : 0;
      findings.push({ check: 'patrol.queue.backlog', category: 'app', target: 'patrol:queue', severity: level(backlog, 300, 900), value: backlog, unit: 's', threshold: { warning: 300, critical: 900 }, message: oldest ? `the oldest queued step attempt (${oldest.runId} ${oldest.step}) has waited ${backlog} s` : 'no step attempt is waiting' });

      const live = (await store.workers.live(now - 30_000)).filter((w) => w.role === 'worker').length;
      if (input.distributed) {
        findings.push({ check: 'patrol.workers.live', category: 'app', target: 'patrol:workers', severity: live === 0 ? 'critical' : 'ok', value: live, threshold: { critical: 0 }, message: live === 0 ? 'no worker has sent a heartbeat in the last 30 s: no step can run' : `${live} worker(s) alive` });
      }

      const overdue = await store.db.selectFrom('schedules').select(['name', 'next_run_at']).where('enabled', '=', 1).where('next_run_at', '<', now).orderBy('next_run_at').limit(1).executeTakeFirst();
      const late = overdue?.next_run_at ? Math.round((now - Number(overdue.next_run_at)) / 1000) : 0;
      findings.push({ check: 'patrol.scheduler.firing', category: 'app', target: 'patrol:scheduler', severity: level(late, 120, 600), value: late, unit: 's', threshold: { warning: 120, critical: 600 }, message: overdue ? `schedule ${overdue.name} is ${late} s past its due time` : 'every schedule fired on time' });

      ctx.findings.report(findings);
      return { backlogSeconds: backlog, liveWorkers: live, overdueSeconds: late };
    },
  });
}
