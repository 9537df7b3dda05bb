import type { ApiDeps } from '../deps.js';
import type { Actor } from '../../auth/actor.js';
import type { Permission } from '../../auth/permissions.js';
import type { Page, RunRecord } from '../../store/records.js';
import type { RunJson, RunSummaryJson } from '../schemas/runs.js';
import { AccessDeniedError, InputError, NotFoundError } from '../../errors/index.js';
import { encodeCursor } from '../cursor.js';
import { ownerAlive } from '../../engine/owner.js';
import { isTerminalRun } from '../../engine/run-states.js';
import { workflowSchema } from '../../workflow/workflow-schema.js';

export const V1 = '/api/v1';
export const DEFAULT_LIMIT = 50;

/** Where the caller may use `p`: undefined = everywhere, else the namespaces (maybe none). */
export function namespacesFor(actor: Actor, p: Permission, asked?: string): readonly string[] | undefined {
  const where = actor.grants.namespaces(p);
  if (asked !== undefined) {
    if (where !== '*' && !where.includes(asked)) throw new AccessDeniedError(`${actor.name} lacks permission ${p} in namespace ${asked}`, { permission: p, namespace: asked });
    return [asked];
  }
  return where === '*' ? undefined : where;
}

export function pageJson<T, U>(page: Page<T>, map: (t: T) => U): { items: U[]; next: string | null } {
  return { items: page.items.map(map), next: encodeCursor(page.next) };
}

/** A run by id or unique id prefix (as the CLI accepts); 404 when none, 400 when ambiguous. */
export async function findRun(deps: ApiDeps, idOrPrefix: string): Promise<RunRecord> {
  const id = idOrPrefix.toLowerCase();
  if (id.length === 26) {
    const run = await deps.store.runs.getRun(id);
    if (run) return run;
    throw new NotFoundError(`run ${idOrPrefix} not found`, { run: idOrPrefix });
  }
  const matches = await deps.store.runs.resolveRunId(id);
  if (matches.length === 0) throw new NotFoundError(`run ${idOrPrefix} not found`, { run: idOrPrefix });
  if (matches.length > 1) throw new InputError(`run id prefix "${idOrPrefix}" is ambiguous; give more characters`, { field: 'path.id' });
  return (await deps.store.runs.getRun(matches[0]!))!;
}

export function runSummaryJson(r: RunRecord, now = Date.now()): RunSummaryJson {
  return {
    id: r.id,
    workflow: r.workflow,
    namespace: r.namespace,
    status: r.status,
    reason: r.reason,
    trigger: r.trigger,
    triggeredBy: r.triggeredBy,
    retryOf: r.retryOf,
    inspection: r.inspection,
    labels: r.labels,
    dryRun: r.dryRun,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    cancelRequestedAt: r.cancelRequestedAt,
    interrupted: !isTerminalRun(r.status) && !ownerAlive(r.owner, r.heartbeatAt, { now, leaseMs: 30_000 }),
  };
}

export const MASKED = '********';

/** The full run; values of params the definition declares `secret` are masked. */
export async function runJson(deps: ApiDeps, r: RunRecord): Promise<RunJson> {
  const parsed = workflowSchema.safeParse(await deps.store.runs.getDefinition(r.id));
  const secret = new Set(parsed.success ? parsed.data.spec.params.filter((p) => p.secret).map((p) => p.name) : Object.keys(r.params));
  const params = Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, secret.has(k) ? MASKED : v]));
  return {
    ...runSummaryJson(r),
    params,
    error: r.error ? { name: r.error.name, code: r.error.code, message: r.error.message, retryable: r.error.retryable, ...(r.error.details ? { details: r.error.details } : {}) } : null,
    cancelReason: r.cancelReason,
    deadlineAt: r.deadlineAt,
    concurrencyKey: r.concurrencyKey,
    overrides: r.overrides ?? {},
  };
}
