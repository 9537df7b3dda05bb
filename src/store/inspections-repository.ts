import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { Page } from './records.js';

export interface InspectionRow {
  name: string;
  /** Id of the newest run of the inspection. */
  latestRunId: string;
}

/** Inspections are runs sharing an inspection name; this lists the names with their newest run. */
export class InspectionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(opts: { namespaces?: readonly string[]; after?: string; limit: number }): Promise<Page<InspectionRow>> {
    let q = this.db
      .selectFrom('runs')
      .select((eb) => ['inspection', eb.fn.max('id').as('latest')])
      .where('inspection', 'is not', null)
      .groupBy('inspection')
      .orderBy('inspection')
      .limit(opts.limit + 1);
    if (opts.namespaces) q = q.where('namespace', 'in', opts.namespaces.length ? [...opts.namespaces] : ['\u0000']);
    if (opts.after !== undefined) q = q.where('inspection', '>', opts.after);
    const rows = (await q.execute()).map((r) => ({ name: String(r.inspection), latestRunId: String(r.latest) }));
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.name } : { items: rows };
  }
}
