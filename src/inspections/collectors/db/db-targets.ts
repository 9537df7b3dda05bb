import { z } from 'zod';

/** A database to inspect. Its credential comes from Patrol's store, never from a playbook. */
export const databaseTargetSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-"'),
    type: z.enum(['postgres', 'mysql', 'redis']),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    /** Database (schema) to inspect; PostgreSQL and MySQL. */
    database: z.string().optional(),
    /** Name of a password (or token, for Redis) credential. */
    credential: z.string().optional(),
    /** Where the queries run from: "localhost" (the Patrol host, default) or an inventory host. */
    via: z.string().default('localhost'),
    /** How many slow statements / largest tables to report. @defaultValue 10 */
    top: z.number().int().min(1).max(100).default(10),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type DatabaseTarget = z.infer<typeof databaseTargetSchema>;
