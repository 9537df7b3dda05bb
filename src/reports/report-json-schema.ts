import { z } from 'zod';
import { CATEGORIES, SEVERITIES } from '../findings/finding.js';

/**
 * The JSON report (docs/reports.md), as a zod schema: the contract for machines reading reports.
 * reports/schema/report-v1.schema.json is generated from it (a test keeps the two equal).
 */
const severity = z.enum(SEVERITIES);
const category = z.enum(CATEGORIES);
const isoTime = z.string().describe('ISO 8601 UTC timestamp');
const counts = z.record(severity, z.number().int()).describe('findings per severity (exempted ones not counted)');
const grade = z.enum(['A', 'B', 'C', 'D', 'F']);

const changeRow = z
  .object({
    fingerprint: z.string(),
    check: z.string(),
    target: z.string(),
    host: z.string().nullable(),
    severity: severity.nullable().describe('now; null when the finding is gone'),
    previousSeverity: severity.nullable().describe('in the previous run; null when it was not reported'),
    message: z.string(),
  })
  .strict();

export const reportFindingJsonSchema = z
  .object({
    id: z.string(),
    fingerprint: z.string().describe('stable across runs: sha256(check, target)'),
    check: z.string(),
    category,
    target: z.string(),
    host: z.string().nullable(),
    severity,
    title: z.string().nullable(),
    message: z.string(),
    value: z.union([z.number(), z.string(), z.boolean()]).nullable(),
    unit: z.string().nullable(),
    threshold: z.union([z.number(), z.string(), z.record(z.string(), z.unknown())]).nullable(),
    evidence: z.object({ raw: z.string().optional(), command: z.string().optional() }).strict().nullable(),
    remediation: z.string().nullable(),
    remediationWorkflow: z.string().nullable(),
    remediationUrl: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    details: z.record(z.string(), z.unknown()).nullable(),
    exemption: z.object({ owner: z.string(), reason: z.string(), expires: z.string() }).strict().nullable(),
    change: z.enum(['new', 'regressed', 'improved', 'unchanged']).nullable().describe('for problems, compared with the previous run'),
    previousSeverity: severity.nullable(),
  })
  .strict();

export const reportJsonSchema = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.literal('PatrolReport'),
    generatedAt: isoTime,
    inspection: z.string(),
    run: z
      .object({
        id: z.string(),
        workflow: z.string(),
        namespace: z.string(),
        status: z.string(),
        reason: z.string().nullable(),
        trigger: z.string(),
        triggeredBy: z.string().nullable(),
        startedAt: isoTime.nullable(),
        finishedAt: isoTime.nullable(),
        durationMs: z.number().nullable(),
        labels: z.record(z.string(), z.string()),
      })
      .strict(),
    links: z.object({ report: z.string().nullable(), run: z.string().nullable() }).strict(),
    score: z
      .object({
        value: z.number().min(0).max(100),
        grade,
        targets: z.number().int(),
        delta: z.number().nullable().describe('change of the overall score since the previous run'),
        previous: z.object({ runId: z.string(), value: z.number(), grade, finishedAt: isoTime.nullable() }).strict().nullable(),
        byCategory: z.partialRecord(category, z.object({ value: z.number(), grade, targets: z.number().int() }).strict()),
      })
      .strict(),
    counts: z
      .object({
        bySeverity: counts,
        byCategory: z.partialRecord(category, counts),
        exempted: z.number().int(),
        targets: z.number().int(),
        findings: z.number().int(),
        problems: z.number().int().describe('warning + critical + error'),
      })
      .strict(),
    top: z
      .array(
        z
          .object({
            reason: z.enum(['critical', 'new', 'regressed', 'error', 'problem']),
            fingerprint: z.string(),
            check: z.string(),
            target: z.string(),
            severity,
            message: z.string(),
          })
          .strict(),
      )
      .describe('problems in reading order: critical, then new, then regressed, then the rest'),
    changes: z
      .object({
        previousRunId: z.string().nullable(),
        new: z.array(changeRow),
        resolved: z.array(changeRow),
        regressed: z.array(changeRow),
        improved: z.array(changeRow),
        unchanged: z.array(changeRow).describe('problems present in both runs at the same severity'),
        unchangedOk: z.number().int().describe('checks fine in both runs (counted, not listed)'),
      })
      .strict(),
    history: z.array(z.object({ runId: z.string(), at: isoTime, score: z.number(), grade: z.string(), current: z.boolean() }).strict()).describe('score of the last runs, oldest first'),
    matrix: z
      .object({
        hosts: z.array(z.string()),
        checks: z.array(z.string()),
        cells: z.array(z.array(z.union([severity, z.literal('exempt')]).nullable())).describe('cells[host][check]: worst result; null = not checked'),
      })
      .strict(),
    targets: z
      .array(z.object({ name: z.string(), categories: z.array(category), worst: severity, counts, exempted: z.number().int() }).strict())
      .describe('one per host (or target without a host), worst first'),
    findings: z.array(reportFindingJsonSchema),
  })
  .strict();

export type ReportJson = z.infer<typeof reportJsonSchema>;

/** The JSON Schema (draft 2020-12) published as reports/schema/report-v1.schema.json. */
export function reportJsonSchemaDocument(): Record<string, unknown> {
  return {
    $id: 'https://patrol.dev/schemas/report-v1.schema.json',
    title: 'Patrol inspection report, schemaVersion 1',
    ...z.toJSONSchema(reportJsonSchema, { target: 'draft-2020-12' }),
  };
}
