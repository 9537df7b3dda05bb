import type { Severity } from '../../../findings/finding.js';
import { parseDuration } from '../../../util/duration.js';
import type { CheckSettings } from '../../check.js';

/**
 * Sub-targets of an application (stable strings: no pids, no times). Host-side things carry the
 * host, since the same process or directory exists on every host the application runs on.
 */
export const appTargets = {
  endpoint: (app: string, url: string) => `${app}:${url}`,
  origin: (app: string, origin: string) => `${app}:${origin}`,
  pool: (app: string, pool: string) => `${app}:pool:${pool}`,
  process: (app: string, name: string, host: string) => `${app}:proc:${name}@${host}`,
  logDir: (app: string, path: string, host: string) => `${app}:${path}@${host}`,
  job: (app: string, name: string, host: string) => `${app}:job:${name}@${host}`,
};

/** A numeric parameter from settings (users write them in YAML: validate). */
export function numberParam(s: CheckSettings, name: string, fallback: number): number {
  const v = s[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`setting "${name}" must be a number, not ${JSON.stringify(v)}`);
  return v;
}

/** A duration parameter ("24h", seconds) in milliseconds. */
export function durationParam(s: CheckSettings, name: string, fallback: string): number {
  const v = s[name] ?? fallback;
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`setting "${name}" must be a duration such as 24h, not ${JSON.stringify(v)}`);
  return parseDuration(v, `setting "${name}"`);
}

/** The severity a failing item gets (`severity: warning` lowers a check for a target). */
export function severityParam(s: CheckSettings, fallback: 'warning' | 'critical' = 'critical'): Severity {
  const v = s.severity ?? fallback;
  if (v !== 'info' && v !== 'warning' && v !== 'critical') throw new Error(`setting "severity" must be info, warning or critical, not ${JSON.stringify(v)}`);
  return v;
}

const RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, critical: 3, error: 4 };

export function worst(...s: Severity[]): Severity {
  return s.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** "3.2 h ago" style ages. */
export function formatAge(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
