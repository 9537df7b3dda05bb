import type { Store } from '../store/store.js';
import type { RunRecord } from '../store/records.js';
import { CATEGORIES, SEVERITIES, severityRank, type Category, type Finding, type Severity } from '../findings/finding.js';
import { NotFoundError } from '../errors/index.js';
import { scoreFindings, type Scores } from './score.js';
import { compareRuns, type RunComparison } from './compare-runs.js';

export interface InspectionSummary {
  run: RunRecord;
  inspection: string | null;
  score: Scores;
  previous?: { runId: string; score: Scores; finishedAt: number | null };
  /** Overall score change since the previous run. */
  delta?: number;
  counts: {
    bySeverity: Record<Severity, number>;
    byCategory: Partial<Record<Category, Record<Severity, number>>>;
    exempted: number;
    targets: number;
  };
  /** Problems in the order people should read them: critical, then new, then regressed, then the rest. */
  top: Finding[];
  changes: RunComparison;
  findings: Finding[];
}

function zeroCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/** Everything a report, the CLI summary and the console show about one inspection run. */
export async function summarizeInspection(store: Store, runId: string, opts: { top?: number } = {}): Promise<InspectionSummary> {
  const run = await store.runs.getRun(runId);
  if (!run) throw new NotFoundError(`run ${runId} not found`, { runId });
  const findings = await store.findings.listByRun(runId);
  const prevRun = run.inspection ? await store.runs.previousInspectionRun(run.inspection, run.id) : undefined;
  const prevFindings = prevRun ? await store.findings.listByRun(prevRun.id) : [];
  const score = scoreFindings(findings);
  const changes = compareRuns(findings, prevFindings, prevRun?.id ?? null);

  const bySeverity = zeroCounts();
  const byCategory: Partial<Record<Category, Record<Severity, number>>> = {};
  let exempted = 0;
  const targets = new Set<string>();
  for (const f of findings) {
    targets.add(`${f.category}\u0000${f.host ?? f.target}`);
    if (f.exemption) {
      exempted++;
      continue;
    }
    bySeverity[f.severity]++;
    (byCategory[f.category] ??= zeroCounts())[f.severity]++;
  }
  for (const c of CATEGORIES) if (byCategory[c] && Object.values(byCategory[c]!).every((n) => n === 0)) delete byCategory[c];

  const newSet = new Set(changes.new.map((c) => c.fingerprint));
  const regressedSet = new Set(changes.regressed.map((c) => c.fingerprint));
  const rank = (f: Finding) => (f.severity === 'critical' ? 0 : newSet.has(f.fingerprint) ? 1 : regressedSet.has(f.fingerprint) ? 2 : f.severity === 'error' ? 3 : 4);
  const top = findings
    .filter((f) => !f.exemption && (f.severity === 'warning' || f.severity === 'critical' || f.severity === 'error'))
    .sort((a, b) => rank(a) - rank(b) || severityRank(b.severity) - severityRank(a.severity) || a.check.localeCompare(b.check) || a.target.localeCompare(b.target))
    .slice(0, opts.top ?? 20);

  const summary: InspectionSummary = { run, inspection: run.inspection, score, counts: { bySeverity, byCategory, exempted, targets: targets.size }, top, changes, findings };
  if (prevRun) {
    const prevScore = scoreFindings(prevFindings);
    summary.previous = { runId: prevRun.id, score: prevScore, finishedAt: prevRun.finishedAt };
    summary.delta = Math.round((score.overall.value - prevScore.overall.value) * 10) / 10;
  }
  return summary;
}
