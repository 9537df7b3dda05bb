import { CheckCatalog } from '../../src/inspections/check-catalog.js';
import { dbChecks } from '../../src/inspections/checks/db/index.js';
import { evaluateChecks } from '../../src/inspections/evaluate-checks.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import type { FindingHistory, HistoryPoint, PreviousFinding } from '../../src/inspections/history.js';
import type { SectionEnvelope, TargetMeasurements } from '../../src/inspections/measurement.js';
import type { FindingInput } from '../../src/findings/finding.js';

/**
 * Judges recorded section data with the real db check catalog through evaluateChecks (settings,
 * overrides and error handling included), without servers: for unit tests of the db checks.
 */

export interface JudgeOptions {
  /** spec.checks of the InspectionConfig. */
  checks?: Record<string, Record<string, unknown>>;
  /** spec.overrides of the InspectionConfig. */
  overrides?: unknown[];
  /** Earlier findings by "check target": the previous finding and value history. */
  previous?: Record<string, PreviousFinding>;
  history?: Record<string, HistoryPoint[]>;
  now?: number;
  /** Whole-target error (unreachable, login refused). */
  error?: string;
  target?: string;
}

export type SectionInput = unknown | { __error: string };

/** Section data by name; { __error: 'why' } makes that section fail as the module reports it. */
export async function judge(collector: 'postgres' | 'mysql' | 'redis', sections: Record<string, SectionInput>, opts: JudgeOptions = {}): Promise<FindingInput[]> {
  const config = inspectionConfigSchema.parse({
    apiVersion: 'patrol.dev/v1',
    kind: 'InspectionConfig',
    metadata: { name: 'unit' },
    spec: { checks: opts.checks ?? {}, overrides: opts.overrides ?? [] },
  });
  const envelopes: Record<string, SectionEnvelope> = {};
  for (const [name, data] of Object.entries(sections)) {
    envelopes[name] = data && typeof data === 'object' && '__error' in data ? { ok: false, error: String((data as { __error: string }).__error) } : { ok: true, data, command: `collect ${name}`, raw: `raw ${name}` };
  }
  const m: TargetMeasurements = { collector, target: { name: opts.target ?? 'db1', groups: [collector] }, sections: envelopes, ...(opts.error ? { error: opts.error } : {}) };
  const history: FindingHistory = {
    values: async (check, target) => opts.history?.[`${check} ${target}`] ?? [],
    last: async (check, target) => opts.previous?.[`${check} ${target}`],
  };
  return evaluateChecks({ catalog: new CheckCatalog().register(...dbChecks), config, measurements: [m], history, now: opts.now ?? Date.now() });
}

/** The findings of one check (all its targets). */
export function of(findings: FindingInput[], check: string): FindingInput[] {
  return findings.filter((f) => f.check === check);
}

/** The single finding of a check on a target. */
export function one(findings: FindingInput[], check: string, target = 'db1'): FindingInput {
  const f = findings.filter((x) => x.check === check && x.target === target);
  if (f.length !== 1) throw new Error(`expected one ${check} on ${target}, got ${f.length}: ${findings.filter((x) => x.check === check).map((x) => x.target).join(', ')}`);
  return f[0]!;
}

export function previousFinding(details: Record<string, unknown>, opts: { at?: number; value?: unknown; runId?: string; severity?: string } = {}): PreviousFinding {
  return { at: opts.at ?? Date.now() - 3_600_000, runId: opts.runId ?? 'run-prev', severity: opts.severity ?? 'ok', value: opts.value ?? null, details };
}
