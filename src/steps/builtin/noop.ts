import { z } from 'zod';
import { defineStepType } from '../step-type.js';

/** Does nothing and returns its input as `value`; for tests, benchmarks and wiring outputs. */
export const noopStepType = defineStepType({
  type: 'noop',
  description: 'Does nothing; outputs `value` (the input `value`, if any). Useful for tests, benchmarks and joining branches.',
  input: z.object({ value: z.unknown().optional(), fail: z.string().optional() }).strict(),
  output: z.object({ value: z.unknown().optional() }),
  retrySafe: true,
  examples: [{ description: 'Pass a value on', with: { value: '${{ params.version }}' } }],
  async run(_ctx, input) {
    if (input.fail) throw new Error(input.fail);
    return input.value === undefined ? {} : { value: input.value };
  },
});
