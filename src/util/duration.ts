import { InputError } from '../errors/index.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;

/**
 * Parses Go-style durations ("1h30m", "500ms", "2.5s") or a number of seconds into milliseconds.
 * Throws InputError naming `field` when the value is not a duration.
 */
export function parseDuration(value: string | number, field = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InputError(`${field} must be a non-negative number of seconds`, { field });
    return Math.round(value * 1000);
  }
  let rest = value.trim();
  if (rest === '') throw new InputError(`${field} is empty`, { field });
  if (/^\d+(\.\d+)?$/.test(rest)) return Math.round(Number(rest) * 1000);
  let total = 0;
  while (rest.length > 0) {
    const m = DURATION_RE.exec(rest);
    if (!m) throw new InputError(`${field} "${value}" is not a duration (examples: 30s, 5m, 1h30m, 500ms)`, { field });
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** True when `value` parses as a duration; used by schemas to report the rule rather than throw. */
export function isDuration(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  if (typeof value !== 'string') return false;
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}

/** Short human form for progress lines: 850ms, 12.3s, 4m05s, 1h02m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalS = Math.floor(ms / 1000);
  if (ms < 3_600_000) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
  return `${Math.floor(totalS / 3600)}h${String(Math.floor((totalS % 3600) / 60)).padStart(2, '0')}m`;
}
