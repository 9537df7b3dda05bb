import { z } from 'zod';
import { durationSchema } from '../workflow/workflow-schema.js';
import { parseDuration } from '../util/duration.js';

const globs = z.array(z.string().min(1)).min(1);

/** One opt-in: findings of these checks, in these environments, are fixed without a person starting it. */
export const autoRemediationRuleSchema = z
  .object({
    /** Check id or glob (host.systemd.*); only checks with a runbook (remediationWorkflow) can match. */
    check: z.string().min(1),
    /** Environments where this rule applies (globs): the opt-in is per check and environment. */
    environments: globs,
    /** Only these finding targets (globs). @defaultValue every target */
    targets: globs.optional(),
    /** `skip`: the runbook runs unattended (its dry run is still logged); `required`: it waits for a person. @defaultValue skip */
    approval: z.enum(['skip', 'required']).default('skip'),
    /** Runbook params as strings (converted to the runbook's declared types). */
    params: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** `spec.remediation` of an InspectionConfig (docs/remediation.md). */
export const autoRemediationConfigSchema = z
  .object({
    /** Environment of this inspection's targets. @defaultValue metadata.labels.environment */
    environment: z.string().min(1).optional(),
    auto: z.array(autoRemediationRuleSchema).default([]),
    /** At most maxRuns automatic remediations per target per window; then a person has to look. */
    circuitBreaker: z
      .object({
        /** @defaultValue 3 */
        maxRuns: z.number().int().min(1).max(1000).default(3),
        /** @defaultValue 24h */
        window: durationSchema.default('24h'),
      })
      .strict()
      .default({ maxRuns: 3, window: '24h' }),
    /** Fan-out over several findings: a canary batch first, then halt above a failure percentage. */
    blastRadius: z
      .object({
        /** Findings fixed first; the rest start only when all of them succeeded. @defaultValue 1 */
        canary: z.number().int().min(0).default(1),
        /** Halt when more than this percentage of the remediations failed. @defaultValue 50 */
        maxFailurePercent: z.number().min(0).max(100).default(50),
        /** Remediations running at once. @defaultValue 4 */
        concurrency: z.number().int().min(1).max(100).default(4),
      })
      .strict()
      .default({ canary: 1, maxFailurePercent: 50, concurrency: 4 }),
  })
  .strict();

export type AutoRemediationConfig = z.infer<typeof autoRemediationConfigSchema>;
export type AutoRemediationRule = z.infer<typeof autoRemediationRuleSchema>;

/** The breaker's limits in milliseconds. */
export function breakerOf(c: AutoRemediationConfig): { maxRuns: number; windowMs: number } {
  return { maxRuns: c.circuitBreaker.maxRuns, windowMs: parseDuration(c.circuitBreaker.window, 'spec.remediation.circuitBreaker.window') };
}
