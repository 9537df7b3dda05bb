import { loadPatrolConfig, type ReportFormat } from '../config/patrol-config.js';
import type { Store } from '../store/store.js';
import { buildReport } from './report-model.js';
import { renderReport } from './render-report.js';
import { reportModelOptions, reportRenderOptions } from './report-settings.js';

/**
 * A run's report rendered from the stored findings with the server's report settings (templates,
 * history, links), as `patrol report` does. Any server of a cluster can answer with it, whichever
 * worker wrote the report files to its own disk.
 */
export async function renderStoredReport(store: Store, runId: string, format: ReportFormat, opts: { status?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const settings = await loadPatrolConfig(opts.env ?? process.env);
  const model = await buildReport(store, runId, reportModelOptions(settings, opts.status));
  return renderReport(model, format, reportRenderOptions(settings));
}
