import type { Store } from '../store/store.js';
import type { RunRecord } from '../store/records.js';
import type { SerializedError } from '../errors/index.js';
import type { CompiledWorkflow } from '../workflow/compile-workflow.js';
import type { RunStatus } from './run-states.js';

export interface RunOutcome {
  status: RunStatus;
  reason: string | null;
  error?: SerializedError;
}

/**
 * The run's outcome from its steps: cancelled or timed out when that was requested, failed if a
 * step failed that was not allowed to (continueOnError), else succeeded. Finally steps see it as
 * `run.status` before the run ends.
 */
export async function runOutcome(tx: Store, run: RunRecord, wf: CompiledWorkflow, now: number): Promise<RunOutcome> {
  if (run.cancelRequestedAt !== null) return { status: 'cancelled', reason: run.cancelReason ?? 'cancelled' };
  if (run.deadlineAt !== null && now >= run.deadlineAt) return { status: 'timed-out', reason: `the run exceeded its timeout of ${wf.def.spec.timeout}` };
  const bad = (await tx.runs.getUnsuccessfulParents(run.id)).filter((s) => !(s.status === 'failed' && wf.steps.get(s.base)?.continueOnError));
  if (bad.length === 0) return { status: 'succeeded', reason: null };
  const order = [...wf.mainOrder, ...wf.finallyOrder];
  bad.sort((a, b) => order.indexOf(a.base) - order.indexOf(b.base));
  const first = bad[0]!;
  const res: RunOutcome = { status: 'failed', reason: `step "${first.name}" ${first.status}${first.error ? `: ${first.error.message}` : ''}` };
  if (first.error) res.error = first.error;
  return res;
}
