import type { RunDetail } from '../engine/engine.js';

/**
 * The stable `--json` shape of a run: id, status, and per step its status, the number of attempts
 * made and its outputs (see README, "Contract for scripts").
 */
export function runJson(d: RunDetail): Record<string, unknown> {
  const { run } = d;
  return {
    id: run.id,
    workflow: run.workflow,
    namespace: run.namespace,
    status: run.status,
    reason: run.reason,
    params: run.params,
    retryOf: run.retryOf,
    dryRun: run.dryRun,
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    steps: d.steps.map((s) => ({
      name: s.name,
      status: s.status,
      attempts: s.attempts,
      outputs: s.outputs ?? {},
      ...(s.error ? { error: { code: s.error.code, message: s.error.message } } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.reusedFrom ? { reusedFrom: s.reusedFrom } : {}),
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
    })),
  };
}

function iso(ts: number | null): string | null {
  return ts === null ? null : new Date(ts).toISOString();
}
