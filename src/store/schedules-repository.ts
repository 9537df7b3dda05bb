import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';
import type { Page } from './records.js';

export interface ScheduleRecord {
  id: string;
  namespace: string;
  name: string;
  workflow: string;
  /** null = the latest version when the schedule fires. */
  workflowVersion: number | null;
  cron: string;
  timezone: string;
  params: Record<string, unknown>;
  enabled: boolean;
  description: string | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  nextRunAt: number | null;
  lastRunAt: number | null;
  lastRunId: string | null;
  /** Due times missed while no server ran: skip them, or run once for the latest (migration 0005). */
  misfire: MisfirePolicy;
  /** When the previous run is still active: skip, queue, or cancel the older one. */
  overlap: OverlapPolicy;
  /** Inspection name of the runs (runs of one inspection are compared). */
  inspection: string | null;
  labels: Record<string, string>;
}

export const MISFIRE_POLICIES = ['skip', 'run-once'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];
export const OVERLAP_POLICIES = ['skip', 'queue', 'cancel-older'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export type SchedulePatch = Partial<Pick<ScheduleRecord, 'workflow' | 'workflowVersion' | 'cron' | 'timezone' | 'params' | 'enabled' | 'description' | 'nextRunAt' | 'lastRunAt' | 'lastRunId' | 'misfire' | 'overlap' | 'inspection' | 'labels'>>;

/** Schedules: when to trigger which workflow with which params. The scheduler reads them from here. */
export class ScheduleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a schedule; the scheduler's policy fields default as in migration 0005. */
  async insert(s: Omit<ScheduleRecord, 'misfire' | 'overlap' | 'inspection' | 'labels'> & Partial<Pick<ScheduleRecord, 'misfire' | 'overlap' | 'inspection' | 'labels'>>): Promise<void> {
    await this.db
      .insertInto('schedules')
      .values({
        id: s.id,
        namespace: s.namespace,
        name: s.name,
        workflow: s.workflow,
        workflow_version: s.workflowVersion,
        cron: s.cron,
        timezone: s.timezone,
        params: JSON.stringify(s.params),
        enabled: s.enabled ? 1 : 0,
        description: s.description,
        created_by: s.createdBy,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
        next_run_at: s.nextRunAt,
        last_run_at: s.lastRunAt,
        last_run_id: s.lastRunId,
        misfire: s.misfire ?? 'run-once',
        overlap: s.overlap ?? 'skip',
        inspection: s.inspection ?? null,
        labels: JSON.stringify(s.labels ?? {}),
      })
      .execute();
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const r = await this.db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toSchedule(r) : undefined;
  }

  async byName(namespace: string, name: string): Promise<ScheduleRecord | undefined> {
    const r = await this.db.selectFrom('schedules').selectAll().where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
    return r ? toSchedule(r) : undefined;
  }

  async list(opts: { namespaces?: readonly string[]; after?: string; limit: number }): Promise<Page<ScheduleRecord>> {
    let q = this.db.selectFrom('schedules').selectAll().orderBy('id').limit(opts.limit + 1);
    if (opts.namespaces) q = q.where('namespace', 'in', opts.namespaces.length ? [...opts.namespaces] : ['\u0000']);
    if (opts.after !== undefined) q = q.where('id', '>', opts.after);
    const rows = (await q.execute()).map(toSchedule);
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.id } : { items: rows };
  }

  /** Enabled schedules due at `now` (for the scheduler). */
  async due(now: number, limit = 100): Promise<ScheduleRecord[]> {
    const rows = await this.db.selectFrom('schedules').selectAll().where('enabled', '=', 1).where('next_run_at', '<=', now).orderBy('next_run_at').limit(limit).execute();
    return rows.map(toSchedule);
  }

  async update(id: string, p: SchedulePatch, now: number): Promise<boolean> {
    const set: Partial<Selectable<Database['schedules']>> = { updated_at: now };
    if (p.workflow !== undefined) set.workflow = p.workflow;
    if (p.workflowVersion !== undefined) set.workflow_version = p.workflowVersion;
    if (p.cron !== undefined) set.cron = p.cron;
    if (p.timezone !== undefined) set.timezone = p.timezone;
    if (p.params !== undefined) set.params = JSON.stringify(p.params);
    if (p.enabled !== undefined) set.enabled = p.enabled ? 1 : 0;
    if (p.description !== undefined) set.description = p.description;
    if (p.nextRunAt !== undefined) set.next_run_at = p.nextRunAt;
    if (p.lastRunAt !== undefined) set.last_run_at = p.lastRunAt;
    if (p.lastRunId !== undefined) set.last_run_id = p.lastRunId;
    if (p.misfire !== undefined) set.misfire = p.misfire;
    if (p.overlap !== undefined) set.overlap = p.overlap;
    if (p.inspection !== undefined) set.inspection = p.inspection;
    if (p.labels !== undefined) set.labels = JSON.stringify(p.labels);
    const res = await this.db.updateTable('schedules').set(set).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('schedules').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toSchedule(r: Selectable<Database['schedules']>): ScheduleRecord {
  return {
    id: r.id,
    namespace: r.namespace,
    name: r.name,
    workflow: r.workflow,
    workflowVersion: r.workflow_version === null ? null : Number(r.workflow_version),
    cron: r.cron,
    timezone: r.timezone,
    params: JSON.parse(r.params) as Record<string, unknown>,
    enabled: Number(r.enabled) === 1,
    description: r.description,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    nextRunAt: r.next_run_at === null ? null : Number(r.next_run_at),
    lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at),
    lastRunId: r.last_run_id,
    misfire: r.misfire as MisfirePolicy,
    overlap: r.overlap as OverlapPolicy,
    inspection: r.inspection,
    labels: JSON.parse(r.labels) as Record<string, string>,
  };
}
