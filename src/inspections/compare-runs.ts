import { severityRank, type Finding } from '../findings/finding.js';

export type ChangeKind = 'new' | 'resolved' | 'regressed' | 'improved' | 'unchanged';

export interface FindingChange {
  kind: ChangeKind;
  fingerprint: string;
  check: string;
  target: string;
  current?: Finding;
  previous?: Finding;
}

export interface RunComparison {
  previousRunId: string | null;
  new: FindingChange[];
  resolved: FindingChange[];
  regressed: FindingChange[];
  improved: FindingChange[];
  /** Problems present in both runs at the same severity. */
  unchanged: FindingChange[];
  /** Checks and targets that were fine in both runs (counted, not listed). */
  unchangedOk: number;
}

const isProblem = (f: Finding | undefined) => f !== undefined && !f.exemption && (f.severity === 'warning' || f.severity === 'critical' || f.severity === 'error');

/**
 * Compares two runs of the same inspection by fingerprint (check + target): new problems,
 * resolved ones, regressed (worse severity) and improved ones, and those that did not change.
 */
export function compareRuns(current: readonly Finding[], previous: readonly Finding[], previousRunId: string | null): RunComparison {
  const prev = new Map(previous.map((f) => [f.fingerprint, f]));
  const cur = new Map(current.map((f) => [f.fingerprint, f]));
  const out: RunComparison = { previousRunId, new: [], resolved: [], regressed: [], improved: [], unchanged: [], unchangedOk: 0 };
  for (const [fp, c] of cur) {
    const p = prev.get(fp);
    const change = (kind: ChangeKind): FindingChange => ({ kind, fingerprint: fp, check: c.check, target: c.target, current: c, ...(p ? { previous: p } : {}) });
    if (isProblem(c)) {
      if (!isProblem(p)) out.new.push(change('new'));
      else if (severityRank(c.severity) > severityRank(p!.severity)) out.regressed.push(change('regressed'));
      else if (severityRank(c.severity) < severityRank(p!.severity)) out.improved.push(change('improved'));
      else out.unchanged.push(change('unchanged'));
    } else if (isProblem(p)) {
      out.resolved.push(change('resolved'));
    } else out.unchangedOk++;
  }
  // Problems that disappeared entirely (the target is gone or the check was disabled).
  for (const [fp, p] of prev) if (!cur.has(fp) && isProblem(p) && previousRunId !== null) out.resolved.push({ kind: 'resolved', fingerprint: fp, check: p.check, target: p.target, previous: p });
  return out;
}
