import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { defineStepType } from '../step-type.js';
import { durationSchema } from '../../workflow/workflow-schema.js';
import { parseDuration } from '../../util/duration.js';

/** Waits for a duration (honouring cancel and timeout). */
export const sleepStepType = defineStepType({
  type: 'sleep',
  description: 'Waits for `duration` (e.g. 30s). Stops at once on cancel or timeout.',
  input: z.object({ duration: durationSchema }).strict(),
  output: z.object({ sleptMs: z.number() }),
  retrySafe: true,
  examples: [{ description: 'Wait for a rollout to settle', with: { duration: '30s' } }],
  async run(ctx, input) {
    const ms = parseDuration(input.duration, 'with.duration');
    const start = Date.now();
    await delay(ms, undefined, { signal: ctx.signal });
    return { sleptMs: Date.now() - start };
  },
});
