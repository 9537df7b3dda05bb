import type { Store } from '../store/store.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../logging/logger.js';
import type { ScheduleRecord } from '../store/schedules-repository.js';
import type { WorkflowResolver } from './workflow-resolver.js';
import { nextDue } from './cron-schedule.js';

export interface SchedulerOptions {
  /** How often due schedules are looked for. @defaultValue 1000 ms */
  tickMs?: number;
  /** A due time older than this when first seen counts as missed (downtime). @defaultValue 60 s */
  misfireGraceMs?: number;
}

/** The scheduler's policy columns on a schedule (migration 0005). */
export interface SchedulePolicy {
  misfire: 'skip' | 'run-once';
  overlap: 'skip' | 'queue' | 'cancel-older';
  inspection: string | null;
  labels: Record<string, string>;
}

export interface FiringReport {
  scheduleId: string;
  dueAt: number;
  outcome: 'fired' | 'skipped-misfire' | 'failed' | 'not-mine';
  runId?: string;
  lagMs?: number;
  error?: string;
}

/**
 * Fires cron schedules. Any number of servers run it: a due time fires only where the insert of
 * (schedule, due time) into schedule_firings succeeds, so exactly once. Missed due times after
 * downtime follow the schedule's misfire policy (skip, or run once for the latest); a run of a
 * schedule whose previous run is still active follows its overlap policy, through the engine's
 * concurrency key `schedule:ID`.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly tickMs: number;
  private readonly grace: number;
  /** Latest firing lag (ms) per schedule, for the scheduler-lag metric. */
  readonly lag = new Map<string, number>();
  lastTickAt = 0;

  constructor(
    private readonly deps: { store: Store; engine: Engine; workflows: WorkflowResolver; logger: Logger; selfId: string; clock?: () => number; onFiring?: (r: FiringReport) => void },
    opts: SchedulerOptions = {},
  ) {
    this.tickMs = opts.tickMs ?? 1000;
    this.grace = opts.misfireGraceMs ?? 60_000;
  }

  start(): this {
    this.timer = setInterval(() => void this.safeTick(), this.tickMs);
    void this.safeTick();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Looks for due schedules now (after a schedule was created or changed). */
  wake(): void {
    void this.safeTick();
  }

  private async safeTick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.tick();
    } catch (err) {
      this.deps.logger.warn({ err }, 'scheduler tick failed');
    } finally {
      this.ticking = false;
    }
  }

  /** Fires every due schedule once; returns what happened (tests and metrics read it). */
  async tick(): Promise<FiringReport[]> {
    const now = (this.deps.clock ?? Date.now)();
    this.lastTickAt = now;
    await this.initialiseNextRuns(now);
    const out: FiringReport[] = [];
    for (const s of await this.deps.store.schedules.due(now)) {
      const r = await this.fire(s, now);
      if (r) out.push(r);
    }
    out.push(...(await this.sweepAbandoned(now)));
    for (const r of out) this.deps.onFiring?.(r);
    return out;
  }

  /** Schedules created or resumed without a next due time get one. */
  private async initialiseNextRuns(now: number): Promise<void> {
    const rows = await this.deps.store.db.selectFrom('schedules').select(['id', 'cron', 'timezone']).where('enabled', '=', 1).where('next_run_at', 'is', null).execute();
    for (const r of rows) {
      const next = nextDue(r.cron, r.timezone, now);
      await this.deps.store.db.updateTable('schedules').set({ next_run_at: next ?? null, updated_at: now }).where('id', '=', r.id).where('next_run_at', 'is', null).execute();
    }
  }

  private async fire(s: ScheduleRecord, now: number): Promise<FiringReport | undefined> {
    const dueAt = s.nextRunAt!;
    const policy = await this.policy(s.id);
    const missed = now - dueAt > this.grace;
    const skip = missed && policy.misfire === 'skip';
    // The claim decides who fires: one unique insert per schedule and due time.
    const mine = await this.deps.store.firings.claim({ scheduleId: s.id, dueAt, firedAt: now, firedBy: this.deps.selfId, outcome: skip ? 'skipped-misfire' : 'claimed' });
    // Whoever sees it due moves the schedule on (compare-and-set on the due time, idempotent).
    const following = nextDue(s.cron, s.timezone, Math.max(dueAt, now)) ?? null;
    await this.deps.store.db.updateTable('schedules').set({ next_run_at: following, updated_at: now }).where('id', '=', s.id).where('next_run_at', '=', dueAt).execute();
    if (!mine) return { scheduleId: s.id, dueAt, outcome: 'not-mine' };
    if (skip) return { scheduleId: s.id, dueAt, outcome: 'skipped-misfire' };
    return this.startRun(s, dueAt, policy, now);
  }

  /** Starts the run of a claimed due time and records it on the firing. */
  private async startRun(s: ScheduleRecord, dueAt: number, policy: SchedulePolicy, now: number): Promise<FiringReport> {
    const lagMs = now - dueAt;
    this.lag.set(s.id, lagMs);
    try {
      const def = await this.deps.workflows.resolve(s.namespace, s.workflow, s.workflowVersion);
      const run = await this.deps.engine.trigger(def, {
        params: s.params,
        trigger: 'schedule',
        triggeredBy: `schedule:${s.namespace}/${s.name}`,
        labels: { ...policy.labels, 'patrol.dev/schedule': s.name },
        concurrency: { key: `schedule:${s.id}`, policy: policy.overlap },
        ...(policy.inspection ? { inspection: policy.inspection } : {}),
      });
      await this.deps.store.firings.setRun(s.id, dueAt, run.id, 'fired');
      await this.deps.store.schedules.update(s.id, { lastRunAt: now, lastRunId: run.id }, now);
      this.deps.logger.info({ schedule: s.name, runId: run.id, lagMs, dueAt: new Date(dueAt).toISOString() }, 'schedule fired');
      return { scheduleId: s.id, dueAt, outcome: 'fired', runId: run.id, lagMs };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await this.deps.store.firings.setRun(s.id, dueAt, null, 'failed');
      this.deps.logger.error({ schedule: s.name, err }, 'schedule could not start its run');
      return { scheduleId: s.id, dueAt, outcome: 'failed', error, lagMs };
    }
  }

  /** A server that claimed a due time and died before starting its run: another server starts it. */
  private async sweepAbandoned(now: number): Promise<FiringReport[]> {
    const out: FiringReport[] = [];
    const stale = await this.deps.store.firings.abandoned(now - 30_000);
    for (const f of stale) {
      if (!(await this.deps.store.firings.reclaim(f.scheduleId, f.dueAt, f.firedBy, this.deps.selfId, now))) continue;
      const s = await this.deps.store.schedules.get(f.scheduleId);
      if (!s) continue;
      out.push(await this.startRun(s, f.dueAt, await this.policy(s.id), now));
    }
    return out;
  }

  private async policy(id: string): Promise<SchedulePolicy> {
    const r = await this.deps.store.db.selectFrom('schedules').select(['misfire', 'overlap', 'inspection', 'labels']).where('id', '=', id).executeTakeFirstOrThrow();
    return {
      misfire: r.misfire === 'skip' ? 'skip' : 'run-once',
      overlap: r.overlap === 'queue' || r.overlap === 'cancel-older' ? r.overlap : 'skip',
      inspection: r.inspection,
      labels: JSON.parse(r.labels) as Record<string, string>,
    };
  }
}
