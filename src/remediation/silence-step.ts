import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import type { Store } from '../store/store.js';
import { durationSchema } from '../workflow/workflow-schema.js';
import { parseDuration } from '../util/duration.js';
import { newId } from '../util/ids.js';
import { parseMatcher } from '../alerts/silence.js';
import { NonRetryableError } from '../errors/index.js';

const inputSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('add'),
      /** Alertmanager-style matchers: name=value, name!=value, name=~regex, name!~regex. */
      matchers: z.array(z.string().min(1)).min(1),
      /** How long at most (a finally step usually expires it sooner). @defaultValue 2h */
      duration: durationSchema.default('2h'),
      comment: z.string().min(1),
    })
    .strict(),
  z.object({ action: z.literal('expire'), id: z.string() }).strict(),
]);

/**
 * The `silence` step type: mutes alert notifications (never the findings) while a runbook works
 * on a target, and lifts the silence afterwards (put the expire in `finally`).
 */
export function createSilenceStepType(deps: { store?: Store }) {
  return defineStepType({
    type: 'silence',
    description: 'Adds a silence on alert labels (e.g. while a remediation runs) or expires one. Findings are still recorded; only notifications are muted.',
    input: inputSchema,
    output: z.object({ id: z.string(), endsAt: z.string().nullable() }),
    retrySafe: true,
    examples: [
      { description: 'Mute the finding being fixed', with: { action: 'add', matchers: ['check=${{ params.finding.check }}', 'target=${{ params.finding.target }}'], duration: '2h', comment: 'remediation ${{ run.id }}' } },
      { description: 'Lift it (in finally)', with: { action: 'expire', id: '${{ steps.mute.outputs.id }}' } },
    ],
    async run(ctx, input) {
      if (!deps.store) throw new NonRetryableError('the silence step needs Patrol\'s store', { code: 'no-store' });
      const now = Date.now();
      if (input.action === 'expire') {
        // Nothing to lift when the silence was never added (its step was skipped or failed).
        if (input.id === '') return { id: '', endsAt: null };
        await deps.store.silences.expire(input.id, now);
        ctx.log.info(`silence ${input.id} lifted`);
        return { id: input.id, endsAt: new Date(now).toISOString() };
      }
      if (ctx.dryRun) {
        ctx.log.info(`dry run: would silence ${input.matchers.join(', ')}`);
        return { id: '', endsAt: null };
      }
      const matchers = input.matchers.map(parseMatcher);
      const id = newId();
      const endsAt = now + parseDuration(input.duration, 'with.duration');
      await deps.store.silences.insert({ id, matchers, startsAt: now, endsAt, createdBy: `run:${ctx.runId}`, comment: input.comment, createdAt: now, updatedAt: now });
      ctx.log.info(`silence ${id} added until ${new Date(endsAt).toISOString()}: ${input.matchers.join(', ')}`);
      return { id, endsAt: new Date(endsAt).toISOString() };
    },
  });
}
