import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { epochMs, jsonObject, pageOf, pagingQuery, qTime } from '../schemas/common.js';
import { DEFAULT_LIMIT, pageJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { AUDIT_CSV_COLUMNS, auditCsvLine } from '../../audit/audit-service.js';
import type { AuditFilter } from '../../store/audit-repository.js';

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: epochMs,
    actor: z.string(),
    actorKind: z.string(),
    action: z.string(),
    resourceType: z.string().nullable(),
    resourceId: z.string().nullable(),
    namespace: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    outcome: z.enum(['success', 'failure', 'denied']),
    details: jsonObject.nullable(),
  })
  .meta({ id: 'AuditEntry' });

const filterQuery = {
  actor: z.string().max(128).optional(),
  /** Exact action (runs.trigger) or a prefix ending in "." (runs.). */
  action: z.string().max(64).optional(),
  resourceType: z.string().max(64).optional(),
  resourceId: z.string().max(300).optional(),
  namespace: z.string().max(63).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  since: qTime.optional(),
  until: qTime.optional(),
};

function filterOf(q: { actor?: string | undefined; action?: string | undefined; resourceType?: string | undefined; resourceId?: string | undefined; namespace?: string | undefined; outcome?: AuditFilter['outcome'] | undefined; since?: number | undefined; until?: number | undefined }): Omit<AuditFilter, 'limit'> {
  return {
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.resourceType ? { resourceType: q.resourceType } : {}),
    ...(q.resourceId ? { resourceId: q.resourceId } : {}),
    ...(q.namespace ? { namespace: q.namespace } : {}),
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  };
}

/** The audit log: query (newest first) and export (JSON lines or CSV, streamed page by page). */
export function auditRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/audit`,
      tag: 'audit',
      summary: 'Audit log entries, newest first: who did what, when, from where, and the outcome',
      access: 'audit.read',
      query: z.object({ ...filterQuery, ...pagingQuery }).strict(),
      response: pageOf(auditEntrySchema),
      async handler({ query }) {
        const page = await deps.audit.list({ ...filterOf(query), limit: query.limit ?? DEFAULT_LIMIT, ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}) });
        return pageJson(page, (e) => e);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/audit/export`,
      tag: 'audit',
      summary: 'Export the audit log (JSON lines or CSV) under the same filters, newest first',
      access: 'audit.read',
      query: z.object({ ...filterQuery, format: z.enum(['jsonl', 'csv']).default('jsonl') }).strict(),
      response: { stream: 'application/x-ndjson', description: 'one entry per line (JSON lines), or CSV with format=csv' },
      audit: { action: 'audit.export', resourceType: 'audit' },
      async handler({ query, res, audit }) {
        audit.details = { format: query.format, filter: filterOf(query) };
        const csv = query.format === 'csv';
        res.status(200).set({
          'Content-Type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          'Content-Disposition': `attachment; filename="patrol-audit.${csv ? 'csv' : 'jsonl'}"`,
        });
        if (csv) res.write(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
        for await (const e of deps.audit.entries(filterOf(query))) {
          const ok = res.write(csv ? auditCsvLine(e) : `${JSON.stringify({ ...e, at: new Date(e.at).toISOString() })}\n`);
          if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve));
          if (res.destroyed) return;
        }
      },
    }),
  ];
}
