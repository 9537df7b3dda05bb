import type { Kysely, Selectable } from 'kysely';
import type { Database, RemediationDecisionsTable } from './database.js';
import type { Page } from './records.js';
import { globCondition } from './glob-condition.js';

export interface RemediationRecord {
  runId: string;
  findingId: string;
  fingerprint: string;
  check: string;
  target: string;
  workflow: string;
  automatic: boolean;
  startedBy: string | null;
  startedAt: number;
}

/** What an auto-remediation rule did with a finding: started its runbook, or skipped it and why. */
export interface RemediationDecision {
  id: string;
  inspectionRunId: string;
  findingId: string;
  fingerprint: string;
  check: string;
  target: string;
  environment: string;
  decision: 'started' | 'skipped';
  reason: string | null;
  runId: string | null;
  decidedAt: number;
}

export const DECISIONS = ['started', 'skipped'] as const;

/** Which decisions to list; every field narrows. */
export interface DecisionFilter {
  inspectionRunId?: string;
  /** Check id or glob (`host.disk.*`). */
  check?: string;
  /** Target or glob (`web-*`). */
  target?: string;
  decision?: (typeof DECISIONS)[number];
  /** Only decisions of inspection runs in these namespaces (what the caller may read); empty = none. */
  namespaces?: readonly string[];
  /** Keyset paging: decisions with an id below this (the `next` of the previous page). */
  before?: string;
  /** @defaultValue 50 (at most 1000) */
  limit?: number;
}

/** Remediation runs started from findings (for the circuit breaker and a finding's history). */
export class RemediationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: RemediationRecord): Promise<void> {
    await this.db
      .insertInto('remediations')
      .values({ run_id: r.runId, finding_id: r.findingId, fingerprint: r.fingerprint, check_id: r.check, target: r.target, workflow: r.workflow, automatic: r.automatic ? 1 : 0, started_by: r.startedBy, started_at: r.startedAt })
      .execute();
  }

  /** Remediations of a target since `since` (automatic ones only when asked). */
  async countForTarget(target: string, since: number, opts: { automaticOnly?: boolean } = {}): Promise<number> {
    let q = this.db.selectFrom('remediations').select((eb) => eb.fn.countAll<number>().as('n')).where('target', '=', target).where('started_at', '>=', since);
    if (opts.automaticOnly) q = q.where('automatic', '=', 1);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async forFingerprint(fingerprint: string, limit = 20): Promise<RemediationRecord[]> {
    const rows = await this.db.selectFrom('remediations').selectAll().where('fingerprint', '=', fingerprint).orderBy('started_at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ runId: r.run_id, findingId: r.finding_id, fingerprint: r.fingerprint, check: r.check_id, target: r.target, workflow: r.workflow, automatic: Number(r.automatic) === 1, startedBy: r.started_by, startedAt: Number(r.started_at) }));
  }

  async insertDecision(d: RemediationDecision): Promise<void> {
    await this.db
      .insertInto('remediation_decisions')
      .values({ id: d.id, inspection_run_id: d.inspectionRunId, finding_id: d.findingId, fingerprint: d.fingerprint, check_id: d.check, target: d.target, environment: d.environment, decision: d.decision, reason: d.reason, run_id: d.runId, decided_at: d.decidedAt })
      .execute();
  }

  /** Decisions newest first (ids are time-ordered), paged by id. */
  async queryDecisions(f: DecisionFilter): Promise<Page<RemediationDecision>> {
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 1000);
    let q = this.db.selectFrom('remediation_decisions').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (f.inspectionRunId) q = q.where('inspection_run_id', '=', f.inspectionRunId);
    if (f.check) q = q.where(globCondition('check_id', f.check));
    if (f.target) q = q.where(globCondition('target', f.target));
    if (f.decision) q = q.where('decision', '=', f.decision);
    if (f.namespaces) {
      const ns = f.namespaces.length ? [...f.namespaces] : ['\u0000'];
      q = q.where('inspection_run_id', 'in', (eb) => eb.selectFrom('runs').select('runs.id').where('runs.namespace', 'in', ns));
    }
    if (f.before !== undefined) q = q.where('id', '<', f.before);
    const rows = await q.execute();
    const items = rows.slice(0, limit).map(toDecision);
    return rows.length > limit ? { items, next: items[items.length - 1]!.id } : { items };
  }

  /** Decisions of one inspection run, or about one target, newest first. */
  async decisions(f: { inspectionRunId?: string; target?: string; limit?: number }): Promise<RemediationDecision[]> {
    return (await this.queryDecisions({ ...f, limit: f.limit ?? 500 })).items;
  }
}

function toDecision(r: Selectable<RemediationDecisionsTable>): RemediationDecision {
  return { id: r.id, inspectionRunId: r.inspection_run_id, findingId: r.finding_id, fingerprint: r.fingerprint, check: r.check_id, target: r.target, environment: r.environment, decision: r.decision === 'started' ? 'started' : 'skipped', reason: r.reason, runId: r.run_id, decidedAt: Number(r.decided_at) };
}
