import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Severity order matters: scores, --fail-on and "regressed" compare by rank. */
export const SEVERITIES = ['ok', 'info', 'warning', 'critical', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const CATEGORIES = ['host', 'cluster', 'app', 'db'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Rank for "how bad": error (the check could not run) ranks with critical, never with ok. */
export function severityRank(s: Severity): number {
  switch (s) {
    case 'ok':
      return 0;
    case 'info':
      return 1;
    case 'warning':
      return 2;
    case 'critical':
      return 3;
    case 'error':
      return 3;
  }
}

export const evidenceSchema = z
  .object({
    /** Raw output the judgement was made from (capped). */
    raw: z.string().optional(),
    /** The command that reproduces the measurement on the target. */
    command: z.string().optional(),
  })
  .strict();

/** A finding as a step reports it; the engine adds run, step and fingerprint. */
export const findingInputSchema = z
  .object({
    check: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'check ids are dotted lowercase, e.g. host.disk.usage'),
    category: z.enum(CATEGORIES),
    /** What was inspected: a host, host:/mount, db/table, a URL, namespace/pod. */
    target: z.string().min(1),
    /** The host (or cluster) the target lives on, for host x check matrices. */
    host: z.string().optional(),
    severity: z.enum(SEVERITIES),
    title: z.string().optional(),
    value: z.union([z.number(), z.string(), z.boolean(), z.null()]).optional(),
    unit: z.string().optional(),
    threshold: z.union([z.number(), z.string(), z.record(z.string(), z.unknown()), z.null()]).optional(),
    message: z.string(),
    evidence: evidenceSchema.optional(),
    remediation: z.string().optional(),
    /** Name of the workflow that fixes this finding, when one exists. */
    remediationWorkflow: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    /** Structured extra data (top queries, largest tables, offending units...), capped by the reporter. */
    details: z.record(z.string(), z.unknown()).optional(),
    /** Set when an exemption covers the finding: it is kept and shown, but not scored or alerted. */
    exemption: z.object({ owner: z.string(), reason: z.string(), expires: z.string() }).strict().optional(),
  })
  .strict();

export type FindingInput = z.infer<typeof findingInputSchema>;

export interface Finding extends FindingInput {
  id: string;
  runId: string;
  step: string;
  fingerprint: string;
  createdAt: number;
}

/** Stable across runs: same check on the same target is the same finding. */
export function fingerprintOf(check: string, target: string): string {
  return createHash('sha256').update(`${check}\u0000${target}`).digest('hex').slice(0, 24);
}
