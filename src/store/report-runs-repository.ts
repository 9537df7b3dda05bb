import type { Kysely, Selectable } from 'kysely';
import type { Database, ReportRunsTable } from './database.js';
import type { Severity } from '../findings/finding.js';

/** A run's report as recorded: its score (for history) and the files written. */
export interface ReportRunRecord {
  runId: string;
  inspection: string | null;
  score: number;
  grade: string;
  counts: { bySeverity: Record<Severity, number>; findings: number; targets: number };
  status: string;
  files: Record<string, string>;
  createdAt: number;
}

/** Scores and report files per run: one row per run, replaced when its report is rebuilt. */
export class ReportRunRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(r: ReportRunRecord): Promise<void> {
    const row = {
      run_id: r.runId,
      inspection: r.inspection,
      score_x10: Math.round(r.score * 10),
      grade: r.grade,
      counts: JSON.stringify(r.counts),
      status: r.status,
      files: JSON.stringify(r.files),
      created_at: r.createdAt,
    };
    const { run_id: _id, ...update } = row;
    await this.db
      .insertInto('report_runs')
      .values(row)
      .onConflict((oc) => oc.column('run_id').doUpdateSet(update))
      .execute();
  }

  async get(runId: string): Promise<ReportRunRecord | undefined> {
    const row = await this.db.selectFrom('report_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Recorded scores of these runs (missing ones are simply absent). */
  async getMany(runIds: readonly string[]): Promise<Map<string, ReportRunRecord>> {
    const out = new Map<string, ReportRunRecord>();
    for (let i = 0; i < runIds.length; i += 200) {
      const rows = await this.db.selectFrom('report_runs').selectAll().where('run_id', 'in', runIds.slice(i, i + 200)).execute();
      for (const r of rows) out.set(r.run_id, toRecord(r));
    }
    return out;
  }
}

function toRecord(r: Selectable<ReportRunsTable>): ReportRunRecord {
  return {
    runId: r.run_id,
    inspection: r.inspection,
    score: Number(r.score_x10) / 10,
    grade: r.grade,
    counts: JSON.parse(r.counts) as ReportRunRecord['counts'],
    status: r.status,
    files: JSON.parse(r.files) as Record<string, string>,
    createdAt: Number(r.created_at),
  };
}
