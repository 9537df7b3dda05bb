import type { Kysely, Selectable } from 'kysely';
import type { Database, DeliveriesTable } from './database.js';
import type { ChannelType, DeliveryKind, DeliveryRecord } from '../notify/delivery.js';
import { fromJson, toJson } from './json.js';

/** Deliveries of reports and notifications, kept per run so a failure is never silent. */
export class DeliveryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(d: DeliveryRecord): Promise<void> {
    await this.db
      .insertInto('deliveries')
      .values({
        id: d.id,
        run_id: d.runId,
        kind: d.kind,
        channel: d.channel,
        channel_type: d.channelType,
        destination: d.destination,
        subject: d.subject,
        status: d.status,
        attempts: d.attempts,
        error: d.error,
        response: d.response,
        alerts: toJson(d.alerts),
        bytes: d.bytes,
        created_at: d.createdAt,
        finished_at: d.finishedAt,
      })
      .execute();
  }

  async listByRun(runId: string): Promise<DeliveryRecord[]> {
    const rows = await this.db.selectFrom('deliveries').selectAll().where('run_id', '=', runId).orderBy('id').execute();
    return rows.map(toDelivery);
  }

  /** Newest first. */
  async list(opts: { status?: 'sent' | 'failed'; limit?: number } = {}): Promise<DeliveryRecord[]> {
    let q = this.db.selectFrom('deliveries').selectAll().orderBy('id', 'desc').limit(Math.min(Math.max(opts.limit ?? 50, 1), 1000));
    if (opts.status) q = q.where('status', '=', opts.status);
    return (await q.execute()).map(toDelivery);
  }
}

function toDelivery(r: Selectable<DeliveriesTable>): DeliveryRecord {
  return {
    id: r.id,
    runId: r.run_id,
    kind: r.kind as DeliveryKind,
    channel: r.channel,
    channelType: r.channel_type as ChannelType,
    destination: r.destination,
    subject: r.subject,
    status: r.status as DeliveryRecord['status'],
    attempts: Number(r.attempts),
    error: r.error,
    response: r.response,
    alerts: fromJson<string[]>(r.alerts),
    bytes: r.bytes === null ? null : Number(r.bytes),
    createdAt: Number(r.created_at),
    finishedAt: Number(r.finished_at),
  };
}
