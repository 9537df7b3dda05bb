import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import type { Store } from '../store/store.js';
import { newId } from '../util/ids.js';
import { NonRetryableError, StepError } from '../errors/index.js';
import { throughBreaker } from './circuit-breaker.js';
import type { RemediationLink } from './remediation-link.js';
import type { RunRecord } from '../store/records.js';

const inputSchema = z
  .object({
    /** The finding to fix. */
    finding: z.string().min(1),
    /** The inspection run that found it (recorded with the decision). */
    inspectionRun: z.string().min(1),
    environment: z.string().min(1),
    /** `skip`: run the runbook unattended; `required`: it waits for a person's approval. */
    approval: z.enum(['skip', 'required']).default('skip'),
    params: z.record(z.string(), z.string()).default({}),
    maxRuns: z.number().int().min(1),
    windowMs: z.number().int().min(1),
  })
  .strict();

/**
 * The `remediate` step type: one automatic remediation. Under the target's circuit breaker it
 * starts the finding's runbook (or records why not), then waits for the runbook's run and fails
 * when that run did not succeed, so a fan-out's canary and failure percentage see real outcomes.
 */
export function createRemediateStepType(deps: { store?: Store; link: RemediationLink }) {
  return defineStepType({
    type: 'remediate',
    description: "Starts a finding's runbook as an automatic remediation (circuit breaker per target, decision recorded), waits for it and fails when it did not fix the finding.",
    input: inputSchema,
    output: z.object({ decision: z.enum(['started', 'skipped']), reason: z.string().nullable(), runId: z.string().nullable(), status: z.string().nullable() }),
    defaults: { timeout: '6h' },
    // A retry would start a second runbook: the breaker counts it, but it is not what was asked.
    retrySafe: false,
    examples: [{ description: 'In the generated auto-remediation fan-out', with: { finding: '${{ item.finding }}', inspectionRun: '${{ item.inspectionRun }}', environment: 'staging', maxRuns: 3, windowMs: 86400000 } }],
    async run(ctx, input) {
      const { store } = deps;
      const { service, waitFor } = deps.link;
      if (!store || !service || !waitFor) throw new NonRetryableError('the remediate step needs Patrol\'s store and engine (this process only validates workflows)', { code: 'no-engine' });
      const finding = await store.findings.get(input.finding);
      if (!finding) throw new NonRetryableError(`finding ${input.finding} not found`, { code: 'not-found' });
      const now = (deps.link.clock ?? Date.now)();
      const decision = { id: newId(), inspectionRunId: input.inspectionRun, findingId: finding.id, fingerprint: finding.fingerprint, check: finding.check, target: finding.target, environment: input.environment, decidedAt: now };
      if (ctx.dryRun) {
        ctx.log.info(`dry run: would remediate ${finding.check} on ${finding.target}`);
        return { decision: 'skipped' as const, reason: 'dry run', runId: null, status: null };
      }
      const res = await throughBreaker(store, { target: finding.target, limits: { maxRuns: input.maxRuns, windowMs: input.windowMs }, holder: { runId: ctx.runId, step: ctx.stepName, attempt: ctx.attempt }, now, signal: ctx.signal }, async () => {
        const run = await service.start({ findingId: finding.id, automatic: true, autoApprove: input.approval === 'skip', params: input.params, breaker: { maxRuns: input.maxRuns, windowMs: input.windowMs }, startedBy: `auto-remediation:${ctx.runId}` });
        await store.remediations.insertDecision({ ...decision, decision: 'started', reason: null, runId: run.id });
        return run;
      });
      if (res.open) {
        await store.remediations.insertDecision({ ...decision, decision: 'skipped', reason: res.reason, runId: null });
        ctx.log.warn(`${finding.check} on ${finding.target} not remediated: ${res.reason}`);
        return { decision: 'skipped' as const, reason: res.reason, runId: null, status: null };
      }
      ctx.log.info(`${finding.check} on ${finding.target}: runbook ${finding.remediationWorkflow ?? ''} started as run ${res.value.id}`);
      // Cancelling the fan-out stops the wait; the runbook's own run is cancelled on its own.
      const ended = await new Promise<RunRecord>((resolve, reject) => {
        const onAbort = () => reject(new StepError(`stopped waiting for remediation run ${res.value.id}: ${String(ctx.signal.reason ?? 'aborted')}`, { code: 'aborted', retryable: false }));
        if (ctx.signal.aborted) return onAbort();
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        waitFor(res.value.id).then(resolve, reject).finally(() => ctx.signal.removeEventListener('abort', onAbort));
      });
      const out = { decision: 'started' as const, reason: null, runId: ended.id, status: ended.status };
      if (ended.status !== 'succeeded') throw new StepError(`remediation run ${ended.id} of ${finding.check} on ${finding.target} ${ended.status}${ended.reason ? `: ${ended.reason}` : ''}`, { code: 'remediation-failed', retryable: false, details: { outputs: out } });
      return out;
    },
  });
}
