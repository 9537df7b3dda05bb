import type { Finding } from '../findings/finding.js';
import type { CheckCatalog } from '../inspections/check-catalog.js';
import { globMatches } from '../inspections/checks/host/settings.js';
import { InputError } from '../errors/index.js';
import type { AutoRemediationConfig, AutoRemediationRule } from './auto-remediation-config.js';

export interface AutoRemediationCandidate {
  finding: Finding;
  workflow: string;
  rule: AutoRemediationRule;
}

/** Rules must name checks that have a runbook: a rule that can never fire is a config error. */
export function validateAutoRemediationRules(c: AutoRemediationConfig, catalog: CheckCatalog): void {
  c.auto.forEach((rule, i) => {
    const fixable = catalog.list().filter((check) => check.remediationWorkflow && globMatches([rule.check], check.id));
    if (fixable.length === 0) throw new InputError(`spec.remediation.auto[${i}].check "${rule.check}" matches no check with a remediation runbook (see \`patrol checks\`: remediationWorkflow)`, { field: `spec.remediation.auto[${i}].check` });
  });
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
