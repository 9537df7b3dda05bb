import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';
import type { AuditLogTable } from './server-tables.js';
import type { Page } from './records.js';
import { idFloor } from '../util/id-time.js';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditRecord {
  id: string;
  at: number;
  actor: string;
  actorKind: string;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  namespace: string | null;
  ip: string | null;
  userAgent: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown> | null;
}

export interface AuditFilter {
  actor?: string;
  /** Exact action, or a prefix ending in "." (e.g. "runs."). */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  namespace?: string;
  outcome?: AuditOutcome;
  since?: number;
  until?: number;
  /** Entries older than this id (paging newest first). */
  before?: string;
  limit: number;
}

/** The append-only audit log: there is no update or delete. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: e.id,
        at: e.at,
        actor: e.actor,
        actor_kind: e.actorKind,
        action: e.action,
        resource_type: e.resourceType,
        resource_id: e.resourceId,
        namespace: e.namespace,
        ip: e.ip,
        user_agent: e.userAgent,
        outcome: e.outcome,
        details: e.details === null ? null : JSON.stringify(e.details),
      })
      .execute();
  }

  async list(f: AuditFilter): Promise<Page<AuditRecord>> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(f.limit + 1);
    if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
    if (f.action !== undefined) q = f.action.endsWith('.') ? q.where('action', 'like', `${f.action.replace(/[%_]/g, '')}%`) : q.where('action', '=', f.action);
    if (f.resourceType !== undefined) q = q.where('resource_type', '=', f.resourceType);
    if (f.resourceId !== undefined) q = q.where('resource_id', '=', f.resourceId);
    if (f.namespace !== undefined) q = q.where('namespace', '=', f.namespace);
    if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
    if (f.since !== undefined) q = q.where('id', '>=', idFloor(f.since));
    if (f.until !== undefined) q = q.where('id', '<', idFloor(f.until));
    if (f.before !== undefined) q = q.where('id', '<', f.before);
    const rows = (await q.execute()).map(toAudit);
    return rows.length > f.limit ? { items: rows.slice(0, f.limit), next: rows[f.limit - 1]!.id } : { items: rows };
  }
}

function toAudit(r: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: r.id,
    at: Number(r.at),
    actor: r.actor,
    actorKind: r.actor_kind,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    namespace: r.namespace,
    ip: r.ip,
    userAgent: r.user_agent,
    outcome: r.outcome as AuditOutcome,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  };
}
