import { hostname } from 'node:os';
import type { Store } from '../store/store.js';
import type { AttemptRecord, RunRecord } from '../store/records.js';
import type { EngineTask } from '../queue/dispatcher.js';
import type { CompiledWorkflow } from '../workflow/compile-workflow.js';

/**
 * An attempt whose process died (a crashed `patrol run`, a killed worker). Inside the caller's
 * transaction: mark it `interrupted`, stop its orphaned processes on this host, and either queue a
 * new attempt (the step type says repeating is safe, within `maxInterruptions`) or fail the step
 * saying why it was not repeated. Returns the task to dispatch after commit, if any.
 */
export async function interruptAttempt(
  tx: Store,
  run: Pick<RunRecord, 'id' | 'owner'>,
  wf: CompiledWorkflow,
  a: AttemptRecord,
  opts: { now: number; maxInterruptions: number },
): Promise<EngineTask | undefined> {
  const step = await tx.runs.getStep(run.id, a.step);
  if (!step) return undefined;
  const compiled = wf.steps.get(step.base)!;
  const t = compiled.stepType;
  killOrphans(a.processes);
  const safe = typeof t.retrySafe === 'function' ? t.retrySafe(compiled.def.with) : t.retrySafe;
  const interrupted = (await tx.runs.listAttempts(run.id, a.step)).filter((x) => x.status === 'interrupted').length + 1;
  const message = `interrupted: the process running this step (${a.owner ?? run.owner ?? 'unknown'}) stopped`;
  const marked = await tx.runs.updateAttempt(run.id, a.step, a.attempt, { status: 'interrupted', finishedAt: opts.now, error: { name: 'StepError', code: 'interrupted', message, retryable: safe } }, ['running']);
  if (!marked) return undefined;
  await tx.leases.release({ runId: run.id, step: a.step, attempt: a.attempt });
  if (safe && interrupted <= opts.maxInterruptions) {
    await tx.runs.insertQueuedAttempt(run.id, a.step, a.attempt + 1, opts.now);
    await tx.runs.updateStep(run.id, a.step, { status: 'queued', attempts: a.attempt + 1, nextAttemptAt: null, reason: `${message}; step type ${t.type} is safe to repeat, retrying` });
    return { kind: 'step', runId: run.id, step: a.step, attempt: a.attempt + 1, type: t.type };
  }
  const why = safe ? `interrupted ${interrupted} times` : `step type ${t.type} is not safe to repeat automatically, so it was not run again (patrol retry ${run.id} runs it again)`;
  await tx.runs.updateStep(run.id, a.step, {
    status: 'failed',
    finishedAt: opts.now,
    error: { name: 'StepError', code: 'interrupted', message: `${message}; ${why}`, retryable: false },
    reason: why,
  });
  if (step.idx === null) await tx.runs.decrementPendingNeeds(run.id, compiled.dependents);
  return undefined;
}

/**
 * Process groups of an interrupted attempt may have outlived the Patrol process that started
 * them (they run detached so cancel can stop the whole group). Stop those on this host.
 */
export function killOrphans(processes: readonly string[]): void {
  for (const p of processes) {
    const i = p.lastIndexOf(':');
    if (p.slice(0, i) !== hostname()) continue;
    const pgid = Number(p.slice(i + 1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
