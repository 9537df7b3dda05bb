import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import type { Store } from '../store/store.js';
import { durationSchema } from '../workflow/workflow-schema.js';
import { parseDuration } from '../util/duration.js';
import { capString } from '../util/cap.js';
import { newId } from '../util/ids.js';
import { NonRetryableError } from '../errors/index.js';

export const APPROVAL_WAIT = 'approval';

const inputSchema = z
  .object({
    /** What is being approved, shown to approvers. */
    message: z.string().min(1),
    /** What will happen: a dry run's diff or plan, usually `${{ steps.plan.outputs.stdout }}`. */
    plan: z.string().optional(),
    /** Who may decide: user names and/or roles. Empty = anyone with the approve permission. */
    approvers: z.object({ users: z.array(z.string()).default([]), roles: z.array(z.string()).default([]) }).strict().default({ users: [], roles: [] }),
    /** How long to wait for a decision. @defaultValue 24h */
    timeout: durationSchema.default('24h'),
    /** The outcome when nobody decides in time. @defaultValue reject */
    onTimeout: z.enum(['reject', 'approve']).default('reject'),
  })
  .strict();

/**
 * The `approval` step type: the run waits until an approver approves (the step succeeds and later
 * steps run) or rejects (the step fails with code `rejected`), or the timeout applies its outcome.
 * Decisions come from the API, console or `patrol approvals approve|reject`; each is recorded.
 */
export function createApprovalStepType(deps: { store?: Store }) {
  return defineStepType({
    type: 'approval',
    description: 'Waits for a person to approve or reject (with a comment), showing the plan (e.g. a dry run diff); a timeout applies a configured outcome.',
    input: inputSchema,
    output: z.object({ approved: z.boolean(), by: z.string().nullable(), comment: z.string().nullable(), decidedAt: z.string().nullable(), approval: z.string() }),
    defaults: { timeout: '30d' },
    // Asking again after a crash creates no side effect beyond a new request.
    retrySafe: true,
    suspends: true,
    examples: [
      {
        description: 'Approve a change after a dry run',
        with: { message: 'Clean up /var/log on ${{ params.host }}', plan: '${{ steps.dryrun.outputs.stdout }}', approvers: { roles: ['approver'] }, timeout: '4h' },
      },
    ],
    async run(ctx, input) {
      if (!deps.store) throw new NonRetryableError('the approval step needs Patrol\'s store (run it through patrol run / serve)', { code: 'no-store' });
      if (ctx.dryRun) {
        ctx.log.info('dry run: no approval requested; the steps after it will not change anything either');
        return { approved: true, by: null, comment: 'dry run', decidedAt: null, approval: '' };
      }
      const timeoutMs = parseDuration(input.timeout, 'with.timeout');
      const existing = await deps.store.approvals.forAttempt(ctx.runId, ctx.stepName, ctx.attempt);
      const id = existing?.id ?? newId();
      if (!existing) {
        const now = Date.now();
        await deps.store.approvals.insert({
          id,
          runId: ctx.runId,
          step: ctx.stepName,
          attempt: ctx.attempt,
          namespace: ctx.run.namespace,
          status: 'pending',
          message: ctx.mask(input.message),
          plan: input.plan === undefined ? null : ctx.mask(capString(input.plan, 256 * 1024)),
          approvers: input.approvers,
          requestedAt: now,
          expiresAt: now + timeoutMs,
          onTimeout: input.onTimeout,
          decidedBy: null,
          decidedAt: null,
          comment: null,
        });
        ctx.log.info(`approval ${id} requested: ${input.message}${input.approvers.users.length || input.approvers.roles.length ? ` (approvers: ${[...input.approvers.users, ...input.approvers.roles.map((r) => `role:${r}`)].join(', ')})` : ''}; decide with: patrol approvals approve ${id} | reject ${id}`);
      }
      return ctx.suspend({ kind: APPROVAL_WAIT, ref: id, timeoutMs, message: `waiting for approval ${id}: ${input.message}` });
    },
  });
}
