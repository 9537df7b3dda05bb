import { z } from 'zod';
import { CATEGORIES, SEVERITIES } from '../../findings/finding.js';
import { epochMs, jsonObject } from './common.js';

export const findingSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    step: z.string(),
    check: z.string(),
    category: z.enum(CATEGORIES),
    target: z.string(),
    host: z.string().optional(),
    severity: z.enum(SEVERITIES),
    title: z.string().optional(),
    value: z.union([z.number(), z.string(), z.boolean(), z.null()]).optional(),
    unit: z.string().optional(),
    threshold: z.union([z.number(), z.string(), jsonObject, z.null()]).optional(),
    message: z.string(),
    evidence: z.object({ raw: z.string().optional(), command: z.string().optional() }).optional(),
    remediation: z.string().optional(),
    remediationWorkflow: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    details: jsonObject.optional(),
    exemption: z.object({ owner: z.string(), reason: z.string(), expires: z.string() }).optional(),
    /** Same check on the same target: stable across runs. */
    fingerprint: z.string(),
    createdAt: epochMs,
  })
  .meta({ id: 'Finding' });

const score = z.object({ value: z.number(), grade: z.enum(['A', 'B', 'C', 'D', 'F']), targets: z.number().int() });
const change = z.object({ check: z.string(), target: z.string(), severity: z.enum(SEVERITIES).nullable(), previousSeverity: z.enum(SEVERITIES).nullable() });
const severityCounts = z.record(z.enum(SEVERITIES), z.number().int());

export const inspectionSummarySchema = z
  .object({
    run: z.string(),
    inspection: z.string().nullable(),
    status: z.string(),
    startedAt: epochMs.nullable(),
    finishedAt: epochMs.nullable(),
    score: score,
    scores: z.partialRecord(z.enum(CATEGORIES), score),
    previous: z.object({ run: z.string(), score: z.number(), grade: z.string() }).nullable(),
    delta: z.number().nullable(),
    counts: z.object({ bySeverity: severityCounts, byCategory: z.partialRecord(z.enum(CATEGORIES), severityCounts), exempted: z.number().int(), targets: z.number().int() }),
    changes: z.object({ previousRun: z.string().nullable(), new: z.array(change), resolved: z.array(change), regressed: z.array(change), improved: z.array(change), unchanged: z.number().int() }),
    /** The problems to read first (critical, new, regressed, ...); every finding is at /api/v1/findings?run=ID. */
    top: z.array(findingSchema),
    findings: z.number().int(),
  })
  .meta({ id: 'InspectionSummary' });

export const inspectionSchema = z
  .object({
    name: z.string(),
    latestRun: z.object({ id: z.string(), status: z.string(), namespace: z.string(), createdAt: epochMs, finishedAt: epochMs.nullable() }),
    /** Score of the latest finished run (null when none finished yet). */
    score: z.number().nullable(),
    grade: z.string().nullable(),
  })
  .meta({ id: 'Inspection' });

export type FindingJson = z.infer<typeof findingSchema>;
