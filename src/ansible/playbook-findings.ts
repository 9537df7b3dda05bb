import { findingInputSchema, type FindingInput } from '../findings/finding.js';
import type { AnsibleStepOutput } from './ansible-step-output.js';

/** The set_stats key a playbook uses to report findings itself (docs/inspections.md, "Your own checks"). */
export const FINDINGS_KEY = 'patrol_findings';

/**
 * Findings a user's playbook reported with `set_stats: { data: { patrol_findings: [...] } }`
 * (per_host or not). Invalid entries are not dropped: each becomes an `error` finding saying what
 * is wrong with it, so a typo in a playbook shows up in the report instead of vanishing.
 */
export function playbookFindings(outputs: Pick<AnsibleStepOutput, 'stats' | 'hostStats'>, playbook: string): FindingInput[] {
  const sources: { host?: string; items: unknown }[] = [];
  if (FINDINGS_KEY in outputs.stats) sources.push({ items: outputs.stats[FINDINGS_KEY] });
  for (const [host, data] of Object.entries(outputs.hostStats)) if (FINDINGS_KEY in data) sources.push({ host, items: data[FINDINGS_KEY] });
  const out: FindingInput[] = [];
  for (const { host, items } of sources) {
    const list = Array.isArray(items) ? items : [items];
    list.forEach((raw, i) => {
      const candidate = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? { ...(host ? { host } : {}), ...(raw as Record<string, unknown>) } : raw;
      if (candidate && typeof candidate === 'object' && 'value' in candidate && typeof (candidate as { value: unknown }).value === 'string') {
        // Jinja renders numbers as strings unless the playbook uses `| int`; accept numeric text.
        const v = (candidate as { value: string }).value;
        if (v.trim() !== '' && Number.isFinite(Number(v))) (candidate as { value: unknown }).value = Number(v);
      }
      const parsed = findingInputSchema.safeParse(candidate);
      if (parsed.success) out.push(parsed.data);
      else {
        const issue = parsed.error.issues[0]!;
        out.push({
          check: 'playbook.finding.invalid',
          category: 'host',
          target: `${host ?? 'playbook'}:${playbook}#${i}`,
          ...(host ? { host } : {}),
          severity: 'error',
          message: `${playbook}: ${FINDINGS_KEY}[${i}]${host ? ` on ${host}` : ''} is not a valid finding: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
          evidence: { raw: JSON.stringify(raw).slice(0, 2000) },
        });
      }
    });
  }
  return out;
}
