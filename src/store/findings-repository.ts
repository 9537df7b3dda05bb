import type { Kysely, Selectable } from 'kysely';
import type { Database, FindingsTable } from './database.js';
import type { Finding, Severity, Category } from '../findings/finding.js';
import { fromJson, toJson } from './json.js';
import type { Page } from './records.js';
import { idFloor } from '../util/id-time.js';
import { globCondition } from './glob-condition.js';

export interface FindingFilter {
  /** Check id or glob (host.disk.*). */
  check?: string;
  /** Target or glob. */
  target?: string;
  severity?: readonly Severity[];
  category?: Category;
  host?: string;
  runId?: string;
  inspection?: string;
  fingerprint?: string;
  /** true: only findings covered by an exemption; false: only the others. */
  exempted?: boolean;
  /** Only findings of runs in these namespaces (what the caller may read); empty = none. */
  namespaces?: readonly string[];
  since?: number;
  until?: number;
  /** Paging newest first: findings older than this id. */
  before?: string;
  limit?: number;
}

/** Findings reported by steps, one row per check and target per run. */
export class FindingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(findings: Finding[]): Promise<void> {
    for (let i = 0; i < findings.length; i += 40) {
      await this.db
        .insertInto('findings')
        .values(
          findings.slice(i, i + 40).map((f) => ({
            id: f.id,
            run_id: f.runId,
            step: f.step,
            check_id: f.check,
            category: f.category,
            target: f.target,
            host: f.host ?? null,
            severity: f.severity,
            title: f.title ?? null,
            value: f.value === undefined ? null : JSON.stringify(f.value),
            unit: f.unit ?? null,
            threshold: f.threshold === undefined ? null : JSON.stringify(f.threshold),
            message: f.message,
            evidence: toJson(f.evidence),
            remediation: f.remediation ?? null,
            remediation_workflow: f.remediationWorkflow ?? null,
            labels: toJson(f.labels),
            details: toJson(f.details),
            exemption: toJson(f.exemption),
            fingerprint: f.fingerprint,
            created_at: f.createdAt,
          })),
        )
        .execute();
    }
  }

  async listByRun(runId: string): Promise<Finding[]> {
    const rows = await this.db.selectFrom('findings').selectAll().where('run_id', '=', runId).orderBy('id').execute();
    return rows.map(toFinding);
  }

  /** Finding ids starting with a prefix (as typed on the command line). */
  async resolveId(prefix: string): Promise<string[]> {
    const rows = await this.db.selectFrom('findings').select('id').where('id', 'like', `${prefix.replace(/[^0-9a-z]/g, '')}%`).limit(2).execute();
    return rows.map((r) => r.id);
  }

  async get(id: string): Promise<Finding | undefined> {
    const r = await this.db.selectFrom('findings').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toFinding(r) : undefined;
  }

  /**
   * Findings newest first under a filter, paged by id (keyset). `check` and `target` take globs
   * with `*`; a glob ending in `*` (host.disk.*) is an index range, others a LIKE.
   */
  async query(f: FindingFilter): Promise<Page<Finding>> {
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 1000);
    let q = this.db.selectFrom('findings').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (f.check !== undefined) q = q.where(globCondition('check_id', f.check));
    if (f.target !== undefined) q = q.where(globCondition('target', f.target));
    if (f.severity?.length) q = q.where('severity', 'in', [...f.severity]);
    if (f.category !== undefined) q = q.where('category', '=', f.category);
    if (f.host !== undefined) q = q.where('host', '=', f.host);
    if (f.runId !== undefined) q = q.where('run_id', '=', f.runId);
    if (f.fingerprint !== undefined) q = q.where('fingerprint', '=', f.fingerprint);
    if (f.exempted !== undefined) q = q.where('exemption', f.exempted ? 'is not' : 'is', null);
    if (f.inspection !== undefined) {
      const inspection = f.inspection;
      q = q.where('run_id', 'in', (eb) => eb.selectFrom('runs').select('runs.id').where('runs.inspection', '=', inspection));
    }
    if (f.namespaces) {
      const ns = f.namespaces.length ? [...f.namespaces] : ['\u0000'];
      q = q.where('run_id', 'in', (eb) => eb.selectFrom('runs').select('runs.id').where('runs.namespace', 'in', ns));
    }
    if (f.since !== undefined) q = q.where('id', '>=', idFloor(f.since));
    if (f.until !== undefined) q = q.where('id', '<', idFloor(f.until));
    if (f.before !== undefined) q = q.where('id', '<', f.before);
    const rows = await q.execute();
    const items = rows.slice(0, limit).map(toFinding);
    return rows.length > limit ? { items, next: items[items.length - 1]!.id } : { items };
  }
}

export function toFinding(r: Selectable<FindingsTable>): Finding {
  const f: Finding = {
    id: r.id,
    runId: r.run_id,
    step: r.step,
    check: r.check_id,
    category: r.category as Category,
    target: r.target,
    severity: r.severity as Severity,
    message: r.message,
    fingerprint: r.fingerprint,
    createdAt: Number(r.created_at),
  };
  if (r.host !== null) f.host = r.host;
  if (r.title !== null) f.title = r.title;
  if (r.value !== null) f.value = JSON.parse(r.value) as Finding['value'];
  if (r.unit !== null) f.unit = r.unit;
  if (r.threshold !== null) f.threshold = JSON.parse(r.threshold) as Finding['threshold'];
  if (r.evidence !== null) f.evidence = fromJson(r.evidence) ?? undefined;
  if (r.remediation !== null) f.remediation = r.remediation;
  if (r.remediation_workflow !== null) f.remediationWorkflow = r.remediation_workflow;
  if (r.labels !== null) f.labels = fromJson(r.labels) ?? undefined;
  if (r.details !== null) f.details = fromJson(r.details) ?? undefined;
  if (r.exemption !== null) f.exemption = fromJson(r.exemption) ?? undefined;
  return f;
}
