import type { Store } from '../store/store.js';
import { CATEGORIES, SEVERITIES, severityRank, type Category, type Finding, type Severity } from '../findings/finding.js';
import { summarizeInspection, type InspectionSummary } from '../inspections/inspection-summary.js';
import type { ChangeKind, FindingChange } from '../inspections/compare-runs.js';
import { scoreHistory, type HistoryPoint } from './score-history.js';
import { reportLinks, type LinkSettings } from './report-links.js';

/** Bumped when a field of the JSON report changes meaning or disappears (adding fields does not). */
export const REPORT_SCHEMA_VERSION = 1;

export type TopReason = 'critical' | 'new' | 'regressed' | 'error' | 'problem';

/** A finding as reports show it: every field present (null when absent), plus its change since the previous run. */
export interface ReportFinding {
  id: string;
  fingerprint: string;
  check: string;
  category: Category;
  target: string;
  host: string | null;
  severity: Severity;
  title: string | null;
  message: string;
  value: Exclude<Finding['value'], undefined>;
  unit: string | null;
  threshold: Exclude<Finding['threshold'], undefined>;
  evidence: { raw?: string; command?: string } | null;
  remediation: string | null;
  remediationWorkflow: string | null;
  /** Link to start the remediation workflow (needs baseUrl). */
  remediationUrl: string | null;
  labels: Record<string, string>;
  details: Record<string, unknown> | null;
  exemption: { owner: string; reason: string; expires: string } | null;
  /** new | regressed | improved | unchanged for problems; null for passing results or without a previous run. */
  change: Exclude<ChangeKind, 'resolved'> | null;
  previousSeverity: Severity | null;
}

export interface ChangeRow {
  fingerprint: string;
  check: string;
  target: string;
  host: string | null;
  severity: Severity | null;
  previousSeverity: Severity | null;
  message: string;
}

export interface TargetSection {
  /** The host (or the target when the finding names no host). */
  name: string;
  categories: Category[];
  worst: Severity;
  counts: Record<Severity, number>;
  /** warning, critical and error findings, worst first. */
  problems: ReportFinding[];
  /** ok and info results (shown collapsed). */
  passed: ReportFinding[];
  exempted: ReportFinding[];
}

export interface MatrixCell {
  severity: Severity;
  /** Findings of the check on the host (mounts, databases...). */
  count: number;
  exempted: boolean;
}

export interface ReportModel {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: number;
  inspection: string;
  run: {
    id: string;
    workflow: string;
    namespace: string;
    status: string;
    reason: string | null;
    trigger: string;
    triggeredBy: string | null;
    startedAt: number | null;
    finishedAt: number | null;
    durationMs: number | null;
    labels: Record<string, string>;
  };
  links: { report: string | null; run: string | null };
  score: {
    value: number;
    grade: string;
    targets: number;
    delta: number | null;
    previous: { runId: string; value: number; grade: string; finishedAt: number | null } | null;
    byCategory: { category: Category; value: number; grade: string; targets: number }[];
  };
  counts: {
    bySeverity: Record<Severity, number>;
    byCategory: { category: Category; bySeverity: Record<Severity, number> }[];
    exempted: number;
    targets: number;
    findings: number;
    problems: number;
  };
  top: { reason: TopReason; finding: ReportFinding }[];
  changes: {
    previousRunId: string | null;
    new: ChangeRow[];
    resolved: ChangeRow[];
    regressed: ChangeRow[];
    improved: ChangeRow[];
    unchanged: ChangeRow[];
    unchangedOk: number;
  };
  history: HistoryPoint[];
  matrix: { hosts: string[]; checks: string[]; cells: (MatrixCell | null)[][] };
  targets: TargetSection[];
  findings: ReportFinding[];
}

export interface BuildReportOptions extends LinkSettings {
  /** Runs in the score history (this one included). @defaultValue 30 */
  historyRuns?: number;
  /** Top problems listed first. @defaultValue 20 */
  top?: number;
  /** The run's status as finally steps see it (the stored one is still "running"). */
  status?: string;
  now?: number;
}

const zero = (): Record<Severity, number> => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
const isProblem = (f: { severity: Severity; exemption: unknown }) => !f.exemption && (f.severity === 'warning' || f.severity === 'critical' || f.severity === 'error');
const worse = (a: Severity, b: Severity): Severity => (severityRank(b) > severityRank(a) || (severityRank(b) === severityRank(a) && b === 'critical') ? b : a);

/** Reads everything a report shows about a run from the store (findings, previous run, score history). */
export async function buildReport(store: Store, runId: string, opts: BuildReportOptions = {}): Promise<ReportModel> {
  const summary = await summarizeInspection(store, runId, { top: opts.top ?? 20 });
  const history = await scoreHistory(store, summary.run, { score: summary.score.overall.value, grade: summary.score.overall.grade }, opts.historyRuns ?? 30);
  return reportFromSummary(summary, history, opts);
}

/** The report model from an inspection summary and score history (pure; used by buildReport and the benchmark). */
export function reportFromSummary(s: InspectionSummary, history: HistoryPoint[], opts: BuildReportOptions = {}): ReportModel {
  const now = opts.now ?? Date.now();
  const run = s.run;
  const inspection = s.inspection ?? run.workflow;
  const links = reportLinks(opts);
  const ch = s.changes;
  const changeOf = new Map<string, FindingChange>();
  for (const list of [ch.new, ch.regressed, ch.improved, ch.unchanged]) for (const c of list) changeOf.set(c.fingerprint, c);

  const toReport = (f: Finding): ReportFinding => {
    const c = changeOf.get(f.fingerprint);
    return {
      id: f.id,
      fingerprint: f.fingerprint,
      check: f.check,
      category: f.category,
      target: f.target,
      host: f.host ?? null,
      severity: f.severity,
      title: f.title ?? null,
      message: f.message,
      value: f.value ?? null,
      unit: f.unit ?? null,
      threshold: f.threshold ?? null,
      evidence: f.evidence && (f.evidence.raw || f.evidence.command) ? f.evidence : null,
      remediation: f.remediation ?? null,
      remediationWorkflow: f.remediationWorkflow ?? null,
      remediationUrl: f.remediationWorkflow ? links.remediation(f.remediationWorkflow, f.fingerprint, run.id) : null,
      labels: f.labels ?? {},
      details: f.details ?? null,
      exemption: f.exemption ?? null,
      change: c && ch.previousRunId ? (c.kind as ReportFinding['change']) : null,
      previousSeverity: c?.previous?.severity ?? null,
    };
  };

  // Findings ordered by target, then worst first, then check: the order of sections and of CSV/JSON.
  const findings = s.findings.map(toReport);
  const byId = new Map(findings.map((f) => [f.id, f]));
  const bySection = new Map<string, ReportFinding[]>();
  for (const f of findings) {
    const key = f.host ?? f.target;
    const list = bySection.get(key);
    if (list) list.push(f);
    else bySection.set(key, [f]);
  }
  const targets: TargetSection[] = [];
  for (const [name, list] of bySection) {
    const counts = zero();
    let worst: Severity = 'ok';
    const cats = new Set<Category>();
    const problems: ReportFinding[] = [];
    const passed: ReportFinding[] = [];
    const exempted: ReportFinding[] = [];
    for (const f of list) {
      cats.add(f.category);
      if (f.exemption) {
        exempted.push(f);
        continue;
      }
      counts[f.severity]++;
      worst = worse(worst, f.severity);
      (isProblem(f) ? problems : passed).push(f);
    }
    problems.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.severity === 'critical' ? -1 : b.severity === 'critical' ? 1 : 0) || a.check.localeCompare(b.check) || a.target.localeCompare(b.target));
    passed.sort((a, b) => a.check.localeCompare(b.check) || a.target.localeCompare(b.target));
    targets.push({ name, categories: CATEGORIES.filter((c) => cats.has(c)), worst, counts, problems, passed, exempted });
  }
  const sevOrder = (t: TargetSection) => (t.worst === 'critical' ? 4 : t.worst === 'error' ? 3 : severityRank(t.worst));
  targets.sort((a, b) => sevOrder(b) - sevOrder(a) || b.problems.length - a.problems.length || a.name.localeCompare(b.name, undefined, { numeric: true }));
  const ordered = targets.flatMap((t) => [...t.problems, ...t.passed, ...t.exempted]);

  const newSet = new Set(ch.new.map((c) => c.fingerprint));
  const regSet = new Set(ch.regressed.map((c) => c.fingerprint));
  const top = s.top.map((f) => ({
    reason: (f.severity === 'critical' ? 'critical' : newSet.has(f.fingerprint) ? 'new' : regSet.has(f.fingerprint) ? 'regressed' : f.severity === 'error' ? 'error' : 'problem') as TopReason,
    finding: byId.get(f.id)!,
  }));

  const row = (c: FindingChange): ChangeRow => ({
    fingerprint: c.fingerprint,
    check: c.check,
    target: c.target,
    host: c.current?.host ?? c.previous?.host ?? null,
    severity: c.current?.severity ?? null,
    previousSeverity: c.previous?.severity ?? null,
    message: c.current?.message ?? c.previous?.message ?? '',
  });
  const byCheckTarget = (a: ChangeRow, b: ChangeRow) => a.check.localeCompare(b.check) || a.target.localeCompare(b.target, undefined, { numeric: true });

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: now,
    inspection,
    run: {
      id: run.id,
      workflow: run.workflow,
      namespace: run.namespace,
      status: opts.status ?? run.status,
      reason: run.reason,
      trigger: run.trigger,
      triggeredBy: run.triggeredBy,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      durationMs: run.startedAt === null ? null : (run.finishedAt ?? now) - run.startedAt,
      labels: run.labels,
    },
    links: { report: links.report(inspection, run.id), run: links.run(run.id) },
    score: {
      value: s.score.overall.value,
      grade: s.score.overall.grade,
      targets: s.score.overall.targets,
      delta: s.delta ?? null,
      previous: s.previous ? { runId: s.previous.runId, value: s.previous.score.overall.value, grade: s.previous.score.overall.grade, finishedAt: s.previous.finishedAt } : null,
      byCategory: CATEGORIES.filter((c) => s.score.byCategory[c]).map((c) => ({ category: c, ...s.score.byCategory[c]! })),
    },
    counts: {
      bySeverity: s.counts.bySeverity,
      byCategory: CATEGORIES.filter((c) => s.counts.byCategory[c]).map((c) => ({ category: c, bySeverity: s.counts.byCategory[c]! })),
      exempted: s.counts.exempted,
      targets: s.counts.targets,
      findings: s.findings.length,
      problems: s.counts.bySeverity.warning + s.counts.bySeverity.critical + s.counts.bySeverity.error,
    },
    top,
    changes: {
      previousRunId: ch.previousRunId,
      new: ch.new.map(row).sort(byCheckTarget),
      resolved: ch.resolved.map(row).sort(byCheckTarget),
      regressed: ch.regressed.map(row).sort(byCheckTarget),
      improved: ch.improved.map(row).sort(byCheckTarget),
      unchanged: ch.unchanged.map(row).sort(byCheckTarget),
      unchangedOk: ch.unchangedOk,
    },
    history,
    matrix: hostCheckMatrix(findings, targets),
    targets,
    findings: ordered,
  };
}

/** Hosts (rows, in section order) x checks (columns, by category then id); each cell the worst result. */
export function hostCheckMatrix(findings: readonly ReportFinding[], sections: readonly TargetSection[]): ReportModel['matrix'] {
  const checkCat = new Map<string, Category>();
  for (const f of findings) if (!checkCat.has(f.check)) checkCat.set(f.check, f.category);
  const checks = [...checkCat.keys()].sort((a, b) => CATEGORIES.indexOf(checkCat.get(a)!) - CATEGORIES.indexOf(checkCat.get(b)!) || a.localeCompare(b));
  const col = new Map(checks.map((c, i) => [c, i]));
  const hosts = sections.map((t) => t.name);
  const rowOf = new Map(hosts.map((h, i) => [h, i]));
  const cells: (MatrixCell | null)[][] = hosts.map(() => new Array<MatrixCell | null>(checks.length).fill(null));
  for (const f of findings) {
    const r = cells[rowOf.get(f.host ?? f.target)!]!;
    const i = col.get(f.check)!;
    const cell = r[i];
    const exempted = f.exemption !== null;
    if (!cell) r[i] = { severity: exempted ? 'ok' : f.severity, count: 1, exempted };
    else {
      cell.count++;
      if (!exempted) {
        cell.severity = cell.exempted ? f.severity : worse(cell.severity, f.severity);
        cell.exempted = false;
      }
    }
  }
  return { hosts, checks, cells };
}
