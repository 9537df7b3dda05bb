import { CATEGORIES, type Category, type Finding, type Severity } from '../findings/finding.js';

export interface Score {
  /** 0-100. */
  value: number;
  grade: 'A' | 'B' | 'C' | 'D' | 'F';
  /** Targets scored (hosts, databases, applications, clusters). */
  targets: number;
}

export interface Scores {
  overall: Score;
  byCategory: Partial<Record<Category, Score>>;
}

/** How healthy a target is, by its worst scored finding in a category. */
export const TARGET_HEALTH: Record<Severity, number> = { ok: 1, info: 1, warning: 0.7, critical: 0, error: 0 };

/**
 * The score (docs/inspections.md, "Scores"): per category, the average health of its targets,
 * where a target's health is set by its worst finding: ok/info 1, warning 0.7, critical 0, and
 * error 0 too (a target that could not be checked is not known to be healthy). Exempted findings
 * are not scored. Overall is the average over all targets of all categories (each target once per
 * category it appears in). Grades: A >= 90, B >= 80, C >= 70, D >= 60, F below.
 */
export function scoreFindings(findings: readonly Pick<Finding, 'category' | 'host' | 'target' | 'severity' | 'exemption'>[]): Scores {
  const worst = new Map<string, number>();
  for (const f of findings) {
    if (f.exemption) continue;
    const key = `${f.category}\u0000${f.host ?? f.target}`;
    const h = TARGET_HEALTH[f.severity];
    worst.set(key, Math.min(worst.get(key) ?? 1, h));
  }
  const byCategory: Partial<Record<Category, Score>> = {};
  let sum = 0;
  let n = 0;
  for (const c of CATEGORIES) {
    const vals = [...worst].filter(([k]) => k.startsWith(`${c}\u0000`)).map(([, v]) => v);
    if (vals.length === 0) continue;
    const total = vals.reduce((a, b) => a + b, 0);
    byCategory[c] = toScore((100 * total) / vals.length, vals.length);
    sum += total;
    n += vals.length;
  }
  return { overall: toScore(n === 0 ? 100 : (100 * sum) / n, n), byCategory };
}

export function gradeOf(value: number): Score['grade'] {
  if (value >= 90) return 'A';
  if (value >= 80) return 'B';
  if (value >= 70) return 'C';
  if (value >= 60) return 'D';
  return 'F';
}

function toScore(v: number, targets: number): Score {
  const value = Math.round(v * 10) / 10;
  return { value, grade: gradeOf(value), targets };
}
