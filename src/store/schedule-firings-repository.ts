import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface FiringRecord {
  scheduleId: string;
  dueAt: number;
  firedAt: number;
  firedBy: string;
  runId: string | null;
  /** claimed (its run is being started) | fired | skipped-misfire | failed */
  outcome: 'claimed' | 'fired' | 'skipped-misfire' | 'failed';
}

/** Firings of schedules: the primary key (schedule, due time) makes each due time fire once. */
export class ScheduleFiringRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Claims a due time; true for the one process that wins, false for every other. */
  async claim(f: Omit<FiringRecord, 'runId'>): Promise<boolean> {
    const res = await this.db
      .insertInto('schedule_firings')
      .values({ schedule_id: f.scheduleId, due_at: f.dueAt, fired_at: f.firedAt, fired_by: f.firedBy, run_id: null, outcome: f.outcome })
      .onConflict((oc) => oc.columns(['schedule_id', 'due_at']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async setRun(scheduleId: string, dueAt: number, runId: string | null, outcome: FiringRecord['outcome']): Promise<void> {
    await this.db.updateTable('schedule_firings').set({ run_id: runId, outcome }).where('schedule_id', '=', scheduleId).where('due_at', '=', dueAt).execute();
  }

  /** Claims whose run was never started (the claimer died): older than `before`. */
  async abandoned(before: number): Promise<FiringRecord[]> {
    const rows = await this.db.selectFrom('schedule_firings').selectAll().where('outcome', '=', 'claimed').where('fired_at', '<', before).limit(100).execute();
    return rows.map((r) => ({ scheduleId: r.schedule_id, dueAt: Number(r.due_at), firedAt: Number(r.fired_at), firedBy: r.fired_by, runId: r.run_id, outcome: 'claimed' as const }));
  }

  /** Takes over an abandoned claim (compare-and-set on who held it). */
  async reclaim(scheduleId: string, dueAt: number, from: string, to: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('schedule_firings')
      .set({ fired_by: to, fired_at: now })
      .where('schedule_id', '=', scheduleId)
      .where('due_at', '=', dueAt)
      .where('fired_by', '=', from)
      .where('outcome', '=', 'claimed')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async list(scheduleId: string, limit = 50): Promise<FiringRecord[]> {
    const rows = await this.db.selectFrom('schedule_firings').selectAll().where('schedule_id', '=', scheduleId).orderBy('due_at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ scheduleId: r.schedule_id, dueAt: Number(r.due_at), firedAt: Number(r.fired_at), firedBy: r.fired_by, runId: r.run_id, outcome: r.outcome as FiringRecord['outcome'] }));
  }
}
