import { z } from 'zod';

/**
 * Data shapes of the app collector's sections, one target per application. `health`, `tls` and
 * `pools` are measured from the Patrol host (app-probes.ts); `processes`, `oom`, `logs` and
 * `jobs` on the application's hosts by playbooks/library/patrol_app.py (one item per configured
 * thing per host). An item that could not be measured carries `error` and becomes an `error`
 * finding for its sub-target; it is never dropped.
 */

const nullableNumber = z.number().nullable();

export const healthSection = z.object({
  endpoints: z.array(
    z.object({
      url: z.string(),
      /** A response arrived (any status). False: refused, timed out, TLS failure, DNS. */
      responded: z.boolean(),
      status: nullableNumber,
      expectStatus: z.array(z.union([z.number(), z.string()])),
      /** Time to the response headers, redirects included; null without a response. */
      latencyMs: nullableNumber,
      timeoutMs: z.number(),
      /** The endpoint's own maxLatency in ms, when configured. */
      maxLatencyMs: nullableNumber,
      /** Why there is no response, as Node/OpenSSL worded it. */
      error: z.string().nullable(),
      /** timeout | connection | ... (StepError code of the http client). */
      errorCode: z.string().nullable(),
      /** Body checks configured for the endpoint. */
      bodyChecks: z.number(),
      /** Results of the configured body checks (empty when none, or without a response). */
      body: z.array(z.object({ assertion: z.string(), passed: z.boolean(), expected: z.string(), actual: z.unknown(), detail: z.string().optional() })),
      bodyExcerpt: z.string(),
      redirects: z.array(z.string()),
    }),
  ),
});
export type HealthSection = z.infer<typeof healthSection>;

export const certificateSchema = z.object({
  subject: z.string().nullable(),
  issuer: z.string(),
  subjectAltNames: z.array(z.string()),
  validFrom: z.string(),
  validTo: z.string(),
  fingerprint256: z.string(),
  /** Chain and host name verified against the system CAs plus caCert. */
  authorized: z.boolean(),
  authorizationError: z.string().nullable(),
});

export const tlsSection = z.object({
  certificates: z.array(
    z.object({
      /** Origin: https://host:port. */
      origin: z.string(),
      /** The configured URLs served by this origin. */
      urls: z.array(z.string()),
      certificate: certificateSchema.nullable(),
      error: z.string().nullable(),
    }),
  ),
});
export type TlsSection = z.infer<typeof tlsSection>;

export const poolsSection = z.object({
  /** The metrics URL, null when the application has no metrics endpoint. */
  url: z.string().nullable(),
  /** Lines of the page that did not parse (they are skipped). */
  parseErrors: z.number(),
  pools: z.array(
    z.object({
      name: z.string(),
      error: z.string().nullable(),
      active: nullableNumber,
      max: nullableNumber,
      pending: nullableNumber,
      /** Whether a pending series is configured (app.pool.pending judges only those pools). */
      pendingConfigured: z.boolean(),
      /** The series each value came from, as they appear on the page. */
      series: z.object({ active: z.string().nullable(), max: z.string().nullable(), pending: z.string().nullable() }),
    }),
  ),
});
export type PoolsSection = z.infer<typeof poolsSection>;

const hostItem = { host: z.string(), error: z.string().nullable() };

export const processesSection = z.object({
  items: z.array(
    z.object({
      ...hostItem,
      name: z.string(),
      kind: z.enum(['process', 'cgroup']),
      /** The regex or cgroup that selects it. */
      selector: z.string(),
      /** Epoch ms of each sample. */
      at: z.array(z.number()),
      /** Memory per sample: summed RSS of the matching processes, or the cgroup's working set; null when nothing matched then. */
      total: z.array(nullableNumber),
      /** Processes seen at the last sample. */
      count: z.number(),
      /** Per process: RSS at each sample (null when it did not exist then). */
      processes: z.array(z.object({ pid: z.number(), comm: z.string(), cmdline: z.string(), rss: z.array(nullableNumber) })),
      /** cgroup memory limit, when there is one. */
      limitBytes: nullableNumber,
      command: z.string().optional(),
    }),
  ),
});
export type ProcessesSection = z.infer<typeof processesSection>;

export const oomSection = z.object({
  items: z.array(
    z.object({
      ...hostItem,
      name: z.string(),
      /** Where the kernel log was read: kmsg (the ring buffer) or journal. */
      source: z.string().nullable(),
      /** Epoch ms of the oldest kernel log record read: kills before it cannot be seen. */
      since: nullableNumber,
      /** The log reaches back to this kernel's boot: nothing it logged is missing. */
      fromBoot: z.boolean(),
      kills: z.array(z.object({ at: z.number(), pid: z.number(), process: z.string(), memcg: z.string().nullable(), line: z.string() })),
    }),
  ),
});
export type OomSection = z.infer<typeof oomSection>;

const fileRef = z.object({ path: z.string(), bytes: z.number(), mtime: z.number() });

export const logsSection = z.object({
  items: z.array(
    z.object({
      ...hostItem,
      path: z.string(),
      files: z.number(),
      totalBytes: z.number(),
      largest: z.array(fileRef),
      oldest: fileRef.nullable(),
      /** Files whose name looks rotated (app.log.1, app.log.2.gz, app-2024-05-01.log). */
      rotatedFiles: z.number(),
      retentionDays: nullableNumber,
      /** Files older than retentionDays (all zero without one). */
      expired: z.object({ count: z.number(), bytes: z.number(), examples: z.array(fileRef) }),
      /** The walk stopped at its time limit: numbers are lower bounds. */
      partial: z.boolean(),
      /** Why the numbers may be incomplete (unreadable subdirectories, the time limit). */
      note: z.string().nullable(),
      /** Limits from the configuration, in bytes. */
      maxSizeBytes: nullableNumber,
      maxFileSizeBytes: z.number(),
      command: z.string().optional(),
    }),
  ),
});
export type LogsSection = z.infer<typeof logsSection>;

export const jobsSection = z.object({
  items: z.array(
    z.object({
      ...hostItem,
      name: z.string(),
      statusFile: z.string(),
      /** success | failed | running | anything else the file says (lower case); null when absent. */
      status: z.string().nullable(),
      /** Epoch ms of the last successful end; null when the file has none. */
      lastSuccess: nullableNumber,
      durationSeconds: nullableNumber,
      /** Modification time of the status file (epoch ms). */
      mtime: nullableNumber,
      maxDurationSeconds: nullableNumber,
      maxAgeSeconds: nullableNumber,
      /** The file's text (capped), for evidence. */
      raw: z.string(),
    }),
  ),
});
export type JobsSection = z.infer<typeof jobsSection>;
