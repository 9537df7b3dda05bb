import type { RunDetail } from '../../engine/engine.js';
import type { RunDetailJson, RunJson } from '../../api/schemas/runs.js';
import type { RunRecord } from '../../store/records.js';

/** A run from the API in the engine's shape, so client mode prints exactly what the embedded mode prints. */
export function runRecordOf(r: RunJson): RunRecord {
  return {
    id: r.id,
    workflow: r.workflow,
    namespace: r.namespace,
    params: r.params,
    status: r.status,
    reason: r.reason,
    error: r.error,
    concurrencyKey: r.concurrencyKey,
    trigger: r.trigger,
    triggeredBy: r.triggeredBy,
    retryOf: r.retryOf,
    inspection: r.inspection,
    labels: r.labels,
    overrides: r.overrides,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    deadlineAt: r.deadlineAt,
    cancelRequestedAt: r.cancelRequestedAt,
    cancelReason: r.cancelReason,
    owner: null,
    heartbeatAt: null,
    dryRun: r.dryRun,
  };
}

export function runDetailOf(d: RunDetailJson): RunDetail {
  return {
    run: runRecordOf(d.run),
    steps: d.steps.map((s) => ({ ...s, runId: d.run.id, pendingNeeds: 0, item: s.item ?? null })),
    attempts: d.attempts.map((a) => ({ ...a, runId: d.run.id, outputs: null, processes: [] })),
  };
}
