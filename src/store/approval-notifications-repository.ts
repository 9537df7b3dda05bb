import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** Which approval requests have been announced to their approvers (so each is announced once). */
export class ApprovalNotificationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Claims an approval for notification; false when another server claimed it first. */
  async claim(approvalId: string, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('approval_notifications')
      .values({ approval_id: approvalId, notified_at: now, result: '{}' })
      .onConflict((oc) => oc.column('approval_id').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async recordResult(approvalId: string, result: Record<string, unknown>): Promise<void> {
    await this.db.updateTable('approval_notifications').set({ result: JSON.stringify(result) }).where('approval_id', '=', approvalId).execute();
  }

  async get(approvalId: string): Promise<{ notifiedAt: number; result: Record<string, unknown> } | undefined> {
    const r = await this.db.selectFrom('approval_notifications').selectAll().where('approval_id', '=', approvalId).executeTakeFirst();
    return r ? { notifiedAt: Number(r.notified_at), result: JSON.parse(r.result) as Record<string, unknown> } : undefined;
  }
}
