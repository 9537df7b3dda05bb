import { defineCheck, levelSeverity } from '../../check.js';
import { pgActivitySection, pgCacheSection, pgConnectionsSection, pgLocksSection, pgWraparoundSection } from '../../collectors/db/db-sections.js';
import { formatSeconds } from '../format.js';
import { cappedQuery, formatCount, numberParam, percentOf, round, shortQuery, thresholds } from './db-check-helpers.js';

/** Client connections vs max_connections (check_postgres "backends": 90 % / 95 %). */
export const pgConnections = defineCheck({
  id: 'db.postgres.connections',
  category: 'db',
  title: 'PostgreSQL connections used vs max_connections',
  description: 'Client backends of the whole server (the inspection\'s own excluded) as a percentage of max_connections. superuser_reserved_connections of them are not available to ordinary roles, so applications fail a little before 100 %.',
  source: { collector: 'postgres', section: 'pg_connections', schema: pgConnectionsSection },
  defaults: { warning: 90, critical: 95 },
  unit: '%',
  remediation: 'Put a connection pooler (PgBouncer) in front of the server or shrink the applications\' pools; close idle and "idle in transaction" sessions (idle_in_transaction_session_timeout). Raise max_connections only with the memory to back it (each backend costs work_mem and more).',
  reference: 'check_postgres backends; anchors: Postgres backends 90/95 % of max_connections',
  evaluate({ data, target, settings }) {
    const s = settings();
    const pct = percentOf(data.used, data.max);
    const states = Object.entries(data.byState).map(([k, v]) => `${v} ${k}`).join(', ');
    const top = data.top.slice(0, 3).map((t) => `${t.user || '?'}@${t.database || '?'}${t.application ? ` (${t.application})` : ''}: ${t.connections}`).join('; ');
    return [
      {
        target: target.name,
        severity: levelSeverity(pct, s),
        value: round(pct, 1),
        threshold: thresholds(s),
        message: `${data.used} of ${data.max} connections used (${pct.toFixed(1)}%, ${data.superuserReserved} reserved for superusers)${states ? `: ${states}` : ''}${top ? `; most: ${top}` : ''}`,
        details: { used: data.used, max: data.max, superuserReserved: data.superuserReserved, byState: data.byState, top: data.top },
      },
    ];
  },
});

/** Long-running and idle-in-transaction transactions, and old prepared transactions. */
export const pgLongTransactions = defineCheck({
  id: 'db.postgres.long_transactions',
  category: 'db',
  title: 'PostgreSQL long-running transactions',
  description: 'Age of the oldest open transaction on the server (active or "idle in transaction") and of prepared (two-phase) transactions. Old transactions hold locks and stop VACUUM from removing dead rows everywhere.',
  source: { collector: 'postgres', section: 'pg_activity', schema: pgActivitySection },
  defaults: { warning: 300, critical: 1800 },
  unit: 's',
  remediation: 'Find the session in the details (pid, user, application, query) and end it (SELECT pg_terminate_backend(pid)); fix the application that leaves transactions open; set idle_in_transaction_session_timeout. Commit or roll back old prepared transactions (COMMIT PREPARED / ROLLBACK PREPARED gid).',
  reference: 'check_postgres txn_time / txn_idle (no defaults; Patrol: 5 min warning, 30 min critical)',
  remediationWorkflow: 'terminate-query',
  evaluate({ data, target, settings }) {
    const s = settings();
    const warn = s.warning ?? Infinity;
    const txs = data.transactions.map((t) => ({ kind: 'transaction' as const, seconds: t.xactSeconds, t }));
    const prepared = data.prepared.map((p) => ({ kind: 'prepared' as const, seconds: p.seconds, p }));
    const all = [...txs, ...prepared].sort((a, b) => b.seconds - a.seconds);
    const oldest = all[0];
    if (!oldest) return [{ target: target.name, severity: 'ok', value: 0, threshold: thresholds(s), message: 'no open transactions' }];
    const describe = (x: (typeof all)[number]) =>
      x.kind === 'prepared'
        ? `prepared transaction "${x.p.gid}" (database ${x.p.database}, owner ${x.p.owner}) open for ${formatSeconds(x.seconds)}`
        : `pid ${x.t.pid} (${x.t.user || '?'}@${x.t.database || '?'}${x.t.application ? `, ${x.t.application}` : ''}, ${x.t.state || 'unknown state'}) in a transaction for ${formatSeconds(x.seconds)}: ${shortQuery(x.t.query, 100)}`;
    const over = all.filter((x) => x.seconds >= warn);
    const idle = data.transactions.filter((t) => t.state.startsWith('idle in transaction')).length;
    return [
      {
        target: target.name,
        severity: levelSeverity(oldest.seconds, s),
        value: round(oldest.seconds, 1),
        threshold: thresholds(s),
        message: `oldest: ${describe(oldest)}${over.length > 1 ? ` (${over.length} transactions over ${formatSeconds(warn)})` : ''}${idle ? `; ${idle} idle in transaction` : ''}`,
        details: {
          openTransactions: data.transactions.length,
          idleInTransaction: idle,
          oldest: all.slice(0, 10).map((x) => (x.kind === 'prepared' ? { prepared: x.p.gid, database: x.p.database, owner: x.p.owner, seconds: round(x.seconds, 1) } : { pid: x.t.pid, user: x.t.user, database: x.t.database, application: x.t.application, client: x.t.client, state: x.t.state, seconds: round(x.seconds, 1), waitEvent: x.t.waitEvent, query: cappedQuery(x.t.query, 500) })),
        },
      },
    ];
  },
});

/** Sessions waiting for locks (check_postgres lockwait: 1 / 2 min). */
export const pgLockWaits = defineCheck({
  id: 'db.postgres.lock_waits',
  category: 'db',
  title: 'PostgreSQL sessions waiting for locks',
  description: 'The longest time a session has been waiting for a lock (PostgreSQL 14+: since the wait started; older: since its query started), with the sessions blocking it.',
  source: { collector: 'postgres', section: 'pg_locks', schema: pgLocksSection },
  defaults: { warning: 60, critical: 120 },
  unit: 's',
  remediation: 'Look at the blocking session in the details (often "idle in transaction"): commit/roll back or end it (pg_terminate_backend(pid)). Keep transactions short, take locks in a consistent order, and use lock_timeout for DDL.',
  reference: 'check_postgres lockwait: warning 1 min, critical 2 min',
  evaluate({ data, target, settings }) {
    const s = settings();
    const w = data.waits[0];
    if (!w) return [{ target: target.name, severity: 'ok', value: 0, threshold: thresholds(s), message: `no session is waiting for a lock (${formatCount(data.total)} locks held)` }];
    const blockers = new Map(data.blockers.map((b) => [b.pid, b]));
    const by = w.blockedBy.map((pid) => {
      const b = blockers.get(pid);
      return b ? `pid ${pid} (${b.user || '?'}, ${b.state || '?'}${b.xactSeconds !== null ? ` for ${formatSeconds(b.xactSeconds)}` : ''}: ${shortQuery(b.query, 80)})` : `pid ${pid}`;
    });
    return [
      {
        target: target.name,
        severity: levelSeverity(w.waitSeconds, s),
        value: round(w.waitSeconds, 1),
        threshold: thresholds(s),
        message: `pid ${w.pid} (${w.user || '?'}@${w.database || '?'}) has waited ${formatSeconds(w.waitSeconds)} for ${w.mode}${w.relation ? ` on ${w.relation}` : ` (${w.lockType})`}${by.length ? `, blocked by ${by.join(', ')}` : ''}${data.waits.length > 1 ? `; ${data.waits.length} sessions waiting` : ''}: ${shortQuery(w.query, 80)}`,
        details: {
          waiting: data.waiting,
          waits: data.waits.slice(0, 10).map((x) => ({ ...x, waitSeconds: round(x.waitSeconds, 1), query: cappedQuery(x.query, 500) })),
          blockers: data.blockers.slice(0, 10).map((b) => ({ ...b, query: cappedQuery(b.query, 500) })),
        },
      },
    ];
  },
});

/** Number of locks held and awaited (check_postgres locks: 100 / 150). */
export const pgLocks = defineCheck({
  id: 'db.postgres.locks',
  category: 'db',
  title: 'PostgreSQL locks held',
  description: 'Total entries in pg_locks on the server (granted and waiting), by mode. Many locks point at huge transactions or runaway sessions and exhaust the lock table (max_locks_per_transaction).',
  source: { collector: 'postgres', section: 'pg_locks', schema: pgLocksSection },
  defaults: { warning: 100, critical: 150 },
  unit: 'locks',
  remediation: 'Find the sessions holding most locks (SELECT pid, count(*) FROM pg_locks GROUP BY pid ORDER BY 2 DESC) and what they run; split huge transactions; end runaway sessions.',
  reference: 'check_postgres locks: warning 100, critical 150',
  evaluate({ data, target, settings }) {
    const s = settings();
    const modes = Object.entries(data.byMode).map(([m, c]) => `${m} ${c}`).join(', ');
    return [{ target: target.name, severity: levelSeverity(data.total, s), value: data.total, threshold: thresholds(s), message: `${formatCount(data.total)} locks (${data.waiting} waiting)${modes ? `: ${modes}` : ''}`, details: { total: data.total, waiting: data.waiting, byMode: data.byMode } }];
  },
});

/** Buffer cache hit ratio of the database (check_postgres hitratio: 0.99 / 0.90). */
export const pgCacheHit = defineCheck({
  id: 'db.postgres.cache_hit',
  category: 'db',
  title: 'PostgreSQL buffer cache hit ratio',
  description: 'blks_hit / (blks_hit + blks_read) of the inspected database since its statistics were reset, in percent. Judged once at least minBlocks blocks were accessed (a freshly started or reset database says nothing yet). Reads served by the OS page cache count as reads here.',
  source: { collector: 'postgres', section: 'pg_cache', schema: pgCacheSection },
  defaults: { warning: 99, critical: 90, minBlocks: 10_000 },
  unit: '%',
  remediation: 'Raise shared_buffers (commonly 25 % of RAM) if memory allows; find the tables read from disk most (details: topReadTables) and the queries scanning them (pg_stat_statements shared_blks_read): add indexes or stop the full scans.',
  reference: 'check_postgres hitratio: warning 0.99, critical 0.90 (here as 99 % / 90 %)',
  evaluate({ data, target, settings }) {
    const s = settings();
    const minBlocks = numberParam(s, 'minBlocks', 10_000);
    const total = data.blksHit + data.blksRead;
    const ratio = percentOf(data.blksHit, total);
    const details = { blksHit: data.blksHit, blksRead: data.blksRead, statsReset: data.statsReset, topReadTables: data.topReadTables };
    const th = thresholds(s, 'below', { minBlocks });
    if (total < minBlocks) return [{ target: target.name, severity: 'ok', threshold: th, message: `only ${formatCount(total)} block accesses since the statistics were reset (fewer than minBlocks ${formatCount(minBlocks)}): too little traffic to judge the hit ratio (${ratio.toFixed(2)}% so far)`, details }];
    // Strictly below the thresholds (check_postgres: "< 0.99").
    const severity = s.critical !== undefined && ratio < s.critical ? 'critical' : s.warning !== undefined && ratio < s.warning ? 'warning' : 'ok';
    const top = data.topReadTables.filter((t) => t.heapBlksRead > 0).slice(0, 3).map((t) => `${t.name} (${formatCount(t.heapBlksRead)} read)`).join(', ');
    return [{ target: target.name, severity, value: round(ratio, 3), threshold: th, message: `cache hit ratio of ${data.database}: ${ratio.toFixed(2)}% (${formatCount(data.blksHit)} hits, ${formatCount(data.blksRead)} reads)${top ? `; most read from disk: ${top}` : ''}`, details }];
  },
});

/** Transaction ID wraparound (check_postgres txn_wraparound: 1.3 billion / 1.4 billion). */
export const pgWraparound = defineCheck({
  id: 'db.postgres.wraparound',
  category: 'db',
  title: 'PostgreSQL transaction ID wraparound',
  description: 'The oldest unfrozen transaction ID (age(datfrozenxid)) and multixact ID (mxid_age(datminmxid)) across all databases of the server. At about 2.1 billion PostgreSQL stops accepting writes to prevent wraparound.',
  source: { collector: 'postgres', section: 'pg_wraparound', schema: pgWraparoundSection },
  defaults: { warning: 1_300_000_000, critical: 1_400_000_000 },
  unit: 'xids',
  remediation: 'Run VACUUM (FREEZE) on the oldest tables of the named database (SELECT relname, age(relfrozenxid) FROM pg_class ORDER BY 2 DESC) and find what blocks autovacuum (long transactions, prepared transactions, replication slots); make autovacuum more aggressive.',
  reference: 'check_postgres txn_wraparound: warning 1.3 billion, critical 1.4 billion',
  evaluate({ data, target, settings }) {
    const s = settings();
    const worst = data.databases
      .flatMap((d) => [
        { db: d.name, kind: 'transaction ID', age: d.xidAge },
        { db: d.name, kind: 'multixact ID', age: d.mxidAge },
      ])
      .sort((a, b) => b.age - a.age)[0];
    if (!worst) return [];
    return [
      {
        target: target.name,
        severity: levelSeverity(worst.age, s),
        value: worst.age,
        threshold: thresholds(s),
        message: `oldest ${worst.kind} age ${formatCount(worst.age)} in database "${worst.db}" (${percentOf(worst.age, 2_147_483_647).toFixed(1)}% of the way to wraparound; autovacuum_freeze_max_age ${formatCount(data.autovacuumFreezeMaxAge)})`,
        details: { databases: data.databases, autovacuumFreezeMaxAge: data.autovacuumFreezeMaxAge },
      },
    ];
  },
});
