import type { Kysely, Selectable } from 'kysely';
import type { Database, FindingsTable } from './database.js';
import type { Finding, Severity, Category } from '../findings/finding.js';
import { fromJson, toJson } from './json.js';

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
