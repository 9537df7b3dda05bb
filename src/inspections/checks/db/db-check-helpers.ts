import type { CheckSettings } from '../../check.js';
import type { PreviousFinding } from '../../history.js';
import { parseBytes } from '../format.js';

/** Shared pieces of the database checks. */

/** "SELECT ... FROM orders WHERE id = $1" shortened to one line of at most `limit` characters. */
export function shortQuery(query: string, limit = 120): string {
  const one = query.replace(/\s+/g, ' ').trim();
  return one.length <= limit ? one : `${one.slice(0, limit - 1)}…`;
}

/** Query text for details/evidence: capped, never the whole of a giant statement. */
export function cappedQuery(query: string, limit = 1000): string {
  return query.length <= limit ? query : `${query.slice(0, limit)}… [${query.length - limit} more characters]`;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function percentOf(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : 0;
}

/** A numeric parameter of a check (users write them in YAML: validate where read). */
export function numberParam(s: CheckSettings, name: string, fallback: number): number {
  const v = s[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`parameter ${name} must be a number (got ${JSON.stringify(v)})`);
  return v;
}

/** A size parameter: bytes as a number, or "100MiB" / "5GiB". */
export function sizeParam(s: CheckSettings, name: string, fallback: number): number {
  const v = s[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' && typeof v !== 'string') throw new Error(`parameter ${name} must be a size such as 100MiB or a number of bytes (got ${JSON.stringify(v)})`);
  try {
    return parseBytes(v);
  } catch (err) {
    throw new Error(`parameter ${name}: ${(err as Error).message}`);
  }
}

export interface CounterWindow {
  /** Increase of the counter over the window. */
  delta: number;
  /** "since the last run" or "since the server started". */
  since: string;
  /** Start of the window when it is the previous run. */
  fromAt?: number;
}

/**
 * A monotonic server counter (evicted keys, aborted connects) over the window since the previous
 * run, read from that run's finding details; since the server started when there is no previous
 * run or the server restarted in between (counter went down or instance changed).
 */
export function counterSincePrevious(current: number, previous: PreviousFinding | undefined, key: string, sameInstance: (prev: Record<string, unknown>) => boolean): CounterWindow {
  const d = previous?.details;
  const before = d && typeof d[key] === 'number' ? (d[key] as number) : undefined;
  if (previous && d && before !== undefined && before <= current && sameInstance(d)) {
    return { delta: current - before, since: 'since the last run', fromAt: previous.at };
  }
  return { delta: current, since: previous ? 'since the server restarted' : 'since the server started' };
}

/** Thresholds as a finding's `threshold` with a unit hint. */
export function thresholds(s: CheckSettings, direction: 'above' | 'below' = 'above', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { direction, ...extra };
  if (s.warning !== undefined) out.warning = s.warning;
  if (s.critical !== undefined) out.critical = s.critical;
  return out;
}
