import type { Finding } from '../findings/finding.js';
import type { CheckCatalog } from '../inspections/check-catalog.js';
import { globMatches } from '../inspections/checks/host/settings.js';
import { InputError } from '../errors/index.js';
import { formatPath } from '../workflow/validation-issue.js';
import type { AutoRemediationConfig, AutoRemediationRule } from './auto-remediation-config.js';

export interface AutoRemediationCandidate {
  finding: Finding;
  workflow: string;
  rule: AutoRemediationRule;
}

/** A problem of spec.remediation: where (a path in the InspectionConfig) and what. */
export interface AutoRemediationIssue {
  path: (string | number)[];
  rule: 'no-runbook' | 'no-environment';
  message: string;
}

/**
 * Rules must name checks that have a runbook (a rule that can never fire is a config error), and
 * rules need the environment of the targets. `patrol validate` reports these with file:line.
 */
export function autoRemediationIssues(c: AutoRemediationConfig | undefined, environmentLabel: string | undefined, catalog: CheckCatalog): AutoRemediationIssue[] {
  if (!c || c.auto.length === 0) return [];
  const issues: AutoRemediationIssue[] = [];
  const fixable = catalog.list().filter((check) => check.remediationWorkflow);
  c.auto.forEach((rule, i) => {
    if (!fixable.some((check) => globMatches([rule.check], check.id))) {
      issues.push({ path: ['spec', 'remediation', 'auto', i, 'check'], rule: 'no-runbook', message: `"${rule.check}" matches no check with a remediation runbook, so this rule never fires; checks with one: ${fixable.map((f) => f.id).join(', ')} (\`patrol checks\`: remediationWorkflow)` });
    }
  });
  if (!c.environment && !environmentLabel) issues.push({ path: ['spec', 'remediation'], rule: 'no-environment', message: 'automatic remediation rules need the environment of these targets: set spec.remediation.environment or metadata.labels.environment' });
  return issues;
}

/** Throws the first rule that names no check with a runbook (the auto-remediate step's check). */
export function validateAutoRemediationRules(c: AutoRemediationConfig, catalog: CheckCatalog): void {
  const [first] = autoRemediationIssues(c, 'set', catalog);
  if (first) throw new InputError(`${formatPath(first.path)} ${first.message}`, { field: formatPath(first.path) });
}

/**
 * Findings an opt-in rule covers in this environment: a problem (not ok/info), a runbook, the
 * first matching rule. One remediation per runbook and target: two findings about the same unit
 * (failed, and not running) are one fix.
 */
export function selectAutoRemediations(findings: readonly Finding[], c: AutoRemediationConfig, environment: string, catalog: CheckCatalog): AutoRemediationCandidate[] {
  const out: AutoRemediationCandidate[] = [];
  const seen = new Set<string>();
  for (const finding of findings) {
    if (finding.severity === 'ok' || finding.severity === 'info') continue;
    const workflow = finding.remediationWorkflow ?? (catalog.has(finding.check) ? catalog.get(finding.check).remediationWorkflow : undefined);
    if (!workflow) continue;
    const rule = c.auto.find((r) => globMatches([r.check], finding.check) && globMatches(r.environments, environment) && (!r.targets || globMatches(r.targets, finding.target)));
    if (!rule) continue;
    const key = `${workflow}\u0000${finding.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ finding, workflow, rule });
  }
  return out;
}
