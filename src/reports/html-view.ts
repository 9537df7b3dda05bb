import { SEVERITIES, type Severity } from '../findings/finding.js';
import { formatDuration } from '../util/duration.js';
import type { ChangeRow, ReportFinding, ReportModel, TargetSection } from './report-model.js';

/** What a template shows of one finding: display strings prepared once, no logic in templates. */
export interface FindingView {
  anchor: string;
  check: string;
  target: string;
  host: string | null;
  severity: Severity;
  title: string | null;
  message: string;
  value: string | null;
  threshold: string | null;
  change: string | null;
  changeKind: string | null;
  evidenceCommand: string | null;
  evidenceRaw: string | null;
  remediation: string | null;
  remediationWorkflow: string | null;
  remediationUrl: string | null;
  exemption: string | null;
  details: string | null;
}

export interface Page<T> {
  label: string;
  open: boolean;
  items: T[];
}

export interface ViewLimits {
  /** Characters of raw evidence shown per finding; 0 leaves evidence out. @defaultValue 4000 */
  evidenceChars: number;
  /** Characters of structured details shown per finding; 0 leaves them out. @defaultValue 2000 */
  detailsChars: number;
}

const num = (n: number) => n.toLocaleString('en-US');
export const when = (t: number | null) => (t === null ? '-' : `${new Date(t).toISOString().replace('T', ' ').slice(0, 16)} UTC`);

function cap(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}\n… (${num(s.length - max)} more characters in the JSON report)`;
}

export function formatValue(v: ReportFinding['value'], unit: string | null): string | null {
  if (v === null) return null;
  const text = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100)) : String(v);
  return unit ? `${text} ${unit}` : text;
}

export function formatThreshold(t: ReportFinding['threshold'], unit: string | null): string | null {
  if (t === null) return null;
  if (typeof t === 'number' || typeof t === 'string') return formatValue(t, unit);
  // Catalog thresholds: { direction: above|below, warning, critical } -> "warning ≥ 80 %, critical ≥ 90 %".
  const op = t.direction === 'below' ? '≤' : t.direction === 'above' ? '≥' : '';
  const parts = Object.entries(t)
    .filter(([k, v]) => v !== null && v !== undefined && k !== 'direction')
    .map(([k, v]) => `${k}${op && typeof v === 'number' ? ` ${op}` : ''} ${typeof v === 'number' ? formatValue(v, unit) : typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : null;
}

const CHANGE_TEXT: Record<string, string> = { new: 'new', regressed: 'regressed', improved: 'improved', unchanged: 'unchanged' };

export function findingView(f: ReportFinding, limits: ViewLimits): FindingView {
  const change = f.change ? `${CHANGE_TEXT[f.change]}${f.previousSeverity && f.change !== 'new' && f.change !== 'unchanged' ? ` (was ${f.previousSeverity})` : ''}` : null;
  return {
    anchor: `f-${f.fingerprint}`,
    check: f.check,
    target: f.target,
    host: f.host,
    severity: f.severity,
    title: f.title,
    message: f.message,
    value: formatValue(f.value, f.unit),
    threshold: formatThreshold(f.threshold, f.unit),
    change,
    changeKind: f.change,
    evidenceCommand: limits.evidenceChars > 0 ? (f.evidence?.command ?? null) : null,
    evidenceRaw: limits.evidenceChars > 0 && f.evidence?.raw ? cap(f.evidence.raw, limits.evidenceChars) : null,
    remediation: f.remediation,
    remediationWorkflow: f.remediationWorkflow,
    remediationUrl: f.remediationUrl,
    exemption: f.exemption ? `exempted by ${f.exemption.owner} until ${f.exemption.expires}: ${f.exemption.reason}` : null,
    details: limits.detailsChars > 0 && f.details ? cap(JSON.stringify(f.details, null, 2), limits.detailsChars) : null,
  };
}

/** Splits a long list into pages; the first is open, the others collapsed (no script needed). */
export function paginate<T>(items: readonly T[], size: number, what: string): Page<T>[] {
  if (items.length === 0) return [];
  const pages: Page<T>[] = [];
  for (let i = 0; i < items.length; i += size) {
    const end = Math.min(items.length, i + size);
    pages.push({ label: items.length <= size ? `${num(items.length)} ${what}` : `${what} ${num(i + 1)}–${num(end)} of ${num(items.length)}`, open: i === 0, items: items.slice(i, end) });
  }
  return pages;
}

export function scoreView(m: ReportModel) {
  const d = m.score.delta;
  return {
    value: m.score.value,
    grade: m.score.grade,
    targets: m.score.targets,
    delta: d === null ? null : d === 0 ? '±0' : d > 0 ? `▲ +${d}` : `▼ ${d}`,
    deltaClass: d === null || d === 0 ? 'flat' : d > 0 ? 'up' : 'down',
    previous: m.score.previous ? `previous run ${m.score.previous.runId}: ${m.score.previous.value} (${m.score.previous.grade})` : 'first run of this inspection',
    categories: m.score.byCategory.map((c) => ({ ...c, counts: m.counts.byCategory.find((x) => x.category === c.category)?.bySeverity })),
  };
}

export function runView(m: ReportModel) {
  return {
    ...m.run,
    started: when(m.run.startedAt),
    duration: m.run.durationMs === null ? '-' : formatDuration(m.run.durationMs),
    ok: m.run.status === 'succeeded' || m.run.status === 'running',
  };
}

export function countsView(m: ReportModel) {
  return SEVERITIES.slice()
    .reverse()
    .map((s) => ({ severity: s, n: m.counts.bySeverity[s] }));
}

export interface ChangeGroupView {
  kind: string;
  title: string;
  count: number;
  pages: Page<ChangeRow>[];
}

export function changesView(m: ReportModel, pageSize: number, maxRows = Number.POSITIVE_INFINITY): { previousRunId: string | null; groups: ChangeGroupView[]; unchangedOk: number; hidden: number } {
  const ch = m.changes;
  let hidden = 0;
  const group = (kind: string, title: string, rows: ChangeRow[]): ChangeGroupView => {
    const shown = rows.slice(0, maxRows);
    hidden += rows.length - shown.length;
    return { kind, title, count: rows.length, pages: paginate(shown, pageSize, 'changes') };
  };
  return {
    previousRunId: ch.previousRunId,
    groups: [group('new', 'New problems', ch.new), group('regressed', 'Regressed', ch.regressed), group('resolved', 'Resolved', ch.resolved), group('improved', 'Improved', ch.improved), group('unchanged', 'Unchanged problems', ch.unchanged)],
    unchangedOk: ch.unchangedOk,
    hidden,
  };
}

const CELL_TEXT: Record<Severity, string> = { critical: 'C', error: 'E', warning: 'W', info: 'i', ok: '' };

export interface MatrixView {
  checks: { n: number; id: string }[];
  pages: Page<{ host: string; cells: { cls: string; text: string; title: string }[] }>[];
  hosts: number;
}

/** The host x check matrix; checks are numbered columns with a legend so the table stays narrow. */
export function matrixView(m: ReportModel, hostsPerPage: number): MatrixView {
  const { hosts, checks, cells } = m.matrix;
  const rows = hosts.map((host, r) => ({
    host,
    cells: checks.map((check, c) => {
      const cell = cells[r]![c];
      if (!cell) return { cls: 'none', text: '', title: `${host} · ${check}: not checked` };
      const sev = cell.exempted ? 'exempt' : cell.severity;
      return { cls: sev, text: cell.exempted ? 'x' : CELL_TEXT[cell.severity], title: `${host} · ${check}: ${sev}${cell.count > 1 ? ` (${cell.count} findings)` : ''}` };
    }),
  }));
  return { checks: checks.map((id, i) => ({ n: i + 1, id })), pages: paginate(rows, hostsPerPage, 'hosts'), hosts: hosts.length };
}

export interface TargetView {
  name: string;
  anchor: string;
  worst: Severity;
  categories: string;
  summary: string;
  problems: FindingView[];
  passedCount: number;
  passed: { check: string; target: string; severity: Severity; message: string; value: string | null }[];
  exempted: FindingView[];
}

export function targetView(t: TargetSection, limits: ViewLimits, maxProblems = Number.POSITIVE_INFINITY): TargetView {
  const c = t.counts;
  const bits = [c.critical && `${c.critical} critical`, c.error && `${c.error} error`, c.warning && `${c.warning} warning`, c.info && `${c.info} info`, c.ok && `${c.ok} ok`, t.exempted.length && `${t.exempted.length} exempted`].filter(Boolean);
  return {
    name: t.name,
    anchor: `t-${t.name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    worst: t.worst,
    categories: t.categories.join(', '),
    summary: bits.join(', '),
    problems: t.problems.slice(0, maxProblems).map((f) => findingView(f, limits)),
    passedCount: t.passed.length,
    passed: t.passed.map((f) => ({ check: f.check, target: f.target, severity: f.severity, message: f.message, value: formatValue(f.value, f.unit) })),
    exempted: t.exempted.map((f) => findingView(f, limits)),
  };
}

/** Target sections in pages whose weight (problems + one per section) stays near pageSize. */
export function targetPages(targets: readonly TargetSection[], pageSize: number, limits: ViewLimits): Page<TargetView>[] {
  const pages: Page<TargetView>[] = [];
  let cur: TargetView[] = [];
  let weight = 0;
  let first = 0;
  const flush = (end: number) => {
    if (cur.length === 0) return;
    const label = targets.length === cur.length ? `${num(cur.length)} targets` : `targets ${num(first + 1)}–${num(end)} of ${num(targets.length)}: ${cur[0]!.name} … ${cur[cur.length - 1]!.name}`;
    pages.push({ label, open: pages.length === 0, items: cur });
    cur = [];
    weight = 0;
    first = end;
  };
  targets.forEach((t, i) => {
    cur.push(targetView(t, limits));
    weight += 1 + t.problems.length;
    if (weight >= pageSize) flush(i + 1);
  });
  flush(targets.length);
  return pages;
}
