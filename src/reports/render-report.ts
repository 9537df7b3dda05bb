import type { ReportFormat } from '../config/patrol-config.js';
import type { ReportModel } from './report-model.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderJunit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import { renderCsv } from './render-csv.js';

export interface RenderOptions {
  templates?: string;
  pageSize?: number;
  /** JUnit: severity that fails a test case. */
  failOn?: 'warning' | 'critical';
  /** Markdown: rows per list. */
  maxItems?: number;
}

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  junit: 'application/xml',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** Renders a report model in one format. */
export function renderReport(m: ReportModel, format: ReportFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'html':
      return renderHtml(m, { ...(opts.templates ? { templates: opts.templates } : {}), ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) });
    case 'json':
      return renderJson(m);
    case 'junit':
      return renderJunit(m, opts.failOn ? { failOn: opts.failOn } : {});
    case 'md':
      return renderMarkdown(m, opts.maxItems ? { maxItems: opts.maxItems } : {});
    case 'csv':
      return renderCsv(m);
  }
}
