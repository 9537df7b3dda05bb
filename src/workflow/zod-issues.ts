import type { z } from 'zod';

export interface FlatIssue {
  path: PropertyKey[];
  message: string;
  /** For unknown keys: the key, so the position of the key itself can be shown. */
  key?: string;
}

type Issue = z.core.$ZodIssue;

/**
 * Flattens zod issues into (path, message) pairs. Unions report the branch that matches the
 * value's shape instead of a bare "Invalid input"; unknown keys are reported one by one.
 */
export function flattenZodIssues(issues: readonly Issue[], base: PropertyKey[] = []): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path, key, message: `unknown field "${key}"` });
      continue;
    }
    if (issue.code === 'invalid_union') {
      const branches = issue.errors.filter((errs) => !errs.every((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (branches.length >= 1) {
        const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
        out.push(...flattenZodIssues(best, path));
        continue;
      }
      const expected = issue.errors.flatMap((errs) => errs.filter((e) => e.code === 'invalid_type').map((e) => (e as { expected?: string }).expected)).filter(Boolean);
      out.push({ path, message: expected.length ? `must be one of: ${[...new Set(expected)].join(', ')}` : issue.message });
      continue;
    }
    out.push({ path, message: humanize(issue) });
  }
  return out;
}

function humanize(issue: Issue): string {
  if (issue.code === 'invalid_type') {
    const received = issue.message.match(/received (\w+)/)?.[1];
    if (received === 'undefined') return `is required (${issue.expected})`;
    return `must be ${article(issue.expected)}${received ? `, got ${received}` : ''}`;
  }
  return issue.message;
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
