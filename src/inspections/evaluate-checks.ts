import type { FindingInput } from '../findings/finding.js';
import { flattenZodIssues } from '../workflow/zod-issues.js';
import { formatPath } from '../workflow/validation-issue.js';
import { capString } from '../util/cap.js';
import type { CheckCatalog } from './check-catalog.js';
import type { AnyCheck, FindingDraft } from './check.js';
import type { TargetMeasurements } from './measurement.js';
import type { FindingHistory } from './history.js';
import type { InspectionConfig } from './config/inspection-config.js';
import { applyExemptions, CheckSettingsResolver } from './config/check-settings-resolver.js';

export interface EvaluateOptions {
  catalog: CheckCatalog;
  config: InspectionConfig;
  measurements: TargetMeasurements[];
  history: FindingHistory;
  now: number;
}

const EVIDENCE_LIMIT = 4096;

/**
 * Judges measurements with the catalog. A check that could not run (target unreachable, its
 * section failed or timed out, unexpected data, a bug in the check) yields an `error` finding for
 * that check and target, never `ok` and never silence.
 */
export async function evaluateChecks(opts: EvaluateOptions): Promise<FindingInput[]> {
  const resolver = new CheckSettingsResolver(opts.config);
  const out: FindingInput[] = [];
  for (const m of opts.measurements) {
    for (const check of opts.catalog.forCollector(m.collector)) {
      const base = resolver.resolve(check, m.target);
      if (!base.enabled) continue;
      const finish = (d: FindingDraft): FindingInput => complete(check, m.target.name, d);
      if (m.error) {
        out.push(finish({ target: m.target.name, severity: 'error', message: `${check.title}: not checked: ${m.error}` }));
        continue;
      }
      const section = m.sections[check.source.section];
      if (!section) {
        out.push(finish({ target: m.target.name, severity: 'error', message: `${check.title}: the ${m.collector} collector returned no "${check.source.section}" measurements` }));
        continue;
      }
      const evidence = { ...(section.command ? { command: section.command } : {}), ...(section.raw ? { raw: capString(section.raw, EVIDENCE_LIMIT) } : {}) };
      if (!section.ok) {
        out.push(finish({ target: m.target.name, severity: 'error', message: `${check.title}: could not measure: ${section.error ?? 'unknown error'}`, evidence }));
        continue;
      }
      const parsed = check.source.schema.safeParse(section.data);
      if (!parsed.success) {
        const i = flattenZodIssues(parsed.error.issues)[0]!;
        out.push(finish({ target: m.target.name, severity: 'error', message: `${check.title}: unexpected measurement data at ${formatPath(i.path)}: ${i.message}`, evidence }));
        continue;
      }
      let drafts: FindingDraft[];
      try {
        drafts = await check.evaluate({
          data: parsed.data,
          target: m.target,
          settings: (sub) => (sub === undefined ? base : resolver.resolve(check, m.target, sub)),
          history: (c, t, limit) => opts.history.values(c, t, { ...(limit ? { limit } : {}), before: opts.now }),
          previous: (c, t) => opts.history.last(c, t, { before: opts.now }),
          evidence,
          now: opts.now,
        });
      } catch (err) {
        out.push(finish({ target: m.target.name, severity: 'error', message: `${check.title}: the check failed: ${err instanceof Error ? err.message : String(err)}`, evidence }));
        continue;
      }
      if (drafts.length === 0) drafts = [{ target: m.target.name, severity: 'ok', message: `${check.title}: nothing to check` }];
      for (const d of drafts) {
        // A sub-target (a mount, a table) may be switched off by an override.
        if (d.target !== m.target.name && !resolver.resolve(check, m.target, d.target).enabled) continue;
        out.push(finish({ ...d, evidence: d.evidence ?? evidence }));
      }
    }
  }
  return applyExemptions(out, opts.config.spec.exemptions, opts.now);
}

function complete(check: AnyCheck, host: string, d: FindingDraft): FindingInput {
  const f: FindingInput = {
    ...d,
    check: d.check ?? check.id,
    category: d.category ?? check.category,
    host: d.host ?? host,
    title: d.title ?? check.title,
  };
  if (f.severity !== 'ok' && f.severity !== 'info') {
    f.remediation ??= check.remediation;
    if (check.remediationWorkflow) f.remediationWorkflow ??= check.remediationWorkflow;
  }
  if (check.unit && f.value !== undefined && f.unit === undefined) f.unit = check.unit;
  if (f.evidence && Object.keys(f.evidence).length === 0) delete f.evidence;
  return f;
}
