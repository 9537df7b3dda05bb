import { z } from 'zod';
import { defineStepType, type AnyStepType, type StepContext } from '../steps/step-type.js';
import type { FindingInput } from '../findings/finding.js';
import { StepError } from '../errors/index.js';

/** Which inspection kind re-checks a check, by its id prefix. */
export function kindOfCheck(check: string): 'host' | 'node' | 'app' | 'db' | undefined {
  const prefix = check.split('.')[0];
  return prefix === 'host' || prefix === 'node' || prefix === 'app' || prefix === 'db' ? prefix : undefined;
}

const inputSchema = z
  .object({
    /** The check to verify, e.g. host.disk.usage. */
    check: z.string().min(1),
    /** The finding's target, e.g. web-1:/var. */
    target: z.string().min(1),
    /** The host (or database, application) to inspect again; becomes the inspection's --limit. */
    host: z.string().min(1),
    inventory: z.string().optional(),
    config: z.string().optional(),
  })
  .strict();

/**
 * The `recheck` step type: runs the inspection of one check on one target again after a fix and
 * succeeds only if the finding is gone or ok. The fresh finding is reported on this run, so the
 * remediation shows the state after the change.
 */
export function createRecheckStepType(deps: { inspect: AnyStepType }) {
  return defineStepType({
    type: 'recheck',
    description: 'Inspects a target again for one check after a remediation; fails (code not-fixed) if the finding is still a problem.',
    input: inputSchema,
    output: z.object({ resolved: z.boolean(), severity: z.string().nullable(), value: z.unknown(), message: z.string() }),
    defaults: { timeout: '30m' },
    retrySafe: true,
    examples: [{ description: 'Verify a disk was cleaned', with: { check: 'host.disk.usage', target: '${{ params.finding.target }}', host: '${{ params.host }}', inventory: '${{ params.inventory }}' } }],
    async run(ctx, input) {
      const kind = kindOfCheck(input.check);
      if (!kind) throw new StepError(`recheck cannot inspect ${input.check} (only host, node, app and db checks)`, { code: 'invalid-input', retryable: false });
      const captured: FindingInput[] = [];
      // The inspection reports every check of the target; keep only the one being verified.
      const inner: StepContext = Object.create(ctx, { findings: { value: { report: (f: FindingInput[]) => captured.push(...f) } } }) as StepContext;
      await deps.inspect.run(inner, { kind, limit: input.host, ...(input.inventory ? { inventory: input.inventory } : {}), ...(input.config ? { config: input.config } : {}) });
      const match = captured.find((f) => f.check === input.check && f.target === input.target);
      const resolved = !match || match.severity === 'ok' || match.severity === 'info';
      if (match) ctx.findings.report([match]);
      const message = match ? `${input.check} on ${input.target} is now ${match.severity}: ${match.message}` : `${input.check} no longer reports ${input.target}`;
      ctx.log.info(message);
      if (!resolved) throw new StepError(`not fixed: ${message}`, { code: 'not-fixed', details: { outputs: { resolved, severity: match?.severity ?? null, value: match?.value ?? null, message } } });
      return { resolved, severity: match?.severity ?? null, value: match?.value ?? null, message };
    },
  });
}
