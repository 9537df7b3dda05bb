import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface LeaseHolder {
  runId: string;
  step: string;
  attempt: number;
}

export interface HeldLease extends LeaseHolder {
  target: string;
  expiresAt: number;
}

/**
 * Target leases: before a step changes a host, namespace or database it takes a lease on each
 * target; another run's step on the same target waits. Expired leases (a crashed holder) are
 * taken over. Call inside a transaction so a partial set is never kept.
 */
export class LeaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Takes every lease or none; returns the lease that blocked, if any. */
  async acquire(targets: readonly string[], holder: LeaseHolder, now: number, expiresAt: number): Promise<HeldLease | undefined> {
    for (const target of [...new Set(targets)].sort()) {
      const current = await this.db.selectFrom('leases').selectAll().where('target', '=', target).executeTakeFirst();
      const mine = current && current.run_id === holder.runId && current.step === holder.step && Number(current.attempt) === holder.attempt;
      if (current && !mine && Number(current.expires_at) > now) {
        return { target, runId: current.run_id, step: current.step, attempt: Number(current.attempt), expiresAt: Number(current.expires_at) };
      }
      const row = { target, run_id: holder.runId, step: holder.step, attempt: holder.attempt, acquired_at: now, expires_at: expiresAt };
      await this.db
        .insertInto('leases')
        .values(row)
        .onConflict((oc) => oc.column('target').doUpdateSet({ run_id: row.run_id, step: row.step, attempt: row.attempt, acquired_at: now, expires_at: expiresAt }))
        .execute();
    }
    return undefined;
  }

  async release(holder: LeaseHolder): Promise<void> {
    await this.db.deleteFrom('leases').where('run_id', '=', holder.runId).where('step', '=', holder.step).where('attempt', '=', holder.attempt).execute();
  }

  async list(): Promise<HeldLease[]> {
    const rows = await this.db.selectFrom('leases').selectAll().orderBy('target').execute();
    return rows.map((r) => ({ target: r.target, runId: r.run_id, step: r.step, attempt: Number(r.attempt), expiresAt: Number(r.expires_at) }));
  }
}
