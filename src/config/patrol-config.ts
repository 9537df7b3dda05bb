import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { loadYamlFile, YamlFileInvalidError } from './load-yaml-file.js';
import { patrolHome } from './paths.js';
import { durationSchema } from '../workflow/workflow-schema.js';
import { parseDuration } from '../util/duration.js';
import { InputError } from '../errors/index.js';
import { CATEGORIES, SEVERITIES } from '../findings/finding.js';
import type { ValidationIssue } from '../workflow/validation-issue.js';

/** Label names Alertmanager accepts (its legacy validation, which 0.25+ applies to v2 posts). */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = z.string().regex(LABEL_NAME, 'label names are letters, digits and _ and do not start with a digit (Alertmanager rejects others)');
const emailAddress = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/, 'must be an email address: ops@example.com or "Ops <ops@example.com>"');
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL');
const globList = z.array(z.string().min(1)).min(1);

export const REPORT_FORMATS = ['html', 'json', 'junit', 'md', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Retries with exponential backoff: delay, delay*factor, ... capped at maxDelay. */
export const retrySchema = z
  .object({
    /** Tries in all (1 = no retry). @defaultValue 5 */
    attempts: z.number().int().min(1).max(20).default(5),
    /** Wait before the second try. @defaultValue 2s */
    delay: durationSchema.default('2s'),
    /** @defaultValue 2 */
    factor: z.number().min(1).max(10).default(2),
    /** @defaultValue 1m */
    maxDelay: durationSchema.default('1m'),
  })
  .strict();

export const smtpSchema = z
  .object({
    host: z.string().min(1),
    /** @defaultValue 465 with tls, 587 with starttls, 25 with none */
    port: z.number().int().min(1).max(65535).optional(),
    /** tls: TLS from the first byte (SMTPS); starttls: plain then STARTTLS, which is required; none: no TLS. @defaultValue starttls */
    secure: z.enum(['tls', 'starttls', 'none']).default('starttls'),
    /** A `password` credential (username + password) for SMTP AUTH. */
    credential: z.string().min(1).optional(),
    /** Extra trusted CA: PEM text or a PEM file (relative to this config file). */
    ca: z.string().min(1).optional(),
    /** TLS server name when it differs from host (connecting by IP). */
    servername: z.string().min(1).optional(),
    from: emailAddress,
    /** Connection and per-command timeout. @defaultValue 30s */
    timeout: durationSchema.default('30s'),
    retry: retrySchema.default({ attempts: 5, delay: '2s', factor: 2, maxDelay: '1m' }),
  })
  .strict();

/** Who gets the report of an inspection by email, and what is attached. */
export const reportEmailSchema = z
  .object({
    to: z.array(emailAddress).default([]),
    cc: z.array(emailAddress).default([]),
    /** Files attached to the mail: the JSON report and/or the full HTML report. */
    attach: z.array(z.enum(['json', 'html'])).default([]),
    /** always; problems: only when a warning/critical/error exists; changes: only when something is new, regressed or resolved. @defaultValue always */
    when: z.enum(['always', 'problems', 'changes']).default('always'),
    /** Handlebars template of the subject (fields: inspection, score, grade, critical, status, delta). */
    subject: z.string().min(1).optional(),
  })
  .strict();

const channelBase = {
  /** Referenced by rules. */
  name: z.string().regex(/^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/, 'lowercase letters, digits, "-" and "_"'),
  /** Send a notification when an alert resolves. @defaultValue true */
  sendResolved: z.boolean().default(true),
  /** Whether Patrol silences suppress this channel. @defaultValue true (false for alertmanager, which has its own silences) */
  respectSilences: z.boolean().optional(),
  /** @defaultValue 10s */
  timeout: durationSchema.default('10s'),
  retry: retrySchema.default({ attempts: 3, delay: '1s', factor: 2, maxDelay: '30s' }),
};
const httpChannel = {
  /** The endpoint; or urlCredential when the URL itself is a secret (chat webhooks carry a token). */
  url: httpUrl.optional(),
  /** A `token` credential whose token is the full URL. */
  urlCredential: z.string().min(1).optional(),
  /** Extra trusted CA (PEM text or file). */
  ca: z.string().min(1).optional(),
};

export const channelSchema = z.discriminatedUnion('type', [
  z.object({ ...channelBase, type: z.literal('email'), to: z.array(emailAddress).min(1), cc: z.array(emailAddress).default([]) }).strict(),
  z
    .object({
      ...channelBase,
      ...httpChannel,
      type: z.literal('webhook'),
      /** Credential holding the HMAC key (token, or generic field `secret`): the body is signed in X-Patrol-Signature. */
      secretCredential: z.string().min(1).optional(),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  z.object({ ...channelBase, ...httpChannel, type: z.literal('slack') }).strict(),
  z
    .object({
      ...channelBase,
      ...httpChannel,
      type: z.literal('dingtalk'),
      /** The robot's signing secret (SEC...), as a token credential: adds timestamp and sign to the URL. */
      secretCredential: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ ...channelBase, ...httpChannel, type: z.literal('wecom') }).strict(),
  z
    .object({
      ...channelBase,
      ...httpChannel,
      type: z.literal('alertmanager'),
      /** password credential (basic auth) or token credential (bearer). */
      credential: z.string().min(1).optional(),
      /**
       * endsAt of a firing alert is now + validFor, so Alertmanager keeps it firing until the next
       * inspection re-sends it (its own resolve_timeout is minutes). @defaultValue 25h
       */
      validFor: durationSchema.default('25h'),
    })
    .strict(),
]);

export const alertRuleSchema = z
  .object({
    /** Becomes the `alertname` label. */
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-", starting with a letter'),
    /** Which findings alert; every field given must match. */
    match: z
      .object({
        /** Check id globs, e.g. host.disk.* */
        checks: globList.optional(),
        categories: z.array(z.enum(CATEGORIES)).min(1).optional(),
        /** @defaultValue [warning, critical, error] */
        severities: z.array(z.enum(SEVERITIES)).min(1).default(['warning', 'critical', 'error']),
        targets: globList.optional(),
        hosts: globList.optional(),
        inspections: globList.optional(),
        /** Finding labels merged over the run's labels (InspectionConfig metadata.labels): value globs. */
        labels: z.record(z.string(), z.union([z.string(), globList])).optional(),
      })
      .strict()
      .default({ severities: ['warning', 'critical', 'error'] }),
    /** Extra labels; values are Handlebars templates over the finding ({{check}}, {{host}}, {{labels.team}}). */
    labels: z.record(labelName, z.string()).default({}),
    /** Annotations (summary, description, runbook_url...); Handlebars templates like labels. */
    annotations: z.record(labelName, z.string()).default({}),
    /** Channel names; @defaultValue every channel */
    channels: z.array(z.string().min(1)).min(1).optional(),
    /** Re-notify a still-firing alert after this long. @defaultValue alerting.repeatInterval */
    repeatInterval: durationSchema.optional(),
  })
  .strict();

export const patrolConfigSchema = z
  .object({
    apiVersion: z.literal('patrol.dev/v1'),
    kind: z.literal('PatrolConfig'),
    /** Where Patrol's console is served, for links in reports and notifications. */
    baseUrl: httpUrl.optional(),
    reports: z
      .object({
        /** @defaultValue $PATROL_HOME/reports */
        dir: z.string().min(1).optional(),
        /** A directory whose files override the built-in templates of the same name (report.hbs, email.hbs, partials/*.hbs, report.css). */
        templates: z.string().min(1).optional(),
        /** Files each inspection writes when it ends. @defaultValue [html, json] */
        formats: z.array(z.enum(REPORT_FORMATS)).default(['html', 'json']),
        /** The URL reports.dir is served under (links to the full report). */
        publicUrl: httpUrl.optional(),
        /** The emailed HTML (and text) stay under this many bytes by summarising. @defaultValue 1000000 */
        emailBudgetBytes: z.number().int().min(20_000).default(1_000_000),
        /** Attachments that would exceed this total are left out (with a note in the mail). @defaultValue 10000000 */
        attachmentBudgetBytes: z.number().int().min(0).default(10_000_000),
        /** Rows per page of long sections in the HTML report. @defaultValue 200 */
        pageSize: z.number().int().min(10).max(5000).default(200),
        /** Runs in the score history chart. @defaultValue 30 */
        historyRuns: z.number().int().min(2).max(365).default(30),
        /** Email defaults for every inspection; an InspectionConfig's spec.report.email replaces them. */
        email: reportEmailSchema.optional(),
      })
      .strict()
      .default({ formats: ['html', 'json'], emailBudgetBytes: 1_000_000, attachmentBudgetBytes: 10_000_000, pageSize: 200, historyRuns: 30 }),
    smtp: smtpSchema.optional(),
    alerting: z
      .object({
        enabled: z.boolean().default(true),
        /** @defaultValue 4h (Alertmanager's default) */
        repeatInterval: durationSchema.default('4h'),
        channels: z.array(channelSchema).default([]),
        rules: z.array(alertRuleSchema).default([]),
      })
      .strict()
      .default({ enabled: true, repeatInterval: '4h', channels: [], rules: [] }),
  })
  .strict();

export type PatrolConfigFile = z.infer<typeof patrolConfigSchema>;
export type ChannelConfig = z.infer<typeof channelSchema>;
export type AlertRuleConfig = z.infer<typeof alertRuleSchema>;
export type ReportEmailConfig = z.infer<typeof reportEmailSchema>;
export type SmtpConfig = z.infer<typeof smtpSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;

/** Retry settings in milliseconds. */
export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  factor: number;
  maxDelayMs: number;
}

/** The global config with paths made absolute and durations in ms; what the rest of Patrol reads. */
export interface PatrolSettings {
  /** The file it came from; absent when Patrol runs on defaults. */
  file?: string;
  baseUrl?: string;
  reports: Omit<PatrolConfigFile['reports'], 'dir'> & { dir: string };
  smtp?: Omit<SmtpConfig, 'timeout' | 'retry'> & { timeoutMs: number; retry: RetryPolicy };
  alerting: { enabled: boolean; repeatIntervalMs: number; channels: ChannelConfig[]; rules: AlertRuleConfig[] };
}

export function compileRetry(r: RetryConfig, field: string): RetryPolicy {
  return { attempts: r.attempts, delayMs: parseDuration(r.delay, `${field}.delay`), factor: r.factor, maxDelayMs: parseDuration(r.maxDelay, `${field}.maxDelay`) };
}

/**
 * The global Patrol config: the file named by PATROL_CONFIG (which must exist), else
 * $PATROL_HOME/config.yaml when present, else defaults. Problems are reported as file:line:col.
 */
export async function loadPatrolConfig(env: NodeJS.ProcessEnv = process.env): Promise<PatrolSettings> {
  const home = patrolHome(env);
  const named = env.PATROL_CONFIG?.trim();
  const file = named ? resolve(named) : join(home, 'config.yaml');
  if (!named && !existsSync(file)) return compilePatrolConfig(patrolConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'PatrolConfig' }), { home });
  if (named && !existsSync(file)) throw new InputError(`PATROL_CONFIG names ${file}, which does not exist`, { field: 'PATROL_CONFIG' });
  const loaded = await loadYamlFile(file, patrolConfigSchema);
  const cfg = loaded.value;
  const names = new Set<string>();
  const issues: ValidationIssue[] = [];
  cfg.alerting.channels.forEach((c, i) => {
    if (names.has(c.name)) issues.push(loaded.issue(['alerting', 'channels', i, 'name'], 'duplicate', `channel "${c.name}" is defined twice`));
    names.add(c.name);
    if (c.type !== 'email' && !c.url === !c.urlCredential) issues.push(loaded.issue(['alerting', 'channels', i], 'url', 'give exactly one of url and urlCredential'));
  });
  cfg.alerting.rules.forEach((r, i) => {
    r.channels?.forEach((n, j) => {
      if (!names.has(n)) issues.push(loaded.issue(['alerting', 'rules', i, 'channels', j], 'unknown-channel', `"${n}" names no channel in alerting.channels (${[...names].join(', ') || 'none defined'})`));
    });
  });
  const emailChannels = cfg.alerting.channels.some((c) => c.type === 'email');
  if ((emailChannels || (cfg.reports.email?.to.length ?? 0) > 0) && !cfg.smtp) issues.push(loaded.issue([], 'smtp', 'email is configured (reports.email or an email channel) but smtp is not'));
  if (issues.length > 0) throw new YamlFileInvalidError(file, issues);
  return compilePatrolConfig(cfg, { home, file });
}

/** Raw config to settings: defaults, absolute paths (relative to the file), durations in ms. */
export function compilePatrolConfig(cfg: PatrolConfigFile, where: { home: string; file?: string }): PatrolSettings {
  const base = where.file ? dirname(where.file) : process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const reports = { ...cfg.reports, dir: cfg.reports.dir ? abs(cfg.reports.dir) : join(where.home, 'reports'), ...(cfg.reports.templates ? { templates: abs(cfg.reports.templates) } : {}) };
  const out: PatrolSettings = {
    reports,
    alerting: {
      enabled: cfg.alerting.enabled,
      repeatIntervalMs: parseDuration(cfg.alerting.repeatInterval, 'alerting.repeatInterval'),
      channels: cfg.alerting.channels.map((c) => ('ca' in c && c.ca && !c.ca.includes('-----BEGIN') ? { ...c, ca: abs(c.ca) } : c)),
      rules: cfg.alerting.rules,
    },
  };
  if (where.file) out.file = where.file;
  if (cfg.baseUrl) out.baseUrl = cfg.baseUrl.replace(/\/+$/, '');
  if (cfg.smtp) {
    const { timeout, retry, ...rest } = cfg.smtp;
    out.smtp = { ...rest, ...(rest.ca && !rest.ca.includes('-----BEGIN') ? { ca: abs(rest.ca) } : {}), timeoutMs: parseDuration(timeout, 'smtp.timeout'), retry: compileRetry(retry, 'smtp.retry') };
  }
  return out;
}

/** The `spec.report` block of an InspectionConfig: this inspection's recipients, files and alerting. */
export const inspectionReportSchema = z
  .object({
    /** Replaces reports.email of the global config for this inspection. */
    email: reportEmailSchema.optional(),
    /** Files written when the inspection ends. @defaultValue reports.formats */
    formats: z.array(z.enum(REPORT_FORMATS)).min(1).optional(),
    /** Evaluate alert rules on this inspection's findings. @defaultValue true */
    alerts: z.boolean().default(true),
  })
  .strict();

export type InspectionReportConfig = z.infer<typeof inspectionReportSchema>;
