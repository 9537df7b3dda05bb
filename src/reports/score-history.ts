import type { Store } from '../store/store.js';
import type { RunRecord } from '../store/records.js';
import type { Category, Severity } from '../findings/finding.js';
import { scoreFindings } from '../inspections/score.js';

export interface HistoryPoint {
  runId: string;
  /** When the run started (or was created). */
  at: number;
  score: number;
  grade: string;
  /** The run the report is about. */
  current: boolean;
}

/**
 * The score of the last `limit` runs of an inspection up to `run`, oldest first. Scores recorded
 * when each run's report was built are used; runs without one (older data, reports never built)
 * are scored from their findings, reading only the columns scoring needs.
 */
export async function scoreHistory(store: Store, run: RunRecord, current: { score: number; grade: string }, limit: number): Promise<HistoryPoint[]> {
  const now: HistoryPoint = { runId: run.id, at: run.startedAt ?? run.createdAt, score: current.score, grade: current.grade, current: true };
  if (!run.inspection || limit <= 1) return [now];
  const earlier = (await store.runs.inspectionRuns(run.inspection, { limit, beforeId: run.id })).filter((r) => r.id !== run.id).slice(0, limit - 1);
  const recorded = await store.reports.getMany(earlier.map((r) => r.id));
  const points: HistoryPoint[] = [];
  for (const r of earlier) {
    const rec = recorded.get(r.id);
    if (rec) points.push({ runId: r.id, at: r.startedAt ?? r.createdAt, score: rec.score, grade: rec.grade, current: false });
    else {
      const rows = await store.db.selectFrom('findings').select(['category', 'host', 'target', 'severity', 'exemption']).where('run_id', '=', r.id).execute();
      const s = scoreFindings(rows.map((x) => ({ category: x.category as Category, target: x.target, severity: x.severity as Severity, ...(x.host !== null ? { host: x.host } : {}), ...(x.exemption !== null ? { exemption: { owner: '', reason: '', expires: '' } } : {}) })));
      points.push({ runId: r.id, at: r.startedAt ?? r.createdAt, score: s.overall.value, grade: s.overall.grade, current: false });
    }
  }
  return [...points.reverse(), now];
}
