import { z } from 'zod';
import { durationSchema } from '../../../workflow/workflow-schema.js';

/** A database to inspect. Its credential comes from Patrol's store, never from a playbook. */
export const databaseTargetSchema = z
  .object({
    /** Target name in findings ("orders-pg", "orders-pg/public.orders"); also its host name in the collection run. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-"'),
    type: z.enum(['postgres', 'mysql', 'redis']),
    /** Host name or address; for postgres and mysql a path starting with "/" is a Unix socket (directory / socket file). */
    host: z.string().min(1),
    /** @defaultValue 5432 (postgres), 3306 (mysql), 6379 (redis) */
    port: z.number().int().min(1).max(65535).optional(),
    /** Database (schema) to inspect; PostgreSQL and MySQL. @defaultValue postgres (PostgreSQL); every schema (MySQL) */
    database: z.string().optional(),
    /**
     * Name of a password (or token, for Redis) credential. Its `username` is the login user.
     * Never put passwords in the config or a playbook.
     */
    credential: z.string().optional(),
    /** Login user when the credential has no username. @defaultValue postgres / root; none for Redis */
    user: z.string().min(1).optional(),
    /** Where the queries run from: "localhost" (the Patrol host, default) or an inventory host. */
    via: z.string().default('localhost'),
    /** How many slow statements / largest tables to report. @defaultValue 10 */
    top: z.number().int().min(1).max(100).default(10),
    /** MySQL/MariaDB slow query source. */
    slowQueries: z
      .object({
        /**
         * performance_schema (statement digests, cumulative since server start or truncation),
         * slow_log (the mysql.slow_log table, log_output=TABLE) or auto: digests when
         * performance_schema is on, else the slow log table. @defaultValue auto
         */
        source: z.enum(['auto', 'performance_schema', 'slow_log']).default('auto'),
        /** How far back the slow log table is read. @defaultValue 24h */
        window: durationSchema.default('24h'),
      })
      .strict()
      .optional(),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type DatabaseTarget = z.infer<typeof databaseTargetSchema>;
