import type { z } from 'zod';
import { defineCheck, levelSeverity, type CheckDefinition, type FindingDraft } from '../../check.js';
import { mysqlTablesSection, pgTablesSection, type MysqlTablesSection, type PgTablesSection } from '../../collectors/db/db-sections.js';
import { forecastExhaustion, formatHours } from '../../forecast.js';
import { formatBytes, formatSeconds } from '../format.js';
import { formatCount, round, sizeParam, thresholds } from './db-check-helpers.js';

const GIB = 1024 ** 3;

/** A table as both engines report it. */
interface Table {
  /** schema.table */
  name: string;
  bytes: number;
  dataBytes: number;
  indexBytes: number;
  rows: number;
  rowsSource: string;
  extra: Record<string, unknown>;
}

interface Source<D> {
  collector: 'postgres' | 'mysql';
  section: string;
  schema: z.ZodType<D>;
  tables(data: D): Table[];
  summary(data: D): string;
  command(t: Table): string;
}

const pgSource: Source<PgTablesSection> = {
  collector: 'postgres',
  section: 'pg_tables',
  schema: pgTablesSection,
  tables: (d) => d.tables.map((t) => ({ name: `${t.schema}.${t.name}`, bytes: t.totalBytes, dataBytes: t.tableBytes, indexBytes: t.indexBytes, rows: t.rows, rowsSource: t.rowsSource, extra: { kind: t.kind, deadRows: t.deadRows, lastVacuum: t.lastVacuum, lastAnalyze: t.lastAnalyze } })),
  summary: (d) => `database ${d.database}: ${formatBytes(d.databaseBytes)} in ${formatCount(d.tableCount)} tables`,
  command: (t) => `SELECT pg_total_relation_size('${t.name}'), pg_relation_size('${t.name}'), pg_indexes_size('${t.name}'), reltuples FROM pg_class WHERE oid = '${t.name}'::regclass`,
};

const mysqlSource: Source<MysqlTablesSection> = {
  collector: 'mysql',
  section: 'mysql_tables',
  schema: mysqlTablesSection,
  tables: (d) => d.tables.map((t) => ({ name: `${t.schema}.${t.name}`, bytes: t.totalBytes, dataBytes: t.dataBytes, indexBytes: t.indexBytes, rows: t.rows, rowsSource: t.rowsSource, extra: { engine: t.engine, freeBytes: t.freeBytes, updateTime: t.updateTime } })),
  summary: (d) => `${d.database ? `schema ${d.database}` : 'all schemas'}: ${formatBytes(d.databaseBytes)} in ${formatCount(d.tableCount)} tables`,
  command: (t) => {
    const [schema, name] = t.name.split('.', 2);
    return `SELECT table_rows, data_length, index_length FROM information_schema.TABLES WHERE table_schema = '${schema}' AND table_name = '${name}'`;
  },
};

function volumeChecks<D>(src: Source<D>, o: { idPrefix: string; engine: string; reference: string; sizeRemediation: string }): [CheckDefinition<D>, CheckDefinition<D>] {
  const sizeId = `${o.idPrefix}.table_size`;
  const size = defineCheck<D>({
    id: sizeId,
    category: 'db',
    title: `Largest ${o.engine} tables: size and rows`,
    description: `The top N tables by total size (data + indexes${src.collector === 'postgres' ? ' + TOAST' : ''}), each with its row count; value in GiB, thresholds in GiB. Its history feeds the growth forecast of ${o.idPrefix}.table_growth.`,
    source: { collector: src.collector, section: src.section, schema: src.schema },
    defaults: { warning: 50, critical: 200 },
    unit: 'GiB',
    remediation: o.sizeRemediation,
    reference: o.reference,
    evaluate({ data, target, settings, evidence }) {
      const tables = src.tables(data);
      if (tables.length === 0) return [{ target: target.name, severity: 'ok', message: `no tables (${src.summary(data)})` }];
      return tables.map((t) => {
        const tt = `${target.name}/${t.name}`;
        const s = settings(tt);
        const gib = t.bytes / GIB;
        return {
          target: tt,
          severity: levelSeverity(gib, s),
          value: round(gib, 6),
          threshold: thresholds(s),
          message: `${t.name}: ${formatBytes(t.bytes)} (${formatBytes(t.dataBytes)} data, ${formatBytes(t.indexBytes)} indexes), ~${formatCount(t.rows)} rows`,
          details: { table: t.name, bytes: t.bytes, dataBytes: t.dataBytes, indexBytes: t.indexBytes, rows: t.rows, rowsSource: t.rowsSource, ...t.extra },
          evidence: { command: src.command(t), ...(evidence.raw ? { raw: evidence.raw } : {}) },
        };
      });
    },
  });
  const growthId = `${o.idPrefix}.table_growth`;
  const growth = defineCheck<D>({
    id: growthId,
    category: 'db',
    title: `${o.engine} table growth since the last run`,
    description: `Growth of each of the largest tables since the previous inspection run (size and rows, from that run's finding), in percent of its size then. Tables below minSize at both runs are reported but not judged. With ${sizeId} history of at least 3 runs over 10 minutes, a least-squares trend gives the growth per day and the time until the table reaches forecastLimit.`,
    source: { collector: src.collector, section: src.section, schema: src.schema },
    defaults: { warning: 25, critical: 100, minSize: '100MiB', forecastLimit: '200GiB' },
    unit: '%',
    remediation: 'Find what writes to the table (application release, runaway job, missing retention or partition drop); archive or delete old rows, partition by time, and make sure space is planned for the trend.',
    reference: 'check_postgres and MySQLTuner report sizes only; growth since the last run and time until a size are Patrol additions (anchors: "time until exhausted for table growth")',
    async evaluate({ data, target, settings, previous, history, now }) {
      const tables = src.tables(data);
      if (tables.length === 0) return [{ target: target.name, severity: 'ok', message: `no tables (${src.summary(data)})` }];
      const out: FindingDraft[] = [];
      for (const t of tables) {
        const tt = `${target.name}/${t.name}`;
        const s = settings(tt);
        const minSize = sizeParam(s, 'minSize', 100 * 1024 ** 2);
        const limit = sizeParam(s, 'forecastLimit', 200 * GIB);
        const now_ = { bytes: t.bytes, rows: t.rows };
        const prev = await previous(growthId, tt);
        const pb = prev?.details && typeof prev.details.bytes === 'number' ? prev.details.bytes : undefined;
        const pr = prev?.details && typeof prev.details.rows === 'number' ? prev.details.rows : undefined;
        const points = [...(await history(sizeId, tt, 30)), { at: now, value: t.bytes / GIB, runId: 'current' }];
        const fc = forecastExhaustion(points, limit / GIB, now);
        const forecast = fc ? { growthPerDayBytes: Math.round(fc.slopePerHour * 24 * GIB), points: fc.points, ...(fc.hoursToLimit !== undefined ? { hoursToLimit: round(fc.hoursToLimit, 1), limitBytes: limit } : {}) } : undefined;
        const trend = fc && fc.slopePerHour > 0 && fc.hoursToLimit !== undefined ? `; trend +${formatBytes(fc.slopePerHour * 24 * GIB)}/day, ${formatBytes(limit)} in ${formatHours(fc.hoursToLimit)}` : '';
        const base = { target: tt, threshold: thresholds(s, 'above', { minSize }) };
        if (!prev || pb === undefined) {
          out.push({ ...base, severity: 'ok', message: `${t.name}: ${formatBytes(t.bytes)}, ~${formatCount(t.rows)} rows: first measurement, growth is reported from the next run`, details: { ...now_, ...(forecast ? { forecast } : {}) } });
          continue;
        }
        const deltaBytes = t.bytes - pb;
        const deltaRows = pr === undefined ? undefined : t.rows - pr;
        const hours = (now - prev.at) / 3_600_000;
        const pct = pb > 0 ? (100 * deltaBytes) / pb : deltaBytes > 0 ? Infinity : 0;
        const judged = Math.max(t.bytes, pb) >= minSize;
        const severity = !judged ? 'ok' : Number.isFinite(pct) ? levelSeverity(pct, s) : 'warning';
        const change = `${deltaBytes >= 0 ? 'grew' : 'shrank'} ${formatBytes(Math.abs(deltaBytes))}${Number.isFinite(pct) ? ` (${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%)` : ' (from empty)'} from ${formatBytes(pb)} to ${formatBytes(t.bytes)}`;
        const rows = deltaRows === undefined ? '' : `, rows ${deltaRows >= 0 ? '+' : ''}${formatCount(deltaRows)} to ~${formatCount(t.rows)}`;
        const small = judged ? '' : ` (below minSize ${formatBytes(minSize)}: not judged)`;
        out.push({
          ...base,
          severity,
          ...(Number.isFinite(pct) ? { value: round(pct, 2) } : {}),
          message: `${t.name} ${change}${rows} in ${formatSeconds(hours * 3600)} since the last run${small}${trend}`,
          details: { ...now_, previousBytes: pb, ...(pr !== undefined ? { previousRows: pr } : {}), previousAt: new Date(prev.at).toISOString(), previousRun: prev.runId, deltaBytes, ...(deltaRows !== undefined ? { deltaRows } : {}), hoursSincePrevious: round(hours, 3), ...(forecast ? { forecast } : {}) },
        });
      }
      return out;
    },
  });
  return [size, growth];
}

export const [pgTableSize, pgTableGrowth] = volumeChecks(pgSource, {
  idPrefix: 'db.postgres',
  engine: 'PostgreSQL',
  reference: 'check_postgres relation_size / table_size (no default thresholds; Patrol: 50 GiB warning, 200 GiB critical); rows from pg_class.reltuples',
  sizeRemediation: 'Check that the size is expected: remove or archive old rows, partition large time-series tables, and check bloat (n_dead_tup, pgstattuple) — VACUUM (or pg_repack) reclaims dead space.',
});

export const [mysqlTableSize, mysqlTableGrowth] = volumeChecks(mysqlSource, {
  idPrefix: 'db.mysql',
  engine: 'MySQL',
  reference: 'MySQLTuner lists the largest tables (information_schema rows and data length); Patrol: 50 GiB warning, 200 GiB critical',
  sizeRemediation: 'Check that the size is expected: archive or delete old rows (pt-archiver), partition by time, and reclaim free space (data_free) with OPTIMIZE TABLE. Run ANALYZE TABLE if the numbers look stale.',
});
