import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import type { Store } from '../store/store.js';
import type { CheckCatalog } from '../inspections/check-catalog.js';
import { loadInspectionConfig } from '../inspections/config/load-inspection-config.js';
import { workflowSchema, type WorkflowDefinition } from '../workflow/workflow-schema.js';
import { NonRetryableError, PatrolError } from '../errors/index.js';
import { breakerOf, type AutoRemediationConfig } from './auto-remediation-config.js';
import { selectAutoRemediations, validateAutoRemediationRules, type AutoRemediationCandidate } from './select-auto-remediations.js';
import type { RemediationLink } from './remediation-link.js';

const inputSchema = z
  .object({
    /** The inspection's InspectionConfig ("" = none: nothing is remediated automatically). */
    config: z.string().default(''),
  })
  .strict();

/**
 * The fan-out run of one inspection's automatic remediations: a `remediate` step per finding
 * under the engine's blast-radius control (canary batch first, halt above the failure percentage).
 */
export function autoRemediationWorkflow(c: AutoRemediationConfig, environment: string, inspectionRun: string, picked: readonly AutoRemediationCandidate[]): { def: WorkflowDefinition; items: unknown[] } {
  const { maxRuns, windowMs } = breakerOf(c);
  const def = workflowSchema.parse({
    apiVersion: 'patrol.dev/v1',
    kind: 'Workflow',
    metadata: { name: 'auto-remediation', labels: { 'patrol.dev/kind': 'remediation' }, description: `Automatic remediations of inspection run ${inspectionRun} (${environment})` },
    spec: {
      params: [{ name: 'items', type: 'list', required: true }],
      steps: [
        {
          name: 'remediate',
          type: 'remediate',
          forEach: { items: '${{ params.items }}', canary: c.blastRadius.canary, maxFailurePercent: c.blastRadius.maxFailurePercent, concurrency: c.blastRadius.concurrency },
          with: { finding: '${{ item.finding }}', inspectionRun, environment, approval: '${{ item.approval }}', params: '${{ item.params }}', maxRuns, windowMs },
        },
      ],
    },
  });
  const items = picked.map((p) => ({ finding: p.finding.id, approval: p.rule.approval, params: p.rule.params }));
  return { def, items };
}

/**
 * The `auto-remediate` step type, in the `finally` of inspection workflows: picks the findings
 * of this run that an opt-in rule of the InspectionConfig covers in its environment and starts
 * one fan-out run that remediates them (each through the target's circuit breaker).
 */
export function createAutoRemediateStepType(deps: { store?: Store; catalog: CheckCatalog; link: RemediationLink }) {
  return defineStepType({
    type: 'auto-remediate',
    description: "Starts the runbooks of this inspection's findings that spec.remediation.auto opts in for the inspection's environment (circuit breaker per target, canary and failure limit across them).",
    input: inputSchema,
    output: z.object({ environment: z.string().nullable(), matched: z.number(), runId: z.string().nullable() }),
    retrySafe: false,
    examples: [{ description: 'In an inspection workflow: after the report', with: { config: '${{ params.config }}' } }],
    async run(ctx, input) {
      const none = (environment: string | null) => ({ environment, matched: 0, runId: null });
      if (!input.config) return none(null);
      let config;
      try {
        config = await loadInspectionConfig(input.config, deps.catalog);
      } catch (err) {
        throw new NonRetryableError(`InspectionConfig ${input.config}: ${(err as Error).message}`, { code: 'invalid-config' });
      }
      const c = config.spec.remediation;
      if (!c || c.auto.length === 0) return none(null);
      try {
        validateAutoRemediationRules(c, deps.catalog);
      } catch (err) {
        throw new NonRetryableError(`${input.config}: ${(err as PatrolError).message}`, { code: 'invalid-config' });
      }
      const environment = c.environment ?? config.metadata.labels.environment;
      if (!environment) throw new NonRetryableError(`${input.config}: spec.remediation.auto needs the environment of the targets: set spec.remediation.environment or metadata.labels.environment`, { code: 'invalid-config' });
      if (!deps.store || !deps.link.trigger) throw new NonRetryableError('the auto-remediate step needs Patrol\'s store and engine', { code: 'no-engine' });
      const picked = selectAutoRemediations(await deps.store.findings.listByRun(ctx.runId), c, environment, deps.catalog);
      ctx.log.info(`auto-remediation in ${environment}: ${picked.length} finding(s) opted in${picked.length ? `: ${picked.map((p) => `${p.finding.check} on ${p.finding.target} (${p.workflow})`).join(', ')}` : ''}`);
      if (picked.length === 0) return none(environment);
      if (ctx.dryRun) return { environment, matched: picked.length, runId: null };
      const { def, items } = autoRemediationWorkflow(c, environment, ctx.runId, picked);
      const run = await deps.link.trigger(def, { params: { items }, trigger: 'auto-remediation', labels: { 'patrol.dev/inspection-run': ctx.runId } });
      ctx.log.info(`auto-remediation run ${run.id} started`);
      return { environment, matched: picked.length, runId: run.id };
    },
  });
}
