import type { Kysely, Selectable } from 'kysely';
import type { ApprovalsTable, Database } from './database.js';
import type { Page } from './records.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface ApprovalRecord {
  id: string;
  runId: string;
  step: string;
  attempt: number;
  namespace: string;
  status: ApprovalStatus;
  message: string;
  plan: string | null;
  approvers: { users: string[]; roles: string[] };
  requestedAt: number;
  expiresAt: number | null;
  onTimeout: 'approve' | 'reject';
  decidedBy: string | null;
  decidedAt: number | null;
  comment: string | null;
}

/** Approval requests of waiting steps and their decisions. */
export class ApprovalRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(a: ApprovalRecord): Promise<void> {
    await this.db
      .insertInto('approvals')
      .values({
        id: a.id,
        run_id: a.runId,
        step: a.step,
        attempt: a.attempt,
        namespace: a.namespace,
        status: a.status,
        message: a.message,
        plan: a.plan,
        approvers: JSON.stringify(a.approvers),
        requested_at: a.requestedAt,
        expires_at: a.expiresAt,
        on_timeout: a.onTimeout,
        decided_by: a.decidedBy,
        decided_at: a.decidedAt,
        comment: a.comment,
      })
      .execute();
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const r = await this.db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toApproval(r) : undefined;
  }

  async forAttempt(runId: string, step: string, attempt: number): Promise<ApprovalRecord | undefined> {
    const r = await this.db.selectFrom('approvals').selectAll().where('run_id', '=', runId).where('step', '=', step).where('attempt', '=', attempt).executeTakeFirst();
    return r ? toApproval(r) : undefined;
  }

  async list(filter: { status?: ApprovalStatus[]; runId?: string; namespace?: string; namespaces?: readonly string[]; limit?: number; before?: string } = {}): Promise<Page<ApprovalRecord>> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    let q = this.db.selectFrom('approvals').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (filter.status?.length) q = q.where('status', 'in', filter.status);
    if (filter.runId) q = q.where('run_id', '=', filter.runId);
    if (filter.namespace) q = q.where('namespace', '=', filter.namespace);
    if (filter.namespaces) q = q.where('namespace', 'in', filter.namespaces.length ? [...filter.namespaces] : ['\u0000']);
    if (filter.before) q = q.where('id', '<', filter.before);
    const rows = await q.execute();
    const items = rows.slice(0, limit).map(toApproval);
    return rows.length > limit ? { items, next: items[items.length - 1]!.id } : { items };
  }

  /** Records a decision if the request is still pending; false if someone decided first. */
  async decide(id: string, d: { status: ApprovalStatus; by: string | null; at: number; comment: string | null }): Promise<boolean> {
    const res = await this.db
      .updateTable('approvals')
      .set({ status: d.status, decided_by: d.by, decided_at: d.at, comment: d.comment })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}

function toApproval(r: Selectable<ApprovalsTable>): ApprovalRecord {
  return {
    id: r.id,
    runId: r.run_id,
    step: r.step,
    attempt: Number(r.attempt),
    namespace: r.namespace,
    status: r.status as ApprovalStatus,
    message: r.message,
    plan: r.plan,
    approvers: JSON.parse(r.approvers) as ApprovalRecord['approvers'],
    requestedAt: Number(r.requested_at),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    onTimeout: r.on_timeout as 'approve' | 'reject',
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    comment: r.comment,
  };
}
