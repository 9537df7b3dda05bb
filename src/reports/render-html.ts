import type { ReportModel } from './report-model.js';
import { loadTemplates } from './report-templates.js';
import { changesView, countsView, findingView, matrixView, runView, scoreView, targetPages, when, type ViewLimits } from './html-view.js';
import { historyChartSvg, severityChartSvg } from './svg-charts.js';

export interface HtmlOptions {
  /** Directory overriding the built-in templates. */
  templates?: string;
  /** Rows per page of long sections. @defaultValue 200 */
  pageSize?: number;
  limits?: Partial<ViewLimits>;
}

/**
 * The standalone HTML report: one file with its CSS in a <style> element and charts as inline SVG;
 * no fonts, scripts or images are loaded. Long sections are split into collapsible pages and
 * passing results are collapsed, so 10,000 findings stay readable.
 */
export function renderHtml(m: ReportModel, opts: HtmlOptions = {}): string {
  const t = loadTemplates(opts.templates);
  const pageSize = opts.pageSize ?? 200;
  const limits: ViewLimits = { evidenceChars: 4000, detailsChars: 2000, ...opts.limits };
  const view = {
    title: `${m.inspection}: ${m.score.value} (${m.score.grade}) · Patrol report`,
    css: t.reportCss,
    schemaVersion: m.schemaVersion,
    inspection: m.inspection,
    generatedAt: when(m.generatedAt),
    run: runView(m),
    links: m.links,
    score: scoreView(m),
    counts: countsView(m),
    totals: { findings: m.counts.findings, targets: m.counts.targets, exempted: m.counts.exempted },
    historySvg: historyChartSvg(m.history),
    historyCount: m.history.length,
    severitySvg: severityChartSvg(m),
    top: m.top.map((x) => ({ reason: x.reason, tag: x.reason === 'new' || x.reason === 'regressed' ? x.reason : null, finding: findingView(x.finding, { evidenceChars: 0, detailsChars: 0 }) })),
    changes: changesView(m, pageSize),
    matrix: matrixView(m, Math.max(20, Math.round(pageSize / 4))),
    targetCount: m.targets.length,
    targetPages: targetPages(m.targets, pageSize, limits),
  };
  return t.report(view);
}
