import { z } from 'zod';
import { RUN_STATUSES, STEP_STATUSES, ATTEMPT_STATUSES } from '../../engine/run-states.js';
import { epochMs, jsonObject } from './common.js';

export const serializedErrorSchema = z.object({ name: z.string(), code: z.string(), message: z.string(), retryable: z.boolean(), details: jsonObject.optional() }).meta({ id: 'StepError' });

/** A run in lists (no params: they may hold secrets and need the definition to mask). */
export const runSummarySchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    namespace: z.string(),
    status: z.enum(RUN_STATUSES),
    reason: z.string().nullable(),
    trigger: z.string(),
    triggeredBy: z.string().nullable(),
    retryOf: z.string().nullable(),
    inspection: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    dryRun: z.boolean(),
    createdAt: epochMs,
    startedAt: epochMs.nullable(),
    finishedAt: epochMs.nullable(),
    cancelRequestedAt: epochMs.nullable(),
    /** Active, but the process driving it stopped (recovery resumes it). */
    interrupted: z.boolean(),
  })
  .meta({ id: 'RunSummary' });

export const runSchema = runSummarySchema
  .extend({
    /** Params; values of params declared `secret` are masked. */
    params: jsonObject,
    error: serializedErrorSchema.nullable(),
    cancelReason: z.string().nullable(),
    deadlineAt: epochMs.nullable(),
    concurrencyKey: z.string().nullable(),
    /** Per-step input overrides (retry of only the failed hosts). */
    overrides: z.record(z.string(), jsonObject),
  })
  .meta({ id: 'Run' });

export const stepSchema = z
  .object({
    name: z.string(),
    base: z.string(),
    idx: z.number().int().nullable(),
    phase: z.enum(['main', 'finally']),
    status: z.enum(STEP_STATUSES),
    attempts: z.number().int(),
    outputs: jsonObject.nullable(),
    error: serializedErrorSchema.nullable(),
    item: z.unknown(),
    reason: z.string().nullable(),
    reusedFrom: z.string().nullable(),
    nextAttemptAt: epochMs.nullable(),
    startedAt: epochMs.nullable(),
    finishedAt: epochMs.nullable(),
    wait: z.object({ kind: z.string(), ref: z.string(), since: epochMs, expiresAt: epochMs.nullable(), message: z.string().optional() }).nullable(),
  })
  .meta({ id: 'Step' });

export const attemptSchema = z
  .object({
    step: z.string(),
    attempt: z.number().int(),
    status: z.enum(ATTEMPT_STATUSES),
    owner: z.string().nullable(),
    queuedAt: epochMs,
    startedAt: epochMs.nullable(),
    finishedAt: epochMs.nullable(),
    exitCode: z.number().int().nullable(),
    error: serializedErrorSchema.nullable(),
  })
  .meta({ id: 'Attempt' });

export const runDetailSchema = z.object({ run: runSchema, steps: z.array(stepSchema), attempts: z.array(attemptSchema) }).meta({ id: 'RunDetail' });

export const logLineSchema = z
  .object({ id: z.number().int(), step: z.string(), attempt: z.number().int(), seq: z.number().int(), ts: epochMs, stream: z.string(), message: z.string() })
  .meta({ id: 'LogLine' });

export const triggerBodySchema = z
  .object({
    /** Param values; with paramsFromStrings, strings are converted to the declared types (as on the command line). */
    params: jsonObject.default({}),
    paramsFromStrings: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    labels: z.record(z.string().max(63), z.string().max(253)).default({}),
    /** Version of a stored workflow; default the latest. */
    version: z.number().int().min(0).optional(),
    /** Name of the inspection the run belongs to (runs of one inspection are compared). */
    inspection: z.string().min(1).max(253).optional(),
  })
  .strict();

export type RunSummaryJson = z.infer<typeof runSummarySchema>;
export type RunJson = z.infer<typeof runSchema>;
export type RunDetailJson = z.infer<typeof runDetailSchema>;
export type LogLineJson = z.infer<typeof logLineSchema>;
