import { z } from 'zod';
import { durationSchema } from '../../../workflow/workflow-schema.js';
import { BODY_ASSERTION_SHAPES, bodyAssertionShape } from '../../../http/body-assertion.js';
import { STATUS_PATTERN_RE } from '../../../http/status-pattern.js';
import { parseBytes } from '../../checks/format.js';
import { parseSelector } from './prometheus-text.js';

/**
 * What an application is, for `patrol inspect app` (InspectionConfig spec.applications[]).
 * docs/app-checks.md documents every field with examples. Checks' thresholds are not here: they
 * are in spec.checks / spec.overrides like every other check; these are facts about the
 * application (its URLs, its limits, its SLAs).
 */

const httpUrl = z.string().superRefine((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not an absolute URL (example: https://shop.example.com/health)` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `scheme must be http or https, not ${url.protocol.replace(':', '')}` });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password; store them as a credential and set `credential`' });
});

const regexSchema = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

const sizeSchema = z.union([z.string(), z.number().positive()]).superRefine((v, ctx) => {
  try {
    parseBytes(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const selectorSchema = z.string().superRefine((s, ctx) => {
  try {
    parseSelector(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const absolutePath = z.string().regex(/^\/./, 'must be an absolute path');
const itemName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-"');
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Connection settings shared by health endpoints, the metrics endpoint and TLS URLs. */
const clientFields = {
  /** Whole-exchange limit (connect, TLS, headers, body). @defaultValue 10s */
  timeout: durationSchema.optional(),
  /** Extra trusted CA (PEM text or a PEM file path) for a private PKI. */
  caCert: z.string().min(1).optional(),
  /** Accept any certificate (it is still read for app.tls.expiry). @defaultValue false */
  insecureSkipVerify: z.boolean().optional(),
  /** Stored credential: `token` sends Authorization: Bearer, `password` sends Basic. */
  credential: z.string().min(1).optional(),
  /** Extra request headers (e.g. Host). */
  headers: z.record(z.string().regex(headerName, 'is not a valid header name'), z.string().regex(/^[^\r\n\0]*$/, 'must not contain line breaks')).optional(),
};

/** A check of the response body: the same shapes as the http step's expect.body. */
export const bodyCheckSchema = z
  .object({
    jsonPath: z.string().min(1).optional(),
    equals: z.unknown().optional(),
    matches: regexSchema.optional(),
    exists: z.boolean().optional(),
    regex: regexSchema.optional(),
    contains: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const shape = bodyAssertionShape(a);
    if (!(BODY_ASSERTION_SHAPES as readonly string[]).includes(shape)) {
      ctx.addIssue({ code: 'custom', message: `a body check is one of ${BODY_ASSERTION_SHAPES.map((s) => `{${s.replace(',', ', ')}}`).join(', ')}; got {${shape.replace(/,/g, ', ')}}` });
    }
  });

/** One HTTP health endpoint of an application, requested from the Patrol host (GET). */
export const healthEndpointSchema = z
  .object({
    url: httpUrl,
    /** Accepted status codes or patterns ("2xx", "30x"). @defaultValue ["2xx"] */
    expectStatus: z.array(z.union([z.number().int().min(100).max(599), z.string().regex(STATUS_PATTERN_RE, 'must be a status code or a pattern such as 2xx')])).min(1).optional(),
    /** Checks of the body (app.health.body), e.g. [{ jsonPath: "$.status", equals: "UP" }]. @defaultValue [] */
    body: z.array(bodyCheckSchema).optional(),
    /** Latency (to the response headers) above this is a warning, above twice it critical; without it app.health.latency's thresholds apply. */
    maxLatency: durationSchema.optional(),
    /** Follow up to 5 redirects. @defaultValue true */
    followRedirects: z.boolean().optional(),
    ...clientFields,
  })
  .strict();

/** A connection pool read from the metrics endpoint. Each series is a PromQL-style selector. */
export const poolSchema = z
  .object({
    /** Pool name in targets: `APP:pool:NAME`. */
    name: itemName,
    /** Series of active (busy) connections, e.g. hikaricp_connections_active{pool="main"}. It must select exactly one series. */
    active: selectorSchema,
    /** Series of the pool's maximum size (hikaricp_connections_max{pool="main"}), or a fixed number. */
    max: z.union([selectorSchema, z.number().positive()]),
    /** Series of threads waiting for a connection (hikaricp_connections_pending{pool="main"}); app.pool.pending reads it. */
    pending: selectorSchema.optional(),
  })
  .strict();

/** A process (regex on its command line) or a container/service (a cgroup) of the application. */
export const processSchema = z
  .object({
    /** Name in targets: `APP:proc:NAME@HOST`. */
    name: itemName,
    /** Python regular expression searched in the command line (arguments joined by spaces). */
    match: z.string().min(1).optional(),
    /** A cgroup (as in /proc/PID/cgroup, e.g. /system.slice/shop.service or a container's) whose memory is sampled instead of processes'. */
    cgroup: z.string().regex(/^\//, 'a cgroup path starts with /').optional(),
    /**
     * Python regular expression matched in full against the kernel's name of a killed process
     * (at most 15 characters) to attribute OOM kills. @defaultValue `match` searched in that name,
     * or the name of any running process that `match` selects
     */
    comm: z.string().min(1).optional(),
  })
  .strict()
  .refine((p) => (p.match === undefined) !== (p.cgroup === undefined), { message: 'give either match (a command line regex) or cgroup, not both or neither' });

export const logDirSchema = z
  .object({
    /** Directory of the application's logs; walked recursively without crossing filesystems. */
    path: absolutePath,
    /** Files older than this many days (by modification time) should have been removed (app.logs.retention). */
    retentionDays: z.number().positive().optional(),
    /** Size limit of the directory, e.g. "5GiB" or bytes (app.logs.size). No limit when absent. */
    maxSize: sizeSchema.optional(),
    /** A single file above this size means rotation is missing (app.logs.rotation). @defaultValue 1GiB */
    maxFileSize: sizeSchema.optional(),
  })
  .strict();

export const batchJobSchema = z
  .object({
    /** Job name in targets: `APP:job:NAME@HOST`. */
    name: itemName,
    /**
     * A JSON file the job writes when a run ends (docs/app-checks.md, "Batch job status files"):
     * {"status": "success"|"failed"|"running", "lastSuccess": ISO time or epoch seconds,
     *  "durationSeconds": seconds of the last run}.
     */
    statusFile: absolutePath,
    /** Longest acceptable run (SLA): longer is critical. Without it app.job.duration compares with the job's own median. */
    maxDuration: durationSchema.optional(),
    /** Oldest acceptable last success (e.g. 26h for a daily job): older is critical. Without it, the job's own rhythm. */
    maxAge: durationSchema.optional(),
    /** Inventory hosts or groups where the job runs. @defaultValue the application's hosts */
    hosts: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export const metricsEndpointSchema = z
  .object({
    /** Prometheus text format page (/metrics, /actuator/prometheus). */
    url: httpUrl,
    pools: z.array(poolSchema).min(1),
    ...clientFields,
  })
  .strict();

export const applicationTargetSchema = z
  .object({
    /** The application's name: the inspection target, and the prefix of every sub-target. */
    name: itemName,
    /** Labels matched by overrides[].match.groups (e.g. [prod, payments]). @defaultValue [] */
    groups: z.array(z.string().min(1)).default([]),
    /** Inventory hosts or groups (globs allowed) where the application runs: processes, logs and batch jobs are read there. @defaultValue [] */
    hosts: z.array(z.string().min(1)).default([]),
    /** HTTP(S) health endpoints (app.health.*); https ones also get app.tls.expiry. @defaultValue [] */
    health: z.array(healthEndpointSchema).default([]),
    /** Further HTTPS URLs whose certificates app.tls.expiry reads (without a health request). @defaultValue [] */
    tls: z.array(z.object({ url: httpUrl, ...clientFields }).strict()).default([]),
    /** Connection pools from a Prometheus text metrics endpoint (app.pool.*). */
    metrics: metricsEndpointSchema.optional(),
    /** Processes or cgroups: running, memory, leaks, OOM kills (app.process.*). @defaultValue [] */
    processes: z.array(processSchema).default([]),
    /** Log directories (app.logs.*). @defaultValue [] */
    logs: z.array(logDirSchema).default([]),
    /** Batch jobs with a status file (app.job.*). @defaultValue [] */
    batchJobs: z.array(batchJobSchema).default([]),
  })
  .strict()
  .superRefine((app, ctx) => {
    const unique = (items: readonly string[], field: string, what: string) => {
      const seen = new Set<string>();
      items.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [field, i], message: `${what} "${v}" appears twice in application ${app.name}` });
        seen.add(v);
      });
    };
    unique(app.processes.map((p) => p.name), 'processes', 'process name');
    unique(app.logs.map((l) => l.path), 'logs', 'log path');
    unique(app.batchJobs.map((j) => j.name), 'batchJobs', 'job name');
    unique(app.metrics?.pools.map((p) => p.name) ?? [], 'metrics', 'pool name');
    const hostSide = app.processes.length + app.logs.length + app.batchJobs.filter((j) => !j.hosts).length;
    if (hostSide > 0 && app.hosts.length === 0) ctx.addIssue({ code: 'custom', path: ['hosts'], message: `application ${app.name} has processes, logs or batch jobs: list the inventory hosts or groups it runs on in hosts` });
  });

export type ApplicationTarget = z.infer<typeof applicationTargetSchema>;
export type HealthEndpoint = z.infer<typeof healthEndpointSchema>;
export type PoolConfig = z.infer<typeof poolSchema>;
export type ProcessConfig = z.infer<typeof processSchema>;
export type LogDirConfig = z.infer<typeof logDirSchema>;
export type BatchJobConfig = z.infer<typeof batchJobSchema>;

/** Default of logs[].maxFileSize. */
export const DEFAULT_MAX_LOG_FILE_SIZE = '1GiB';
