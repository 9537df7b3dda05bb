import type { ReportFormat } from '../config/patrol-config.js';

export interface LinkSettings {
  /** Patrol's console (runs, workflows). */
  baseUrl?: string;
  /** Where the reports directory is served. */
  publicUrl?: string;
}

export const FORMAT_EXTENSIONS: Record<ReportFormat, string> = { html: 'html', json: 'json', junit: 'junit.xml', md: 'md', csv: 'csv' };

/** A directory name for an inspection that is safe on every filesystem. */
export function inspectionDirName(inspection: string): string {
  return inspection.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'inspection';
}

/** Path of a report file below the reports directory: INSPECTION/RUN_ID.EXT (run ids sort by time). */
export function reportRelativePath(inspection: string, runId: string, format: ReportFormat): string {
  return `${inspectionDirName(inspection)}/${runId}.${FORMAT_EXTENSIONS[format]}`;
}

/** Links shown in reports and notifications; null where the URL they need is not configured. */
export function reportLinks(s: LinkSettings) {
  const base = s.baseUrl?.replace(/\/+$/, '');
  const pub = s.publicUrl?.replace(/\/+$/, '');
  return {
    report: (inspection: string, runId: string, format: ReportFormat = 'html') => (pub ? `${pub}/${reportRelativePath(inspection, runId, format).split('/').map(encodeURIComponent).join('/')}` : null),
    run: (runId: string) => (base ? `${base}/runs/${encodeURIComponent(runId)}` : null),
    remediation: (workflow: string, fingerprint: string, runId: string) =>
      base ? `${base}/workflows/${encodeURIComponent(workflow)}?finding=${encodeURIComponent(fingerprint)}&run=${encodeURIComponent(runId)}` : null,
  };
}
