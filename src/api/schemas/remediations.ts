import { z } from 'zod';
import { DECISIONS } from '../../store/remediations-repository.js';
import { epochMs } from './common.js';

/** What an automatic-remediation rule did with a finding: started its runbook, or skipped it and why. */
export const remediationDecisionSchema = z
  .object({
    id: z.string(),
    /** The inspection run whose auto-remediate step decided. */
    inspectionRunId: z.string(),
    findingId: z.string(),
    fingerprint: z.string(),
    check: z.string(),
    target: z.string(),
    environment: z.string(),
    decision: z.enum(DECISIONS),
    /** Why it was skipped (circuit breaker open, ...); null when started. */
    reason: z.string().nullable(),
    /** The runbook's run when started. */
    runId: z.string().nullable(),
    decidedAt: epochMs,
  })
  .meta({ id: 'RemediationDecision' });

export type RemediationDecisionJson = z.infer<typeof remediationDecisionSchema>;
