import type { CheckCatalog } from '../check-catalog.js';
import type { CheckInfo, CheckSettings } from '../check.js';
import type { TargetInfo } from '../measurement.js';
import type { FindingInput } from '../../findings/finding.js';
import type { Exemption, InspectionConfig } from './inspection-config.js';
import { anyGlob, globMatch } from './glob.js';

/**
 * Resolves a check's settings for a target: the check's defaults, then `spec.checks` (exact ids
 * beat globs), then every matching override in file order.
 */
export class CheckSettingsResolver {
  constructor(private readonly config: InspectionConfig) {}

  resolve(check: CheckInfo, target: TargetInfo, subTarget?: string): CheckSettings {
    const out: CheckSettings = { enabled: true, ...check.defaults };
    apply(out, check.id, this.config.spec.checks);
    const targets = subTarget ? [subTarget, target.name] : [target.name];
    for (const o of this.config.spec.overrides) {
      if (!anyGlob(o.match.hosts, [target.name])) continue;
      if (!anyGlob(o.match.groups, target.groups)) continue;
      if (!anyGlob(o.match.targets, targets)) continue;
      apply(out, check.id, o.checks);
    }
    return out;
  }
}

function apply(out: CheckSettings, id: string, map: Record<string, Record<string, unknown>>): void {
  // Globs first (broad), then the exact id (specific) so it wins.
  for (const [key, settings] of Object.entries(map)) if (key !== id && key.includes('*') && globMatch(key, id)) Object.assign(out, settings);
  const exact = map[id];
  if (exact) Object.assign(out, exact);
}

/** Check ids and globs in the config that name no check: almost always a typo. */
export function unknownCheckKeys(config: InspectionConfig, catalog: CheckCatalog): { path: PropertyKey[]; key: string }[] {
  const ids = catalog.list().map((c) => c.id);
  const known = (key: string) => (key.includes('*') ? ids.some((id) => globMatch(key, id)) : ids.includes(key));
  const out: { path: PropertyKey[]; key: string }[] = [];
  for (const key of Object.keys(config.spec.checks)) if (!known(key)) out.push({ path: ['spec', 'checks', key], key });
  config.spec.overrides.forEach((o, i) => {
    for (const key of Object.keys(o.checks)) if (!known(key)) out.push({ path: ['spec', 'overrides', i, 'checks', key], key });
  });
  config.spec.exemptions.forEach((e, i) => {
    if (!known(e.check)) out.push({ path: ['spec', 'exemptions', i, 'check'], key: e.check });
  });
  return out;
}

/**
 * Marks findings covered by an unexpired exemption (kept, shown, not scored or alerted). An
 * expired exemption is named in the message so its owner sees it lapsed.
 */
export function applyExemptions<F extends Pick<FindingInput, 'check' | 'target' | 'message' | 'severity'> & { exemption?: FindingInput['exemption'] }>(findings: F[], exemptions: readonly Exemption[], now: number): F[] {
  if (exemptions.length === 0) return findings;
  const today = new Date(now).toISOString().slice(0, 10);
  for (const f of findings) {
    if (f.severity === 'ok' || f.severity === 'info') continue;
    const matching = exemptions.filter((e) => globMatch(e.check, f.check) && globMatch(e.target, f.target));
    const active = matching.find((e) => e.expires >= today);
    if (active) f.exemption = { owner: active.owner, reason: active.reason, expires: active.expires };
    else if (matching.length > 0) f.message = `${f.message} (exemption by ${matching[0]!.owner} expired ${matching[0]!.expires})`;
  }
  return findings;
}
