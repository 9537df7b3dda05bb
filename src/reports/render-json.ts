import type { ReportModel } from './report-model.js';
import type { ReportJson } from './report-json-schema.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The report as the versioned JSON document (schemaVersion 1, docs/reports.md). */
export function toReportJson(m: ReportModel): ReportJson {
  return {
    schemaVersion: m.schemaVersion,
    kind: 'PatrolReport',
    generatedAt: iso(m.generatedAt)!,
    inspection: m.inspection,
    run: { ...m.run, startedAt: iso(m.run.startedAt), finishedAt: iso(m.run.finishedAt) },
    links: m.links,
    score: {
      value: m.score.value,
      grade: m.score.grade as ReportJson['score']['grade'],
      targets: m.score.targets,
      delta: m.score.delta,
      previous: m.score.previous ? { ...m.score.previous, grade: m.score.previous.grade as ReportJson['score']['grade'], finishedAt: iso(m.score.previous.finishedAt) } : null,
      byCategory: Object.fromEntries(m.score.byCategory.map((c) => [c.category, { value: c.value, grade: c.grade as ReportJson['score']['grade'], targets: c.targets }])),
    },
    counts: { ...m.counts, byCategory: Object.fromEntries(m.counts.byCategory.map((c) => [c.category, c.bySeverity])) },
    top: m.top.map((t) => ({ reason: t.reason, fingerprint: t.finding.fingerprint, check: t.finding.check, target: t.finding.target, severity: t.finding.severity, message: t.finding.message })),
    changes: m.changes,
    history: m.history.map((h) => ({ ...h, at: iso(h.at)! })),
    matrix: { hosts: m.matrix.hosts, checks: m.matrix.checks, cells: m.matrix.cells.map((r) => r.map((c) => (c === null ? null : c.exempted ? 'exempt' : c.severity))) },
    targets: m.targets.map((t) => ({ name: t.name, categories: t.categories, worst: t.worst, counts: t.counts, exempted: t.exempted.length })),
    findings: m.findings,
  };
}

export function renderJson(m: ReportModel): string {
  return `${JSON.stringify(toReportJson(m), null, 2)}\n`;
}
