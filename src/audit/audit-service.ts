import type { Store } from '../store/store.js';
import type { AuditFilter, AuditOutcome, AuditRecord } from '../store/audit-repository.js';
import type { Page } from '../store/records.js';
import type { Logger } from '../logging/logger.js';
import { newId } from '../util/ids.js';

export interface AuditEvent {
  actor: string;
  /** user | token | session | system | anonymous | cli */
  actorKind: string;
  action: string;
  resourceType?: string | null;
  resourceId?: string | null;
  namespace?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  outcome: AuditOutcome;
  details?: Record<string, unknown> | null;
}

/** Keys whose values never reach the audit log, whatever a caller passes in details. */
const SECRET_KEY = /^(token|privatekey|private_key|fields|authorization|cookie|apikey|api_key|passphrase)$|password|secret/i;

/** Replaces values under secret-looking keys, so a mistake upstream cannot leak a secret into the log. */
export function scrubDetails(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => scrubDetails(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && typeof v !== 'boolean' ? '[redacted]' : scrubDetails(v, depth + 1);
    return out;
  }
  if (typeof value === 'string' && value.length > 2000) return `${value.slice(0, 2000)}…`;
  return value;
}

/**
 * The audit log: who did what, when, from where, and how it ended. Append-only; queried newest
 * first and exported as JSON lines or CSV. Writing never fails the action it records: a failed
 * write is logged as an error instead.
 */
export class AuditService {
  constructor(
    private readonly store: Store,
    private readonly logger?: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async record(e: AuditEvent): Promise<AuditRecord> {
    const rec: AuditRecord = {
      id: newId(),
      at: this.clock(),
      actor: e.actor,
      actorKind: e.actorKind,
      action: e.action,
      resourceType: e.resourceType ?? null,
      resourceId: e.resourceId ?? null,
      namespace: e.namespace ?? null,
      ip: e.ip ?? null,
      userAgent: e.userAgent ? e.userAgent.slice(0, 512) : null,
      outcome: e.outcome,
      details: e.details ? (scrubDetails(e.details) as Record<string, unknown>) : null,
    };
    try {
      await this.store.audit.append(rec);
    } catch (err) {
      this.logger?.error({ err, action: e.action, actor: e.actor }, 'could not write the audit log');
    }
    return rec;
  }

  list(filter: AuditFilter): Promise<Page<AuditRecord>> {
    return this.store.audit.list(filter);
  }

  /** Every entry matching the filter, oldest page last, fetched page by page (never all at once). */
  async *entries(filter: Omit<AuditFilter, 'limit' | 'before'>, pageSize = 1000): AsyncGenerator<AuditRecord> {
    let before: string | undefined;
    for (;;) {
      const page = await this.store.audit.list({ ...filter, limit: pageSize, ...(before ? { before } : {}) });
      for (const e of page.items) yield e;
      if (!page.next) return;
      before = page.next;
    }
  }
}

export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor', 'actor_kind', 'action', 'resource_type', 'resource_id', 'namespace', 'ip', 'user_agent', 'outcome', 'details'] as const;

/** One CSV line (RFC 4180); cells that a spreadsheet would run as a formula are prefixed with '. */
export function auditCsvLine(e: AuditRecord): string {
  const cells = [e.id, new Date(e.at).toISOString(), e.actor, e.actorKind, e.action, e.resourceType, e.resourceId, e.namespace, e.ip, e.userAgent, e.outcome, e.details ? JSON.stringify(e.details) : null];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function csvCell(v: string | null): string {
  if (v === null) return '';
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditJson(e: AuditRecord): Record<string, unknown> {
  return { ...e, at: new Date(e.at).toISOString() };
}
