import type { Kysely, Selectable } from 'kysely';
import type { Database, SilencesTable } from './database.js';
import type { Matcher, Silence } from '../alerts/silence.js';

/** Silences; expiring one sets its end to now (kept for the record, like Alertmanager). */
export class SilenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: Silence): Promise<void> {
    await this.db
      .insertInto('silences')
      .values({ id: s.id, matchers: JSON.stringify(s.matchers), starts_at: s.startsAt, ends_at: s.endsAt, created_by: s.createdBy, comment: s.comment, created_at: s.createdAt, updated_at: s.updatedAt })
      .execute();
  }

  async get(id: string): Promise<Silence | undefined> {
    const row = await this.db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSilence(row) : undefined;
  }

  /** Ids starting with a prefix (as typed on the command line). */
  async resolveId(prefix: string): Promise<string[]> {
    // Ids are [0-9a-z]: LIKE works the same in SQLite and PostgreSQL (a range with \uffff does not under every collation).
    const rows = await this.db.selectFrom('silences').select('id').where('id', 'like', `${prefix.replace(/[^0-9a-z]/g, '')}%`).limit(2).execute();
    return rows.map((r) => r.id);
  }

  /** Silences not yet ended at `now` (active or pending). */
  async unexpired(now: number): Promise<Silence[]> {
    const rows = await this.db.selectFrom('silences').selectAll().where('ends_at', '>', now).orderBy('id').execute();
    return rows.map(toSilence);
  }

  /** Newest first; expired ones too when `all`. */
  async list(opts: { now: number; all?: boolean; limit?: number }): Promise<Silence[]> {
    let q = this.db.selectFrom('silences').selectAll().orderBy('id', 'desc').limit(Math.min(Math.max(opts.limit ?? 100, 1), 5000));
    if (!opts.all) q = q.where('ends_at', '>', opts.now);
    return (await q.execute()).map(toSilence);
  }

  /** Ends a silence now; false when it had already ended. */
  async expire(id: string, now: number): Promise<boolean> {
    const res = await this.db.updateTable('silences').set({ ends_at: now, updated_at: now }).where('id', '=', id).where('ends_at', '>', now).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}

function toSilence(r: Selectable<SilencesTable>): Silence {
  return {
    id: r.id,
    matchers: JSON.parse(r.matchers) as Matcher[],
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
