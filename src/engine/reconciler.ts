import type { Store } from '../store/store.js';
import type { Dispatcher, EngineTask } from '../queue/dispatcher.js';
import type { Logger } from '../logging/logger.js';
import type { Engine } from './engine.js';
import { interruptAttempt } from './interrupt-attempt.js';

export interface ReconcilerOptions {
  /** How often to look. @defaultValue 5000 ms */
  intervalMs?: number;
  /** A worker silent for this long is dead; its running attempts are interrupted. @defaultValue 15000 ms */
  workerLeaseMs?: number;
  /** A queued attempt older than this is checked for a job in Redis. @defaultValue 15000 ms */
  queuedGraceMs?: number;
  /** An interrupted retry-safe step is re-run at most this many times. @defaultValue 3 */
  maxInterruptions?: number;
}

export interface ReconcileReport {
  interrupted: number;
  requeued: number;
  advanced: number;
}

/** A dispatcher that can tell whether the queue still holds a task (BullMQ). */
type CheckableDispatcher = Dispatcher & { hasJob?(task: EngineTask): Promise<boolean> };

/**
 * The distributed mode's safety net; the database is the source of truth and Redis is transport.
 * Every few seconds, for runs that no single process owns:
 *  - attempts `running` on a worker that stopped beating are interrupted (retried when their type
 *    is safe to repeat, failed otherwise),
 *  - attempts `queued` whose job Redis no longer holds (lost, flushed, restarted without
 *    persistence) are dispatched again,
 *  - active runs with nothing in flight are advanced (a lost advance, a passed deadline, a
 *    decision, a cancel request, a free concurrency slot).
 * Several servers may run it at once: every change is a compare-and-set under the run's lock, and
 * step jobs are deduplicated by id.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly o: Required<ReconcilerOptions>;

  constructor(
    private readonly deps: { store: Store; engine: Engine; dispatcher: CheckableDispatcher; logger: Logger; clock?: () => number; selfId: string },
    opts: ReconcilerOptions = {},
  ) {
    this.o = { intervalMs: opts.intervalMs ?? 5000, workerLeaseMs: opts.workerLeaseMs ?? 15_000, queuedGraceMs: opts.queuedGraceMs ?? 15_000, maxInterruptions: opts.maxInterruptions ?? 3 };
  }

  start(): this {
    this.timer = setInterval(() => void this.safeTick(), this.o.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async safeTick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const r = await this.tick();
      if (r.interrupted || r.requeued) this.deps.logger.info(r, 'reconciler repaired runs');
    } catch (err) {
      this.deps.logger.warn({ err }, 'reconciler tick failed');
    } finally {
      this.running = false;
    }
  }

  async tick(): Promise<ReconcileReport> {
    const { store, engine, dispatcher } = this.deps;
    const now = (this.deps.clock ?? Date.now)();
    const report: ReconcileReport = { interrupted: 0, requeued: 0, advanced: 0 };
    const live = new Set((await store.workers.live(now - this.o.workerLeaseMs)).map((w) => w.id));
    live.add(this.deps.selfId);
    const touched = new Set<string>();
    const unowned = new Map<string, boolean>();
    const isUnowned = async (runId: string) => {
      if (!unowned.has(runId)) unowned.set(runId, (await store.runs.getRun(runId))?.owner === null);
      return unowned.get(runId)!;
    };

    // 1. Attempts on dead workers.
    for (const a of await store.runs.attemptsAcrossRuns(['running'])) {
      if (a.owner === null || live.has(a.owner) || !(await isUnowned(a.runId))) continue;
      const task = await store.transaction(async (tx) => {
        await tx.runs.lockRun(a.runId, tx.dialect);
        const run = await tx.runs.getRun(a.runId);
        const current = await tx.runs.getAttempt(a.runId, a.step, a.attempt);
        if (!run || !current || current.status !== 'running' || current.owner !== a.owner) return undefined;
        const wf = await engine.workflowOf(run, tx);
        report.interrupted++;
        return (await interruptAttempt(tx, run, wf, current, { now, maxInterruptions: this.o.maxInterruptions })) ?? null;
      });
      if (task === undefined) continue;
      if (task) await dispatcher.dispatch(task);
      touched.add(a.runId);
    }

    // 2. Queued attempts whose job is gone.
    if (dispatcher.hasJob) {
      for (const a of await store.runs.attemptsAcrossRuns(['queued'], { queuedBefore: now - this.o.queuedGraceMs })) {
        if (!(await isUnowned(a.runId))) continue;
        const step = await store.runs.getStep(a.runId, a.step);
        if (!step || step.status !== 'queued' || step.attempts !== a.attempt) continue;
        const run = await store.runs.getRun(a.runId);
        if (!run) continue;
        const wf = await engine.workflowOf(run);
        const task: EngineTask = { kind: 'step', runId: a.runId, step: a.step, attempt: a.attempt, type: wf.steps.get(step.base)!.stepType.type };
        if (await dispatcher.hasJob(task)) continue;
        const delayMs = step.nextAttemptAt !== null ? Math.max(0, step.nextAttemptAt - now) : 0;
        await dispatcher.dispatch(task, delayMs ? { delayMs } : {});
        report.requeued++;
      }
    }

    // 3. Active runs with nothing in flight, or with something to act on.
    for (const run of await store.runs.activeRuns()) {
      if (run.owner !== null) continue;
      const due =
        touched.has(run.id) ||
        run.status === 'queued' ||
        run.status === 'waiting' ||
        run.cancelRequestedAt !== null ||
        (run.deadlineAt !== null && now >= run.deadlineAt) ||
        !(await store.runs.hasAttemptsIn(run.id, ['queued', 'running']));
      if (!due) continue;
      await engine.reevaluate(run.id);
      report.advanced++;
    }
    return report;
  }
}
