import type { Kysely } from 'kysely';
import type { Database } from './database.js';

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

  /** Decisions of one inspection run, or about one target, newest first. */
  async decisions(f: { inspectionRunId?: string; target?: string; limit?: number }): Promise<RemediationDecision[]> {
    let q = this.db.selectFrom('remediation_decisions').selectAll();
    if (f.inspectionRunId) q = q.where('inspection_run_id', '=', f.inspectionRunId);
    if (f.target) q = q.where('target', '=', f.target);
    const rows = await q.orderBy('decided_at', 'desc').orderBy('id').limit(f.limit ?? 500).execute();
    return rows.map((r) => ({ id: r.id, inspectionRunId: r.inspection_run_id, findingId: r.finding_id, fingerprint: r.fingerprint, check: r.check_id, target: r.target, environment: r.environment, decision: r.decision === 'started' ? 'started' : 'skipped', reason: r.reason, runId: r.run_id, decidedAt: Number(r.decided_at) }));
  }
}
