import { z } from 'zod';
import { isDuration } from '../util/duration.js';

/** Names usable as CEL identifiers: `steps.NAME.outputs.KEY`, `params.NAME`. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = (what: string) =>
  z.string().regex(IDENTIFIER, `${what} must start with a letter or _ and contain only letters, digits and _ (it is used in expressions as ${what === 'step name' ? 'steps.NAME' : 'params.NAME'})`);

export const durationSchema = z.union([z.string(), z.number()]).refine(isDuration, {
  message: 'must be a duration such as 30s, 5m, 1h30m, 500ms, or a number of seconds',
});

export const PARAM_TYPES = ['string', 'number', 'boolean', 'list', 'object'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export const paramSchema = z
  .object({
    name: identifier('param name'),
    type: z.enum(PARAM_TYPES).default('string'),
    default: z.unknown().optional(),
    required: z.boolean().default(false),
    description: z.string().optional(),
    /** Masked in logs and outputs like credentials. */
    secret: z.boolean().default(false),
    /** Allowed values (strings or numbers). */
    enum: z.array(z.union([z.string(), z.number()])).optional(),
  })
  .strict();

export const backoffSchema = z
  .object({
    /** First delay. @defaultValue 1s */
    delay: durationSchema.optional(),
    /** Multiplier per attempt (exponent base). @defaultValue 2 */
    factor: z.number().min(1).max(10).optional(),
    /** Upper bound of one delay. @defaultValue 5m */
    maxDelay: durationSchema.optional(),
    /** Random spread as a fraction of the delay, 0..1. @defaultValue 0.2 */
    jitter: z.number().min(0).max(1).optional(),
  })
  .strict();

export const retriesSchema = z.union([
  z.number().int().min(0).max(100),
  z
    .object({
      limit: z.number().int().min(0).max(100),
      backoff: backoffSchema.optional(),
      /** Error codes that retry (e.g. timeout, exit-code, unreachable). Default: any retryable error. */
      on: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict(),
]);

export const forEachSchema = z.union([
  z.string(),
  z.array(z.unknown()),
  z
    .object({
      /** A list, or a `${{ }}` expression that yields one. */
      items: z.union([z.string(), z.array(z.unknown())]),
      /** How many instances run at once. @defaultValue 10 */
      concurrency: z.number().int().min(1).max(1000).optional(),
      /** Stop starting new instances after the first failure. @defaultValue false */
      failFast: z.boolean().optional(),
      /**
       * Blast radius: run this many instances first, alone; the rest start only if all of them
       * succeeded. @defaultValue 0 (no canary)
       */
      canary: z.number().int().min(0).optional(),
      /**
       * Blast radius: stop starting instances once more than this percentage of the finished ones
       * failed (the rest are skipped). @defaultValue 100 (never halt)
       */
      maxFailurePercent: z.number().min(0).max(100).optional(),
    })
    .strict(),
]);

export const stepSchema = z
  .object({
    name: identifier('step name'),
    type: z.string().min(1),
    description: z.string().optional(),
    with: z.record(z.string(), z.unknown()).default({}),
    needs: z.array(z.string()).default([]),
    when: z.string().min(1).optional(),
    retries: retriesSchema.optional(),
    timeout: durationSchema.optional(),
    continueOnError: z.boolean().default(false),
    forEach: forEachSchema.optional(),
    /**
     * Targets this step changes ("host:web-1", "namespace:prod", "db:orders"; templates allowed).
     * A lease per target is shared by all workflows and servers: the step waits while another run
     * holds one of them.
     */
    leases: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const CONCURRENCY_POLICIES = ['queue', 'skip', 'cancel-older'] as const;

export const workflowSchema = z
  .object({
    apiVersion: z.literal('patrol.dev/v1'),
    kind: z.literal('Workflow'),
    metadata: z
      .object({
        name: z
          .string()
          .min(1)
          .max(253)
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be lowercase letters, digits, "-" or "." (like a Kubernetes name)'),
        namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-"').default('default'),
        labels: z.record(z.string(), z.string()).default({}),
        description: z.string().optional(),
      })
      .strict(),
    spec: z
      .object({
        params: z.array(paramSchema).default([]),
        steps: z.array(stepSchema).min(1, 'a workflow needs at least one step'),
        finally: z.array(stepSchema).default([]),
        concurrency: z
          .object({
            key: z.string().min(1),
            policy: z.enum(CONCURRENCY_POLICIES).default('queue'),
          })
          .strict()
          .optional(),
        timeout: durationSchema.optional(),
      })
      .strict(),
  })
  .strict();

export type WorkflowDefinition = z.infer<typeof workflowSchema>;
export type StepDefinition = z.infer<typeof stepSchema>;
export type ParamDefinition = z.infer<typeof paramSchema>;
export type RetriesDefinition = z.infer<typeof retriesSchema>;
export type ForEachDefinition = z.infer<typeof forEachSchema>;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];
