import type { CheckSettings } from '../../check.js';
import type { Severity } from '../../../findings/finding.js';

/**
 * Typed reads of check parameters. Users write them in YAML, so a wrong type is reported with the
 * parameter's name (the framework turns the thrown error into an `error` finding of that check).
 */
export function numberParam(s: CheckSettings, key: string, fallback: number): number {
  const v = s[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new Error(`parameter "${key}" must be a number (got ${JSON.stringify(v)})`);
}

export function boolParam(s: CheckSettings, key: string, fallback: boolean): boolean {
  const v = s[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  throw new Error(`parameter "${key}" must be true or false (got ${JSON.stringify(v)})`);
}

export function stringListParam(s: CheckSettings, key: string, fallback: readonly string[] = []): string[] {
  const v = s[key];
  if (v === undefined || v === null) return [...fallback];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw new Error(`parameter "${key}" must be a list of strings (got ${JSON.stringify(v)})`);
}

export function recordParam(s: CheckSettings, key: string): Record<string, unknown> {
  const v = s[key];
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new Error(`parameter "${key}" must be a map (got ${JSON.stringify(v)})`);
}

const LEVELS = ['ok', 'info', 'warning', 'critical'] as const;

/** A severity parameter (e.g. what a change or a mismatch is reported as). */
export function severityParam(s: CheckSettings, key: string, fallback: Exclude<Severity, 'error'>): Exclude<Severity, 'error'> {
  const v = s[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' && (LEVELS as readonly string[]).includes(v)) return v as Exclude<Severity, 'error'>;
  throw new Error(`parameter "${key}" must be one of ${LEVELS.join(', ')} (got ${JSON.stringify(v)})`);
}

/** Shell-style glob (* and ?) match, for interface, unit and process name lists. */
export function globMatches(globs: readonly string[], name: string): boolean {
  return globs.some((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name));
}

/** Rounds for messages and values: 93.14159 -> 93.1. */
export const round1 = (n: number) => Math.round(n * 10) / 10;
export const round2 = (n: number) => Math.round(n * 100) / 100;
