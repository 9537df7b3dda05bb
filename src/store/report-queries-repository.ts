import type { Kysely, Selectable } from 'kysely';
import type { Database, AlertsTable, ReportRunsTable, SilencesTable } from './database.js';
import type { Page } from './records.js';

/**
 * Paged reads over reports, alerts and silences for the API (keyset: newest first), kept apart
 * from the writers in report-runs-, alerts- and silences-repository.
 */
export class ReportQueryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async reports(opts: { inspection?: string; before?: string; limit: number }): Promise<Page<Selectable<ReportRunsTable>>> {
    let q = this.db.selectFrom('report_runs').selectAll().orderBy('run_id', 'desc').limit(opts.limit + 1);
    if (opts.inspection !== undefined) q = q.where('inspection', '=', opts.inspection);
    if (opts.before !== undefined) q = q.where('run_id', '<', opts.before);
    const rows = await q.execute();
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.run_id } : { items: rows };
  }

  /** Alerts by fingerprint (stable order for paging). */
  async alerts(opts: { state?: string; inspection?: string; severity?: string; after?: string; limit: number }): Promise<Page<Selectable<AlertsTable>>> {
    let q = this.db.selectFrom('alerts').selectAll().orderBy('fingerprint').limit(opts.limit + 1);
    if (opts.state !== undefined) q = q.where('state', '=', opts.state);
    if (opts.inspection !== undefined) q = q.where('inspection', '=', opts.inspection);
    if (opts.severity !== undefined) q = q.where('severity', '=', opts.severity);
    if (opts.after !== undefined) q = q.where('fingerprint', '>', opts.after);
    const rows = await q.execute();
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.fingerprint } : { items: rows };
  }

  async silences(opts: { now: number; all: boolean; before?: string; limit: number }): Promise<Page<Selectable<SilencesTable>>> {
    let q = this.db.selectFrom('silences').selectAll().orderBy('id', 'desc').limit(opts.limit + 1);
    if (!opts.all) q = q.where('ends_at', '>', opts.now);
    if (opts.before !== undefined) q = q.where('id', '<', opts.before);
    const rows = await q.execute();
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.id } : { items: rows };
  }
}
