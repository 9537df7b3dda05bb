import type { Store } from '../store/store.js';
import type { CredentialService } from '../credentials/credential-service.js';
import type { Logger } from '../logging/logger.js';
import type { ReportSender } from '../api/deps.js';
import type { DeliveryRecord } from '../notify/delivery.js';
import type { PatrolSettings } from '../config/patrol-config.js';
import { loadPatrolConfig } from '../config/patrol-config.js';
import { createMailer } from '../email/mailer.js';
import { InputError, NotFoundError } from '../errors/index.js';
import { buildReport, type ReportModel } from './report-model.js';
import { reportModelOptions } from './report-settings.js';
import { inspectionReportConfig, sendReportEmail } from './report-step.js';

/**
 * Emails a run's report now, as `patrol report RUN --email` and POST /reports/:runId/send do:
 * to `to`, else the inspection's (the run's config param) or the Patrol config's recipients,
 * through the Patrol config's SMTP; the delivery is recorded on the run.
 */
export async function emailRunReport(a: {
  store: Store;
  credentials: CredentialService;
  settings: PatrolSettings;
  runId: string;
  model: ReportModel;
  to: string | string[] | undefined;
  log: { info(m: string): void; error(m: string): void };
  onRetry?: (attempt: number, error: string, waitMs: number) => void;
}): Promise<{ status: string; reason?: string; deliveries: DeliveryRecord[] }> {
  const run = await a.store.runs.getRun(a.runId);
  if (!run) throw new NotFoundError(`run ${a.runId} not found`, { run: a.runId });
  const smtp = a.settings.smtp;
  const mailer = smtp ? createMailer(smtp, async () => (smtp.credential ? a.credentials.reveal(smtp.credential) : undefined)) : undefined;
  const cfgFile = typeof run.params.config === 'string' && run.params.config !== '' ? run.params.config : undefined;
  const deliveries: DeliveryRecord[] = [];
  const r = await sendReportEmail({
    runId: a.runId,
    log: a.log,
    model: a.model,
    settings: a.settings,
    // An unreadable inspection config must not block a resend: the config's recipients or `to` still apply.
    email: (await inspectionReportConfig(cfgFile).catch(() => undefined))?.email,
    emailTo: a.to,
    mailer,
    deliveries,
    ...(a.onRetry ? { onRetry: a.onRetry } : {}),
    store: a.store,
  });
  return { status: r.status, ...(r.reason ? { reason: r.reason } : {}), deliveries };
}

/**
 * Sends a run's report by email again (POST /reports/:runId/send, the console's "Resend"):
 * rebuilt from the stored findings with the Patrol config read at the time of the request.
 */
export function createReportSender(deps: { store: Store; credentials: CredentialService; env: NodeJS.ProcessEnv; logger: Logger }): ReportSender {
  return {
    async send(runId, opts) {
      if (!(await deps.store.runs.getRun(runId))) throw new NotFoundError(`run ${runId} not found`, { run: runId });
      const settings = await loadPatrolConfig(deps.env);
      const model = await buildReport(deps.store, runId, reportModelOptions(settings));
      const log = deps.logger.child({ runId, requestedBy: opts.requestedBy });
      const r = await emailRunReport({ store: deps.store, credentials: deps.credentials, settings, runId, model, to: opts.to, log: { info: (m) => log.info(m), error: (m) => log.warn(m) } });
      if (r.status === 'skipped') throw new InputError(`nothing emailed: ${r.reason ?? 'no recipients'}; give recipients`, { field: 'body.to' });
      return { deliveries: r.deliveries.map((d) => ({ channel: d.channel, destination: d.destination, status: d.status, error: d.error })) };
    },
  };
}
