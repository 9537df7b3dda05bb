import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { LogRecord, Page } from './records.js';

export interface LogQuery {
  runId: string;
  step?: string;
  /** Return lines with id greater than this (paging forward, following). */
  after?: number;
  /** Return the last `limit` lines with id less than this (paging back from a tail); oldest first. */
  before?: number;
  limit?: number;
}

/** Step log lines. Writers append in batches; readers page by id, so following a live run is cheap. */
export class LogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(lines: Omit<LogRecord, 'id'>[]): Promise<void> {
    for (let i = 0; i < lines.length; i += 100) {
      await this.db
        .insertInto('step_logs')
        .values(
          lines.slice(i, i + 100).map((l) => ({
            run_id: l.runId,
            step: l.step,
            attempt: l.attempt,
            seq: l.seq,
            ts: l.ts,
            stream: l.stream,
            message: l.message,
          })),
        )
        .execute();
    }
  }

  /**
   * Where to start reading to get only the last `n` lines (tail mode): the id just before them,
   * or undefined when there are fewer than `n` lines.
   */
  async tailStart(runId: string, n: number, step?: string): Promise<number | undefined> {
    let q = this.db.selectFrom('step_logs').select('id').where('run_id', '=', runId);
    if (step) q = q.where('step', '=', step);
    const row = await q.orderBy('id', 'desc').limit(1).offset(n).executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }

  /** Lines with after < id <= upTo (what a follower skips when it jumps ahead). */
  async count(q: { runId: string; step?: string; after?: number; upTo: number }): Promise<number> {
    let query = this.db.selectFrom('step_logs').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('run_id', '=', q.runId).where('id', '<=', q.upTo);
    if (q.step) query = query.where('step', '=', q.step);
    if (q.after !== undefined) query = query.where('id', '>', q.after);
    const row = await query.executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async read(q: LogQuery): Promise<Page<LogRecord>> {
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 10_000);
    if (q.before !== undefined) return { items: await this.readBefore(q.runId, q.before, limit, q.step) };
    let query = this.db
      .selectFrom('step_logs')
      .selectAll()
      .where('run_id', '=', q.runId)
      .orderBy('id')
      .limit(limit + 1);
    if (q.step) query = query.where('step', '=', q.step);
    if (q.after !== undefined) query = query.where('id', '>', q.after);
    const rows = await query.execute();
    const items = rows.slice(0, limit).map(logRecordOf);
    return rows.length > limit ? { items, next: String(items[items.length - 1]!.id) } : { items };
  }

  private async readBefore(runId: string, before: number, limit: number, step?: string): Promise<LogRecord[]> {
    let query = this.db.selectFrom('step_logs').selectAll().where('run_id', '=', runId).where('id', '<', before);
    if (step) query = query.where('step', '=', step);
    const rows = await query.orderBy('id', 'desc').limit(limit).execute();
    return rows.reverse().map(logRecordOf);
  }
}

function logRecordOf(r: { id: number | bigint | string; run_id: string; step: string; attempt: number | bigint | string; seq: number | bigint | string; ts: number | bigint | string; stream: string; message: string }): LogRecord {
  return { id: Number(r.id), runId: r.run_id, step: r.step, attempt: Number(r.attempt), seq: Number(r.seq), ts: Number(r.ts), stream: r.stream, message: r.message };
}
