import { z } from 'zod';
import { durationSchema } from '../../../workflow/workflow-schema.js';

/** One HTTP health endpoint of an application, checked from the Patrol host. */
export const healthEndpointSchema = z
  .object({
    url: z.string().url(),
    /** Accepted status codes or patterns ("2xx"). @defaultValue ["2xx"] */
    expectStatus: z.array(z.union([z.number().int(), z.string()])).optional(),
    /** Body must contain this text. */
    bodyContains: z.string().optional(),
    /** JSON path that must equal a value, e.g. { path: "$.status", equals: "UP" }. */
    json: z.object({ path: z.string(), equals: z.unknown() }).strict().optional(),
    /** Latency above this is a warning; above twice it, critical. @defaultValue 1s */
    maxLatency: durationSchema.optional(),
    timeout: durationSchema.optional(),
    caCert: z.string().optional(),
    insecureSkipVerify: z.boolean().optional(),
  })
  .strict();

/** A connection pool read from a Prometheus text metrics endpoint. */
export const poolSchema = z
  .object({
    name: z.string().min(1),
    /** Series of active (busy) connections, e.g. hikaricp_connections_active{pool="main"}. */
    active: z.string().min(1),
    /** Series of the pool's maximum, or a fixed number. */
    max: z.union([z.string().min(1), z.number().positive()]),
    /** Series of threads waiting for a connection (optional). */
    pending: z.string().optional(),
  })
  .strict();

export const applicationTargetSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-"'),
    /** Inventory hosts or groups where the application runs (processes, logs, batch jobs). */
    hosts: z.array(z.string()).default([]),
    health: z.array(healthEndpointSchema).default([]),
    metrics: z
      .object({
        url: z.string().url(),
        pools: z.array(poolSchema).min(1),
        timeout: durationSchema.optional(),
      })
      .strict()
      .optional(),
    /** Processes of the application: regex on the command line. */
    processes: z.array(z.object({ name: z.string().min(1), match: z.string().min(1) }).strict()).default([]),
    logs: z
      .array(
        z
          .object({
            path: z.string().min(1),
            /** Files older than this many days should have been removed. */
            retentionDays: z.number().positive().optional(),
            /** Directory size limit, e.g. "5GiB" or bytes. */
            maxSize: z.union([z.string(), z.number()]).optional(),
            /** Expect rotation: the largest single file above this size means rotation is missing. @defaultValue 1GiB */
            maxFileSize: z.union([z.string(), z.number()]).optional(),
          })
          .strict(),
      )
      .default([]),
    batchJobs: z
      .array(
        z
          .object({
            name: z.string().min(1),
            /**
             * A file the job writes when it ends: JSON {"lastSuccess": ISO time, "durationSeconds": n,
             * "status": "success"|"failed"} (see docs/inspections.md).
             */
            statusFile: z.string().min(1),
            /** Longest acceptable run; default: 1.5x the job's own median of earlier runs. */
            maxDuration: durationSchema.optional(),
            /** Oldest acceptable last success (e.g. 26h for a daily job). */
            maxAge: durationSchema.optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type ApplicationTarget = z.infer<typeof applicationTargetSchema>;
