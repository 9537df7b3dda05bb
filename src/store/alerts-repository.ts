import type { Kysely, Selectable } from 'kysely';
import type { AlertsTable, Database } from './database.js';
import type { AlertRecord, AlertState, ChannelNotice } from '../alerts/alert-record.js';

/** Alert state across runs, keyed by the fingerprint of the alert's labels. */
export class AlertRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts or replaces alerts (their whole state; callers read, change and write back). */
  async upsert(alerts: readonly AlertRecord[]): Promise<void> {
    // One transaction for many rows (SQLite commits each statement otherwise); callers inside a
    // transaction already have one.
    if (alerts.length > 1 && !this.db.isTransaction) {
      await this.db.transaction().execute((trx) => new AlertRepository(trx).upsert(alerts));
      return;
    }
    for (const a of alerts) {
      const row = toRow(a);
      const { fingerprint: _fp, ...update } = row;
      await this.db
        .insertInto('alerts')
        .values(row)
        .onConflict((oc) => oc.column('fingerprint').doUpdateSet(update))
        .execute();
    }
  }

  async getMany(fingerprints: readonly string[]): Promise<Map<string, AlertRecord>> {
    const out = new Map<string, AlertRecord>();
    for (let i = 0; i < fingerprints.length; i += 200) {
      const rows = await this.db.selectFrom('alerts').selectAll().where('fingerprint', 'in', fingerprints.slice(i, i + 200)).execute();
      for (const r of rows) out.set(r.fingerprint, toAlert(r));
    }
    return out;
  }

  async firingOf(inspection: string): Promise<AlertRecord[]> {
    const rows = await this.db.selectFrom('alerts').selectAll().where('inspection', '=', inspection).where('state', '=', 'firing').execute();
    return rows.map(toAlert);
  }

  /** Newest change first. */
  async list(opts: { state?: AlertState; inspection?: string; limit?: number } = {}): Promise<AlertRecord[]> {
    let q = this.db.selectFrom('alerts').selectAll().orderBy('updated_at', 'desc').orderBy('fingerprint').limit(Math.min(Math.max(opts.limit ?? 100, 1), 5000));
    if (opts.state) q = q.where('state', '=', opts.state);
    if (opts.inspection !== undefined) q = q.where('inspection', '=', opts.inspection);
    return (await q.execute()).map(toAlert);
  }
}

function toRow(a: AlertRecord): Selectable<AlertsTable> {
  return {
    fingerprint: a.fingerprint,
    inspection: a.inspection,
    rule: a.rule,
    state: a.state,
    labels: JSON.stringify(a.labels),
    annotations: JSON.stringify(a.annotations),
    finding_fingerprint: a.findingFingerprint,
    check_id: a.check,
    target: a.target,
    host: a.host,
    severity: a.severity,
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    last_seen_at: a.lastSeenAt,
    last_run_id: a.lastRunId,
    notified: JSON.stringify(a.notified),
    silenced_by: a.silencedBy.length ? JSON.stringify(a.silencedBy) : null,
    updated_at: a.updatedAt,
  };
}

function toAlert(r: Selectable<AlertsTable>): AlertRecord {
  return {
    fingerprint: r.fingerprint,
    inspection: r.inspection,
    rule: r.rule,
    state: r.state as AlertState,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    findingFingerprint: r.finding_fingerprint,
    check: r.check_id,
    target: r.target,
    host: r.host,
    severity: r.severity,
    startsAt: Number(r.starts_at),
    endsAt: r.ends_at === null ? null : Number(r.ends_at),
    lastSeenAt: Number(r.last_seen_at),
    lastRunId: r.last_run_id,
    notified: JSON.parse(r.notified) as Record<string, ChannelNotice>,
    silencedBy: r.silenced_by ? (JSON.parse(r.silenced_by) as string[]) : [],
    updatedAt: Number(r.updated_at),
  };
}
