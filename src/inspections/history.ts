import type { Store } from '../store/store.js';
import { fingerprintOf } from '../findings/finding.js';

export interface HistoryPoint {
  at: number;
  value: number;
  runId: string;
}

/** The latest earlier finding of a check and target (for "changed since the last run"). */
export interface PreviousFinding {
  at: number;
  runId: string;
  severity: string;
  value: unknown;
  details: Record<string, unknown> | null;
}

/** Earlier findings, for trends (time until exhausted, growth, leaks) and change detection. */
export interface FindingHistory {
  values(check: string, target: string, opts?: { limit?: number; before?: number }): Promise<HistoryPoint[]>;
  last(check: string, target: string, opts?: { before?: number }): Promise<PreviousFinding | undefined>;
}

/** History read from stored findings (newest `limit` points, returned oldest first). */
export function storeFindingHistory(store: Store): FindingHistory {
  return {
    async values(check, target, opts = {}) {
      const rows = await store.db
        .selectFrom('findings')
        .select(['value', 'created_at', 'run_id'])
        .where('fingerprint', '=', fingerprintOf(check, target))
        .where('created_at', '<', opts.before ?? Number.MAX_SAFE_INTEGER)
        .orderBy('created_at', 'desc')
        .limit(opts.limit ?? 30)
        .execute();
      const out: HistoryPoint[] = [];
      for (const r of rows) {
        const v = r.value === null ? NaN : Number(JSON.parse(r.value));
        if (Number.isFinite(v)) out.push({ at: Number(r.created_at), value: v, runId: r.run_id });
      }
      return out.reverse();
    },
    async last(check, target, opts = {}) {
      const r = await store.db
        .selectFrom('findings')
        .select(['value', 'created_at', 'run_id', 'severity', 'details'])
        .where('fingerprint', '=', fingerprintOf(check, target))
        .where('created_at', '<', opts.before ?? Number.MAX_SAFE_INTEGER)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!r) return undefined;
      return { at: Number(r.created_at), runId: r.run_id, severity: r.severity, value: r.value === null ? null : JSON.parse(r.value), details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>) };
    },
  };
}
