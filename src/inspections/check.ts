import type { z } from 'zod';
import type { Category, FindingInput, Severity } from '../findings/finding.js';
import type { TargetInfo } from './measurement.js';
import type { HistoryPoint, PreviousFinding } from './history.js';

/** Thresholds and parameters of one check for one target, after overrides. */
export interface CheckSettings {
  enabled: boolean;
  warning?: number;
  critical?: number;
  [param: string]: unknown;
}

/** A finding as a check produces it; check id, category and remediation are filled in for it. */
export type FindingDraft = Omit<FindingInput, 'check' | 'category'> & Partial<Pick<FindingInput, 'check' | 'category'>>;

export interface CheckInput<D> {
  /** The section's data, validated against the section schema. */
  data: D;
  target: TargetInfo;
  /** Settings for this check on this target; pass a sub-target (a mount, a table) for finer overrides. */
  settings(subTarget?: string): CheckSettings;
  /** Earlier values of a finding (check + target), oldest first, for trends and forecasts. */
  history(check: string, target: string, limit?: number): Promise<HistoryPoint[]>;
  /** The latest earlier finding of a check and target (value and details), e.g. to flag changes. */
  previous(check: string, target: string): Promise<PreviousFinding | undefined>;
  /** Evidence of the section (command and raw output), to attach to findings. */
  evidence: { command?: string; raw?: string };
  now: number;
}

/**
 * What the catalog knows of every check, whatever evaluates it: id, thresholds, remediation.
 * Config validation, settings resolution, exemptions, `patrol checks` and reports use this.
 */
export interface CheckInfo {
  /** Stable dotted id, e.g. host.disk.usage. Never rename a released one. */
  id: string;
  category: Category;
  title: string;
  description: string;
  /** Default thresholds and parameters (overridable per group, host, database, target in YAML). */
  defaults: Omit<CheckSettings, 'enabled'> & { enabled?: boolean };
  /** Unit of `value` in its findings. */
  unit?: string;
  /** How to fix what it finds. */
  remediation: string;
  /** The runbook in workflows/ that fixes it, when there is one. */
  remediationWorkflow?: string;
  /** Where the thresholds come from (anchor tool / standard), for docs and reviewers. */
  reference?: string;
}

/**
 * A check that reads one section of one collector's measurements and judges it.
 * Collect in Ansible, judge here: thresholds, severities and messages live in TypeScript.
 */
export interface CheckDefinition<D = unknown> extends CheckInfo {
  /** Which measurements it reads: collector name, section name and the section data schema. */
  source: { collector: string; section: string; schema: z.ZodType<D> };
  evaluate(input: CheckInput<D>): FindingDraft[] | Promise<FindingDraft[]>;
}

// The catalog holds checks over different section types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCheck = CheckDefinition<any>;

export function defineCheck<D>(def: CheckDefinition<D>): CheckDefinition<D> {
  return def;
}

/** Severity of a level against warning/critical thresholds ("above": higher is worse). */
export function levelSeverity(value: number, s: Pick<CheckSettings, 'warning' | 'critical'>, direction: 'above' | 'below' = 'above'): Severity {
  const worse = (a: number, t: number | undefined) => t !== undefined && (direction === 'above' ? a >= t : a <= t);
  if (worse(value, s.critical)) return 'critical';
  if (worse(value, s.warning)) return 'warning';
  return 'ok';
}

/** "warn >= 80, crit >= 90" style threshold text for findings. */
export function thresholdOf(s: Pick<CheckSettings, 'warning' | 'critical'>, direction: 'above' | 'below' = 'above'): Record<string, unknown> {
  const out: Record<string, unknown> = { direction };
  if (s.warning !== undefined) out.warning = s.warning;
  if (s.critical !== undefined) out.critical = s.critical;
  return out;
}
