import type { PatrolSettings } from '../config/patrol-config.js';
import type { BuildReportOptions } from './report-model.js';
import type { RenderOptions } from './render-report.js';

/**
 * How Patrol's config shapes a report: history length and links for the model, templates and page
 * size for the renderers. One place, so the report step, `patrol report`, resend and the server's
 * rendering of stored reports cannot drift apart.
 */
export function reportModelOptions(settings: PatrolSettings, status?: string): BuildReportOptions {
  return {
    historyRuns: settings.reports.historyRuns,
    ...(status ? { status } : {}),
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    ...(settings.reports.publicUrl ? { publicUrl: settings.reports.publicUrl } : {}),
  };
}

export function reportRenderOptions(settings: PatrolSettings): RenderOptions {
  return { ...(settings.reports.templates ? { templates: settings.reports.templates } : {}), pageSize: settings.reports.pageSize };
}
