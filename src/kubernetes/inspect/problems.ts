import { severityRank, type Severity } from '../../findings/finding.js';
import type { FindingDraft } from '../../inspections/check.js';

export interface Problem extends FindingDraft {
  /** Orders problems of the same severity: higher is worse (restarts, days overdue, count). */
  rank?: number;
  /** Grouping shown in the summary (usually the namespace). */
  group?: string;
}

export interface SummaryOptions {
  /** Message of the summary when nothing is wrong, e.g. "all 5000 nodes are Ready". */
  ok: string;
  /** What a problem is, plural, e.g. "pods in CrashLoopBackOff". */
  noun: string;
  /** Unit of the summary's value (the number of problems). */
  unit?: string;
  details?: Record<string, unknown>;
  evidence?: FindingDraft['evidence'];
  /** Severity of the summary when there is no problem (`info` when nothing could be judged). */
  okSeverity?: Severity;
}

/**
 * The findings of one check on one cluster, bounded. Every problem object is counted, but only
 * the `cap` worst (by severity, then rank) become findings of their own; the others are
 * summarised. One summary finding per check and cluster (target = the cluster) says how many
 * objects were judged and how many problems there are; its severity is that of the worst problem
 * not listed individually, `info` when all are listed, `ok` when there are none. Exempted
 * problems are kept apart (never crowding out real ones) and not counted in the summary severity.
 *
 * Memory is O(cap) whatever the cluster size: items are sorted and cut back to `cap` whenever 2x
 * cap accumulate.
 */
export class ProblemSet {
  checked = 0;
  private kept: Problem[] = [];
  private exempted: Problem[] = [];
  private total = 0;
  private exemptedTotal = 0;
  private readonly dropped: Record<Severity, number> = { ok: 0, info: 0, warning: 0, critical: 0, error: 0 };
  private readonly bySeverity: Record<Severity, number> = { ok: 0, info: 0, warning: 0, critical: 0, error: 0 };
  private readonly groups = new Map<string, number>();
  private static readonly GROUP_LIMIT = 5000;

  constructor(
    readonly cluster: string,
    readonly cap: number,
    private readonly isExempt: (target: string) => boolean = () => false,
  ) {}

  /** Records a problem (severity warning/critical/error; `info` problems are listed but not scored). */
  add(p: Problem): void {
    if (this.isExempt(p.target)) {
      this.exemptedTotal++;
      this.exempted.push(p);
      if (this.exempted.length >= 2 * Math.max(this.cap, 1)) this.exempted = trim(this.exempted, this.cap, undefined);
      return;
    }
    this.total++;
    this.bySeverity[p.severity]++;
    if (p.group !== undefined && (this.groups.has(p.group) || this.groups.size < ProblemSet.GROUP_LIMIT)) this.groups.set(p.group, (this.groups.get(p.group) ?? 0) + 1);
    this.kept.push(p);
    if (this.kept.length >= 2 * Math.max(this.cap, 1)) this.kept = trim(this.kept, this.cap, this.dropped);
  }

  /** Counts `n` problems that are not worth listing one by one (summarised only). */
  count(severity: Severity, n: number, group?: string): void {
    if (n <= 0) return;
    this.total += n;
    this.bySeverity[severity] += n;
    this.dropped[severity] += n;
    if (group !== undefined && (this.groups.has(group) || this.groups.size < ProblemSet.GROUP_LIMIT)) this.groups.set(group, (this.groups.get(group) ?? 0) + n);
  }

  get problems(): number {
    return this.total;
  }

  /** The findings: the listed problems, the listed exempted ones, and the summary. */
  findings(s: SummaryOptions): FindingDraft[] {
    this.kept = trim(this.kept, this.cap, this.dropped);
    this.exempted = trim(this.exempted, this.cap, undefined);
    const notListed = Object.values(this.dropped).reduce((a, b) => a + b, 0);
    const worstDropped = (['error', 'critical', 'warning', 'info'] as Severity[]).find((sev) => this.dropped[sev] > 0);
    const topGroups = [...this.groups].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([group, problems]) => ({ group, problems }));
    const counts = Object.fromEntries((['critical', 'error', 'warning', 'info', 'ok'] as Severity[]).filter((k) => this.bySeverity[k] > 0).map((k) => [k, this.bySeverity[k]]));
    let message: string;
    let severity: Severity;
    if (this.total === 0) {
      message = s.ok;
      severity = s.okSeverity ?? 'ok';
    } else {
      const sev = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
      message = `${this.total} ${s.noun} (${sev})${this.checked > 0 ? ` among ${this.checked} checked` : ''}`;
      if (notListed > 0) {
        message += `; the ${this.kept.length} worst are listed, ${notListed} more are counted here only`;
        if (topGroups.length > 0) message += ` (most in ${topGroups.slice(0, 3).map((g) => `${g.group}: ${g.problems}`).join(', ')})`;
        severity = worstDropped ?? 'info';
      } else severity = 'info';
    }
    if (this.exemptedTotal > 0) message += `; ${this.exemptedTotal} exempted`;
    const summary: FindingDraft = {
      target: this.cluster,
      severity,
      value: this.total,
      unit: s.unit ?? 'problems',
      message,
      details: {
        checked: this.checked,
        problems: this.total,
        bySeverity: counts,
        listed: this.kept.length,
        notListed,
        ...(this.exemptedTotal > 0 ? { exempted: this.exemptedTotal } : {}),
        ...(topGroups.length > 0 ? { topGroups } : {}),
        ...(s.details ?? {}),
      },
      ...(s.evidence ? { evidence: s.evidence } : {}),
    };
    const strip = ({ rank: _r, group: _g, ...d }: Problem): FindingDraft => d;
    return [...this.kept.map(strip), ...this.exempted.map(strip), summary];
  }
}

function compare(a: Problem, b: Problem): number {
  return severityRank(b.severity) - severityRank(a.severity) || (b.severity === 'error' ? 1 : 0) - (a.severity === 'error' ? 1 : 0) || (b.rank ?? 0) - (a.rank ?? 0) || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0);
}

function trim(items: Problem[], cap: number, dropped: Record<Severity, number> | undefined): Problem[] {
  if (items.length <= cap) return items;
  items.sort(compare);
  if (dropped) for (let i = cap; i < items.length; i++) dropped[items[i]!.severity]++;
  return items.slice(0, cap);
}
