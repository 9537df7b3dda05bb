import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import { NonRetryableError, PatrolError } from '../errors/index.js';
import { REPORT_FORMATS, type PatrolSettings, type ReportEmailConfig, type InspectionReportConfig } from '../config/patrol-config.js';
import { loadYamlFile, YamlFileInvalidError } from '../config/load-yaml-file.js';
import { inspectionConfigSchema } from '../inspections/config/inspection-config.js';
import type { Store } from '../store/store.js';
import { deliverySummary, type DeliveryRecord } from '../notify/delivery.js';
import { recordDelivery } from '../notify/record-delivery.js';
import type { Mailer } from '../email/mailer.js';
import { reportLinks } from './report-links.js';
import type { ReportModel } from './report-model.js';
import { reportModelOptions, reportRenderOptions } from './report-settings.js';

export interface ReportStepDeps {
  /** The store the run's findings are in; absent when only validating workflows. */
  store?: Store;
  /** The global Patrol config, read when the step runs (edits apply to the next run). */
  settings: () => Promise<PatrolSettings>;
}

const inputSchema = z
  .object({
    /** The InspectionConfig file of the run (its spec.report block); "" = none. */
    config: z.string().optional(),
    /** The run's status as finally steps see it: `${{ run.status }}`. */
    status: z.string().optional(),
    /** Recipients for this run (a schedule's); replaces the inspection's and the global ones when not empty. */
    emailTo: z.union([z.string(), z.array(z.string())]).optional(),
    /** Files to write; default: spec.report.formats, then reports.formats. */
    formats: z.array(z.enum(REPORT_FORMATS)).optional(),
    /** Email the report. @defaultValue true */
    email: z.boolean().default(true),
    /** Evaluate alert rules and notify. @defaultValue true */
    alerts: z.boolean().default(true),
  })
  .strict();

const outputSchema = z.object({
  inspection: z.string(),
  score: z.number(),
  grade: z.string(),
  files: z.record(z.string(), z.string()),
  email: z.object({ status: z.enum(['sent', 'failed', 'skipped']), reason: z.string().optional(), to: z.array(z.string()).optional(), bytes: z.number().optional(), level: z.number().optional() }),
  alerts: z.object({ fired: z.number(), stillFiring: z.number(), resolved: z.number(), silenced: z.number(), notifications: z.number() }).optional(),
  deliveries: z.array(z.record(z.string(), z.unknown())),
  /** All deliveries of the step (the list above is capped; `patrol runs show` lists them all). */
  deliveriesTotal: z.number().optional(),
  failedDeliveries: z.number(),
});

type Output = z.infer<typeof outputSchema>;

const MAX_LISTED_DELIVERIES = 50;

export async function inspectionReportConfig(file: string | undefined): Promise<InspectionReportConfig | undefined> {
  if (!file) return undefined;
  try {
    return (await loadYamlFile(file, inspectionConfigSchema)).value.spec.report;
  } catch (err) {
    if (err instanceof YamlFileInvalidError || err instanceof PatrolError) throw new NonRetryableError(err.message, { code: 'invalid-config' });
    throw err;
  }
}

/**
 * The `report` step type, placed in the `finally` of inspection workflows: builds the run's report
 * from its stored findings, writes it in the configured formats, emails it, and evaluates alert
 * rules (firing/resolved against the previous state) with notifications through the channels.
 * Every delivery is recorded on the run; when one fails the step fails (after writing everything
 * it could), so the failure shows on the run. Workflows mark it continueOnError: the inspection
 * itself still succeeded.
 */
export function createReportStepType(deps: ReportStepDeps) {
  return defineStepType({
    type: 'report',
    description: 'Builds the inspection report of this run (HTML, JSON, JUnit, Markdown, CSV) into the reports directory, emails it, and evaluates alert rules with notifications (email, webhook, Slack, DingTalk, WeCom, Alertmanager).',
    input: inputSchema,
    output: outputSchema,
    defaults: { timeout: '30m' },
    // Delivering twice after a crash beats never delivering.
    retrySafe: true,
    examples: [{ description: 'In an inspection workflow: report when the run ends', with: { config: '${{ params.config }}', status: '${{ run.status }}' } }],
    async run(ctx, input) {
      // Renderers load only when a report is made (not for every CLI call); the mailer and alert
      // channels only when they are used (nodemailer alone costs ~25 ms of start-up).
      const [{ buildReport }, { writeReportFiles }] = await Promise.all([import('./report-model.js'), import('./write-report-files.js')]);
      const store = deps.store;
      if (!store) throw new NonRetryableError('the report step needs Patrol\'s store (this process only validates workflows)', { code: 'no-store' });
      let settings: PatrolSettings;
      try {
        settings = await deps.settings();
      } catch (err) {
        throw new NonRetryableError(`Patrol config: ${(err as Error).message}`, { code: 'invalid-config' });
      }
      const report = await inspectionReportConfig(input.config || undefined);
      const status = input.status || 'succeeded';
      const model = await buildReport(store, ctx.runId, reportModelOptions(settings, status));
      // The score is recorded first: later runs' history charts need it even if writing files fails.
      const record = (files: Record<string, string>) =>
        store.reports.upsert({ runId: ctx.runId, inspection: model.inspection, score: model.score.value, grade: model.score.grade, counts: { bySeverity: model.counts.bySeverity, findings: model.counts.findings, targets: model.counts.targets }, status, files, createdAt: Date.now() });
      await record({});
      const formats = input.formats ?? report?.formats ?? settings.reports.formats;
      const files = await writeReportFiles(model, settings.reports.dir, formats, reportRenderOptions(settings));
      await record(files);
      ctx.log.info(`report ${model.inspection}: score ${model.score.value} (${model.score.grade}), ${model.counts.findings} findings; written: ${Object.values(files).join(', ')}`);

      const deliveries: DeliveryRecord[] = [];
      let mailer: Mailer | undefined;
      if (settings.smtp) {
        const smtp = settings.smtp;
        const { createMailer } = await import('../email/mailer.js');
        mailer = createMailer(smtp, async () => (smtp.credential ? ctx.secrets.get(smtp.credential) : undefined));
      }
      const onRetry = (what: string) => (attempt: number, error: string, waitMs: number) => ctx.log.warn(`${what}: try ${attempt} failed (${error}); retrying in ${waitMs} ms`);
      const out: Output = { inspection: model.inspection, score: model.score.value, grade: model.score.grade, files, email: { status: 'skipped' }, deliveries: [], failedDeliveries: 0 };

      if (ctx.dryRun) out.email = { status: 'skipped', reason: 'dry run' };
      else if (input.email) out.email = await sendReportEmail({ runId: ctx.runId, log: ctx.log, signal: ctx.signal, model, settings, email: report?.email, emailTo: input.emailTo, mailer, deliveries, onRetry: onRetry('report email'), store });

      if (input.alerts && !ctx.dryRun && settings.alerting.enabled && report?.alerts !== false && settings.alerting.rules.length > 0) {
        const run = await store.runs.getRun(ctx.runId);
        const findings = await store.findings.listByRun(ctx.runId);
        const links = reportLinks({ ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}), ...(settings.reports.publicUrl ? { publicUrl: settings.reports.publicUrl } : {}) });
        const limit = typeof run?.params.limit === 'string' ? run.params.limit : undefined;
        const { runAlerting } = await import('../alerts/run-alerting.js');
        const a = await runAlerting(store, {
          runId: ctx.runId,
          status,
          ...(limit ? { limit } : {}),
          findings,
          settings,
          context: {
            inspection: model.inspection,
            runId: ctx.runId,
            runLabels: run?.labels ?? {},
            reportUrl: model.links.report,
            remediationUrl: (f) => (f.remediationWorkflow ? links.remediation(f.remediationWorkflow, f.fingerprint, ctx.runId) : null),
          },
          now: Date.now(),
          deps: { secret: (name) => ctx.secrets.get(name), ...(mailer ? { mailer } : {}), signal: ctx.signal, onRetry: onRetry('alert notification') },
          log: (m) => ctx.log.info(m),
        });
        deliveries.push(...a.deliveries);
        out.alerts = { fired: a.fired, stillFiring: a.stillFiring, resolved: a.resolved, silenced: a.silenced, notifications: a.notifications };
        ctx.log.info(`alerts: ${a.fired} fired, ${a.stillFiring} still firing, ${a.resolved} resolved, ${a.silenced} silenced, ${a.notifications} notifications`);
      }
      // Outputs stay small however many groups were notified: failures first, the rest counted.
      const shown = [...deliveries.filter((d) => d.status === 'failed'), ...deliveries.filter((d) => d.status === 'sent')].slice(0, MAX_LISTED_DELIVERIES);
      out.deliveries = shown.map(deliverySummary);
      out.deliveriesTotal = deliveries.length;
      const failed = deliveries.filter((d) => d.status === 'failed');
      out.failedDeliveries = failed.length;
      if (failed.length > 0) {
        const what = failed.map((d) => `${d.kind === 'report' ? 'report email' : `${d.channelType} ${d.channel}`} to ${d.destination}: ${d.error ?? 'failed'}`).join('; ');
        throw new NonRetryableError(`${failed.length} of ${deliveries.length} deliveries failed: ${what}`, { code: 'delivery-failed', details: { outputs: out } });
      }
      return out;
    },
  });
}

/**
 * Emails the report to the run's recipients (a schedule's), else the inspection's, else the global
 * ones; records the delivery (sent or failed) on the run. Used by the report step and `patrol report --email`.
 */
export async function sendReportEmail(a: {
  runId: string;
  log: { info(m: string): void; error(m: string): void };
  signal?: AbortSignal;
  model: ReportModel;
  settings: PatrolSettings;
  /** The inspection's spec.report.email. */
  email: ReportEmailConfig | undefined;
  emailTo: string | string[] | undefined;
  mailer: Mailer | undefined;
  deliveries: DeliveryRecord[];
  onRetry?: (attempt: number, error: string, waitMs: number) => void;
  store: Store;
}): Promise<Output['email']> {
  const base: ReportEmailConfig = a.email ?? a.settings.reports.email ?? { to: [], cc: [], attach: [], when: 'always' };
  const runTo = (Array.isArray(a.emailTo) ? a.emailTo : (a.emailTo ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  const email: ReportEmailConfig = runTo.length > 0 ? { ...base, to: runTo } : base;
  // Checked here too (composeReportEmail says the same): without recipients the email renderer
  // (juice, ~140 ms to load) is not needed.
  if (email.to.length === 0 && email.cc.length === 0) {
    a.log.info('report email: not sent (no recipients)');
    return { status: 'skipped', reason: 'no recipients' };
  }
  const { composeReportEmail } = await import('../email/report-email.js');
  const composed = composeReportEmail(a.model, {
    email,
    ...reportRenderOptions(a.settings),
    budgetBytes: a.settings.reports.emailBudgetBytes,
    attachmentBudgetBytes: a.settings.reports.attachmentBudgetBytes,
  });
  if (!composed.message) {
    a.log.info(`report email: not sent (${composed.skip})`);
    return { status: 'skipped', reason: composed.skip ?? 'not due' };
  }
  const msg = composed.message;
  const destination = [...msg.to, ...(msg.cc ?? [])].join(', ');
  const started = Date.now();
  const bytes = composed.rendered!.bytes;
  const result = a.mailer
    ? await a.mailer.send(msg, { ...(a.signal ? { signal: a.signal } : {}), ...(a.onRetry ? { onRetry: a.onRetry } : {}) })
    : { ok: false, attempts: 0, error: 'smtp is not configured (set smtp in the Patrol config)' };
  const rec = await recordDelivery(a.store, {
    runId: a.runId,
    kind: 'report',
    channel: 'report-email',
    channelType: 'email',
    destination,
    subject: msg.subject,
    status: result.ok ? 'sent' : 'failed',
    attempts: result.attempts,
    error: result.error ?? null,
    response: 'value' in result && result.value ? `${result.value.messageId} ${result.value.response}`.trim() : null,
    alerts: null,
    bytes,
    createdAt: started,
  });
  a.deliveries.push(rec);
  if (result.ok) a.log.info(`report email sent to ${destination} (${bytes} bytes, detail level ${composed.rendered!.level}${result.attempts > 1 ? `, after ${result.attempts} tries` : ''})`);
  else a.log.error(`report email to ${destination} FAILED after ${result.attempts} tries: ${result.error}`);
  return { status: result.ok ? 'sent' : 'failed', to: [...msg.to, ...(msg.cc ?? [])], bytes, level: composed.rendered!.level, ...(result.ok ? {} : { reason: result.error ?? 'failed' }) };
}
