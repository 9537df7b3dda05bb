import type { z } from 'zod';
import { defineCheck, levelSeverity, type CheckDefinition, type FindingDraft } from '../../check.js';
import { mysqlStatementsSection, pgStatementsSection, type MysqlStatementsSection, type PgStatementsSection } from '../../collectors/db/db-sections.js';
import { cappedQuery, formatCount, formatMs, numberParam, percentOf, round, shortQuery, thresholds } from './db-check-helpers.js';
import { formatSeconds } from '../format.js';

/** A statement as both engines report it. */
interface Statement {
  id: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
  query: string;
  extra: Record<string, unknown>;
}

interface Source<D> {
  collector: 'postgres' | 'mysql';
  section: string;
  schema: z.ZodType<D>;
  statements(data: D): Statement[];
  /** "since the statistics were reset on ..." style context for messages. */
  window(data: D): string;
  totalMs(data: D): number | undefined;
  command(s: Statement): string;
  empty(data: D): string;
}

const pgSource: Source<PgStatementsSection> = {
  collector: 'postgres',
  section: 'pg_statements',
  schema: pgStatementsSection,
  statements: (d) => d.statements.map((s) => ({ id: s.queryid, calls: s.calls, totalMs: s.totalMs, meanMs: s.meanMs, maxMs: s.maxMs, query: s.query, extra: { rows: s.rows, sharedBlksHit: s.sharedBlksHit, sharedBlksRead: s.sharedBlksRead, tempBlksWritten: s.tempBlksWritten, users: s.users } })),
  window: (d) => (d.statsReset ? `since pg_stat_statements was reset (${d.statsReset})` : 'since pg_stat_statements was last reset'),
  totalMs: (d) => d.totalMs,
  command: (s) => `SELECT * FROM pg_stat_statements WHERE queryid = ${s.id}`,
  empty: (d) => `no statements recorded in pg_stat_statements for this database ${d.statsReset ? `since ${d.statsReset}` : 'yet'}`,
};

const mysqlSource: Source<MysqlStatementsSection> = {
  collector: 'mysql',
  section: 'mysql_statements',
  schema: mysqlStatementsSection,
  statements: (d) => d.statements.map((s) => ({ id: s.id, calls: s.calls, totalMs: s.totalMs, meanMs: s.meanMs, maxMs: s.maxMs, query: s.query, extra: { schema: s.schema, rowsExamined: s.rowsExamined, rowsSent: s.rowsSent, source: d.source, ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}), lastSeen: s.lastSeen } })),
  window: (d) => (d.source === 'slow_log' ? `in the slow log (queries over long_query_time ${d.longQueryTime ?? '?'} s) of the last ${formatSeconds(d.windowSeconds ?? 0)}` : 'in performance_schema digests since the server started (or they were truncated)'),
  totalMs: () => undefined,
  command: (s) => `SELECT * FROM performance_schema.events_statements_summary_by_digest WHERE DIGEST = '${s.id}'`,
  empty: (d) => (d.source === 'slow_log' ? `no slow queries in mysql.slow_log in the last ${formatSeconds(d.windowSeconds ?? 0)}` : 'no statement digests recorded in performance_schema'),
};

function statementChecks<D>(src: Source<D>, o: { idPrefix: string; engine: string; noun: string; plural: string; reference: string; remediation: string }): [CheckDefinition<D>, CheckDefinition<D>] {
  const finding = (target: string, st: Statement, data: D, extraMsg: string): Omit<FindingDraft, 'severity' | 'value' | 'threshold' | 'message'> & { base: string } => ({
    target,
    base: `${o.noun} ${st.id}`,
    details: { id: st.id, calls: st.calls, meanMs: round(st.meanMs, 3), totalMs: round(st.totalMs, 3), maxMs: round(st.maxMs, 3), ...st.extra, query: cappedQuery(st.query) },
    evidence: { command: src.command(st), raw: `${cappedQuery(st.query, 2000)}\n-- calls=${st.calls} mean_ms=${round(st.meanMs, 3)} total_ms=${round(st.totalMs, 3)} max_ms=${round(st.maxMs, 3)} ${src.window(data)}${extraMsg}` },
  });
  const mean = defineCheck<D>({
    id: `${o.idPrefix}.mean`,
    category: 'db',
    title: `${o.engine} slow ${o.plural}: mean execution time`,
    description: `Mean execution time of each of the top ${o.plural} (the top N by total and by mean time, N = the database's \`top\`). A ${o.noun} is judged once it ran at least minCalls times. Target: <database>/query:<id> (a stable id, never the text).`,
    source: { collector: src.collector, section: src.section, schema: src.schema },
    defaults: { warning: 1000, critical: 5000, minCalls: 1 },
    unit: 'ms',
    remediation: o.remediation,
    reference: o.reference,
    evaluate({ data, target, settings }) {
      const list = src.statements(data);
      if (list.length === 0) return [{ target: target.name, severity: 'ok', message: src.empty(data) }];
      return list.map((st) => {
        const t = `${target.name}/query:${st.id}`;
        const s = settings(t);
        const minCalls = numberParam(s, 'minCalls', 1);
        const { base, ...f } = finding(t, st, data, '');
        if (st.calls < minCalls) return { ...f, severity: 'ok', value: round(st.meanMs, 1), threshold: thresholds(s, 'above', { minCalls }), message: `${base}: ${st.calls} call${st.calls === 1 ? '' : 's'}, fewer than minCalls ${minCalls}: not judged (mean ${formatMs(st.meanMs)}): ${shortQuery(st.query)}` };
        return {
          ...f,
          severity: levelSeverity(st.meanMs, s),
          value: round(st.meanMs, 1),
          threshold: thresholds(s, 'above', { minCalls }),
          message: `${base}: mean ${formatMs(st.meanMs)} over ${formatCount(st.calls)} call${st.calls === 1 ? '' : 's'} (max ${formatMs(st.maxMs)}, total ${formatMs(st.totalMs)}): ${shortQuery(st.query)}`,
        };
      });
    },
  });
  const total = defineCheck<D>({
    id: `${o.idPrefix}.total`,
    category: 'db',
    title: `${o.engine} slow ${o.plural}: total execution time`,
    description: `Total execution time of each of the top ${o.plural} over the statistics window (pg_stat_statements since its reset; performance_schema since server start; the slow log table over its window): the ${o.plural} that cost the server most, even when each run is fast.`,
    source: { collector: src.collector, section: src.section, schema: src.schema },
    defaults: { warning: 600_000, critical: 3_600_000 },
    unit: 'ms',
    remediation: o.remediation,
    reference: o.reference,
    evaluate({ data, target, settings }) {
      const list = src.statements(data);
      if (list.length === 0) return [{ target: target.name, severity: 'ok', message: src.empty(data) }];
      const all = src.totalMs(data);
      return list.map((st) => {
        const t = `${target.name}/query:${st.id}`;
        const s = settings(t);
        const share = all !== undefined && all > 0 ? ` (${percentOf(st.totalMs, all).toFixed(1)}% of all statement time)` : '';
        const { base, ...f } = finding(t, st, data, share);
        return {
          ...f,
          severity: levelSeverity(st.totalMs, s),
          value: round(st.totalMs, 1),
          threshold: thresholds(s),
          message: `${base}: ${formatMs(st.totalMs)} in total over ${formatCount(st.calls)} call${st.calls === 1 ? '' : 's'}${share} ${src.window(data)}: ${shortQuery(st.query)}`,
        };
      });
    },
  });
  return [mean, total];
}

export const [pgSlowStatementsMean, pgSlowStatementsTotal] = statementChecks(pgSource, {
  idPrefix: 'db.postgres.slow_statements',
  engine: 'PostgreSQL',
  noun: 'statement',
  plural: 'statements',
  reference: 'pg_stat_statements (mean/total exec time), as pgBadger ranks slowest and most time-consuming queries; thresholds are Patrol defaults (1 s / 5 s mean, 10 min / 1 h total)',
  remediation: 'EXPLAIN (ANALYZE, BUFFERS) the statement (its text is in the details); add or fix indexes, rewrite it, or cache its result. Reset the statistics after a fix with SELECT pg_stat_statements_reset().',
});

export const [mysqlSlowQueriesMean, mysqlSlowQueriesTotal] = statementChecks(mysqlSource, {
  idPrefix: 'db.mysql.slow_queries',
  engine: 'MySQL',
  noun: 'query',
  plural: 'queries',
  reference: 'MySQL slow query log / performance_schema statement digests (as pt-query-digest groups them by fingerprint); thresholds are Patrol defaults (1 s / 5 s mean, 10 min / 1 h total)',
  remediation: 'EXPLAIN the query (its text is in the details), add or fix indexes (rows examined vs sent shows missing ones), or rewrite it. Truncate performance_schema.events_statements_summary_by_digest after a fix.',
});
