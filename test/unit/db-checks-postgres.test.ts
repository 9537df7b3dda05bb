import { judge, of, one, previousFinding } from '../support/db-check-harness.js';
import { standbyLagSeconds } from '../../src/inspections/checks/db/replication-lag.js';
import type { PgReplicationSection } from '../../src/inspections/collectors/db/db-sections.js';

// PostgreSQL checks on recorded section data: each fires and stays quiet; edge cases of lag,
// growth and counters; anything that cannot be judged is an error, never ok.

const stmt = (queryid: string, meanMs: number, calls = 10, query = `SELECT * FROM t WHERE id = $1 /* ${queryid} */`) => ({
  queryid,
  calls,
  totalMs: meanMs * calls,
  meanMs,
  maxMs: meanMs * 2,
  rows: calls,
  sharedBlksHit: 100,
  sharedBlksRead: 5,
  tempBlksWritten: 0,
  users: 'app',
  query,
});
const statements = (list: ReturnType<typeof stmt>[]) => ({ extensionVersion: '1.10', statements: list, totalCalls: 1000, totalMs: list.reduce((a, s) => a + s.totalMs, 0) * 2, statsReset: '2026-01-01T00:00:00+00:00' });

const table = (name: string, totalBytes: number, rows: number) => ({ schema: 'public', name, kind: 'table', rows, rowsSource: 'reltuples', deadRows: 0, totalBytes, tableBytes: totalBytes * 0.8, indexBytes: totalBytes * 0.2, lastVacuum: null, lastAnalyze: null });
const tables = (list: ReturnType<typeof table>[]) => ({ database: 'shop', databaseBytes: 1e9, tableCount: list.length, tables: list });

const healthy = {
  pg_connections: { used: 10, max: 100, superuserReserved: 3, patrolConnections: 1, byState: { idle: 8, active: 2 }, top: [{ database: 'shop', user: 'app', application: 'web', connections: 10 }] },
  pg_activity: { transactions: [], prepared: [] },
  pg_locks: { total: 5, waiting: 0, byMode: { AccessShareLock: 5 }, waits: [], blockers: [] },
  pg_replication: { role: 'primary', replicas: [], slots: [], standby: null },
  pg_cache: { database: 'shop', blksHit: 999_000, blksRead: 1000, statsReset: null, topReadTables: [] },
  pg_wraparound: { databases: [{ name: 'shop', xidAge: 5000, mxidAge: 10, allowConnections: true }], autovacuumFreezeMaxAge: 200_000_000 },
  pg_statements: statements([stmt('11', 5)]),
  pg_tables: tables([table('orders', 1024 ** 2, 1000)]),
};

test('a healthy server: every PostgreSQL check is ok', async () => {
  const f = await judge('postgres', healthy);
  expect(f.filter((x) => x.severity !== 'ok').map((x) => `${x.check}: ${x.message}`)).toEqual([]);
  expect(new Set(f.map((x) => x.check)).size).toBe(11);
});

describe('slow statements', () => {
  test('mean over 1 s warns, over 5 s is critical, with the stable queryid target and the query text', async () => {
    const f = await judge('postgres', { ...healthy, pg_statements: statements([stmt('-42', 1500), stmt('7', 6000), stmt('8', 12)]) });
    expect(one(f, 'db.postgres.slow_statements.mean', 'db1/query:-42')).toMatchObject({ severity: 'warning', value: 1500, unit: 'ms' });
    expect(one(f, 'db.postgres.slow_statements.mean', 'db1/query:7').severity).toBe('critical');
    expect(one(f, 'db.postgres.slow_statements.mean', 'db1/query:8').severity).toBe('ok');
    const w = one(f, 'db.postgres.slow_statements.mean', 'db1/query:-42');
    expect(w.details).toMatchObject({ id: '-42', calls: 10, users: 'app' });
    expect(w.evidence?.raw).toContain('SELECT * FROM t WHERE id = $1');
    expect(w.remediation).toContain('EXPLAIN');
  });

  test('total time thresholds and share of all statement time', async () => {
    const f = await judge('postgres', { ...healthy, pg_statements: statements([stmt('1', 100, 7000), stmt('2', 100, 40_000)]) });
    expect(one(f, 'db.postgres.slow_statements.total', 'db1/query:1')).toMatchObject({ severity: 'warning', value: 700_000 });
    expect(one(f, 'db.postgres.slow_statements.total', 'db1/query:2').severity).toBe('critical');
    expect(one(f, 'db.postgres.slow_statements.total', 'db1/query:1').message).toMatch(/% of all statement time/);
  });

  test('minCalls: statements with fewer calls are reported ok, not judged', async () => {
    const f = await judge('postgres', { ...healthy, pg_statements: statements([stmt('1', 9000, 2)]) }, { checks: { 'db.postgres.slow_statements.mean': { minCalls: 5 } } });
    const x = one(f, 'db.postgres.slow_statements.mean', 'db1/query:1');
    expect(x.severity).toBe('ok');
    expect(x.message).toContain('fewer than minCalls 5');
  });

  test('long query text is capped in details and evidence; no statements is one ok finding', async () => {
    const f = await judge('postgres', { ...healthy, pg_statements: statements([stmt('1', 1, 1, `SELECT ${'x, '.repeat(2000)}1`)]) });
    const x = one(f, 'db.postgres.slow_statements.mean', 'db1/query:1');
    expect(String(x.details!.query).length).toBeLessThan(1100);
    expect(x.message.length).toBeLessThan(300);
    const empty = await judge('postgres', { ...healthy, pg_statements: statements([]) });
    expect(one(empty, 'db.postgres.slow_statements.mean')).toMatchObject({ severity: 'ok' });
    expect(one(empty, 'db.postgres.slow_statements.mean').message).toContain('no statements recorded');
  });

  test('a failed section (pg_stat_statements missing) is an error for both checks, never ok', async () => {
    const f = await judge('postgres', { ...healthy, pg_statements: { __error: 'pg_stat_statements is not installed in database "x"' } });
    for (const c of ['db.postgres.slow_statements.mean', 'db.postgres.slow_statements.total']) {
      expect(one(f, c)).toMatchObject({ severity: 'error' });
      expect(one(f, c).message).toContain('pg_stat_statements is not installed');
    }
  });

  test('a parameter of the wrong type is an error of that check', async () => {
    const f = await judge('postgres', healthy, { checks: { 'db.postgres.slow_statements.mean': { minCalls: 'five' } } });
    expect(one(f, 'db.postgres.slow_statements.mean')).toMatchObject({ severity: 'error' });
    expect(one(f, 'db.postgres.slow_statements.mean').message).toContain('parameter minCalls must be a number');
  });
});

describe('tables: size and growth since the last run', () => {
  const GIB = 1024 ** 3;
  test('size in GiB against 50 / 200 GiB', async () => {
    const f = await judge('postgres', { ...healthy, pg_tables: tables([table('events', 60 * GIB, 1e9), table('logs', 250 * GIB, 2e9), table('users', 1e6, 100)]) });
    expect(one(f, 'db.postgres.table_size', 'db1/public.events')).toMatchObject({ severity: 'warning', value: 60, unit: 'GiB' });
    expect(one(f, 'db.postgres.table_size', 'db1/public.logs').severity).toBe('critical');
    expect(one(f, 'db.postgres.table_size', 'db1/public.users').severity).toBe('ok');
    expect(one(f, 'db.postgres.table_size', 'db1/public.events').details).toMatchObject({ rows: 1e9, bytes: 60 * GIB });
  });

  test('first run: ok, growth is known from the next run; its details carry size and rows for it', async () => {
    const f = await judge('postgres', { ...healthy, pg_tables: tables([table('orders', 500e6, 1e6)]) });
    const g = one(f, 'db.postgres.table_growth', 'db1/public.orders');
    expect(g.severity).toBe('ok');
    expect(g.value).toBeUndefined();
    expect(g.details).toMatchObject({ bytes: 500e6, rows: 1e6 });
  });

  test('growth from the previous run\'s finding: +40 % warns, +150 % is critical, shrinking is ok', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const prev = { at: now - 24 * 3_600_000 };
    const f = await judge('postgres', { ...healthy, pg_tables: tables([table('a', 700e6, 1.4e6), table('b', 2.5e9, 5e6), table('c', 400e6, 9e5)]) }, {
      now,
      previous: {
        'db.postgres.table_growth db1/public.a': previousFinding({ bytes: 500e6, rows: 1e6 }, prev),
        'db.postgres.table_growth db1/public.b': previousFinding({ bytes: 1e9, rows: 2e6 }, prev),
        'db.postgres.table_growth db1/public.c': previousFinding({ bytes: 500e6, rows: 1e6 }, prev),
      },
    });
    const a = one(f, 'db.postgres.table_growth', 'db1/public.a');
    expect(a).toMatchObject({ severity: 'warning', value: 40 });
    expect(a.details).toMatchObject({ previousBytes: 500e6, deltaBytes: 200e6, deltaRows: 400_000, previousRows: 1e6, hoursSincePrevious: 24 });
    expect(a.message).toContain('grew');
    expect(a.message).toContain('rows +400,000');
    expect(one(f, 'db.postgres.table_growth', 'db1/public.b')).toMatchObject({ severity: 'critical', value: 150 });
    expect(one(f, 'db.postgres.table_growth', 'db1/public.c')).toMatchObject({ severity: 'ok', value: -20 });
  });

  test('tables below minSize at both runs are reported, not judged; growth from empty is a warning', async () => {
    const f = await judge('postgres', { ...healthy, pg_tables: tables([table('tiny', 64 * 1024, 10), table('fresh', 300e6, 1e6)]) }, {
      previous: {
        'db.postgres.table_growth db1/public.tiny': previousFinding({ bytes: 8192, rows: 1 }),
        'db.postgres.table_growth db1/public.fresh': previousFinding({ bytes: 0, rows: 0 }),
      },
    });
    const tiny = one(f, 'db.postgres.table_growth', 'db1/public.tiny');
    expect(tiny.severity).toBe('ok');
    expect(tiny.message).toContain('below minSize');
    expect(tiny.value).toBe(700);
    const fresh = one(f, 'db.postgres.table_growth', 'db1/public.fresh');
    expect(fresh.severity).toBe('warning');
    expect(fresh.message).toContain('from empty');
  });

  test('with table_size history over hours, a trend forecasts when the table reaches forecastLimit', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const h = 3_600_000;
    // 10 GiB growing 1 GiB per hour: 200 GiB in ~186 h.
    const history = { 'db.postgres.table_size db1/public.events': [0, 1, 2, 3].map((i) => ({ at: now - (4 - i) * h, value: 10 + i, runId: `r${i}` })) };
    const f = await judge('postgres', { ...healthy, pg_tables: tables([table('events', 14 * GIB, 1e8)]) }, { now, history, previous: { 'db.postgres.table_growth db1/public.events': previousFinding({ bytes: 13 * GIB, rows: 9e7 }, { at: now - h }) } });
    const g = one(f, 'db.postgres.table_growth', 'db1/public.events');
    const fc = g.details!.forecast as { growthPerDayBytes: number; hoursToLimit: number; points: number };
    expect(fc.points).toBe(5);
    expect(fc.growthPerDayBytes / GIB).toBeCloseTo(24, 0);
    expect(fc.hoursToLimit).toBeGreaterThan(180);
    expect(fc.hoursToLimit).toBeLessThan(190);
    expect(g.message).toContain('/day');
  });
});

describe('connections, transactions, locks', () => {
  test('connections: 90 % warns, 96 % is critical', async () => {
    const at = (used: number) => judge('postgres', { ...healthy, pg_connections: { ...healthy.pg_connections, used } });
    expect(one(await at(90), 'db.postgres.connections')).toMatchObject({ severity: 'warning', value: 90 });
    expect(one(await at(96), 'db.postgres.connections').severity).toBe('critical');
    expect(one(await at(89), 'db.postgres.connections').severity).toBe('ok');
  });

  const tx = (pid: number, xactSeconds: number, state = 'idle in transaction') => ({ pid, database: 'shop', user: 'app', application: 'worker', client: '10.0.0.5', state, waitEventType: 'Client', waitEvent: 'ClientRead', xactSeconds, stateSeconds: xactSeconds, query: 'UPDATE orders SET x = 1' });
  test('long transactions: idle in transaction over 5 min warns, a prepared transaction over 30 min is critical', async () => {
    const f1 = await judge('postgres', { ...healthy, pg_activity: { transactions: [tx(101, 400), tx(102, 3, 'active')], prepared: [] } });
    const w = one(f1, 'db.postgres.long_transactions');
    expect(w).toMatchObject({ severity: 'warning', value: 400, unit: 's' });
    expect(w.message).toContain('pid 101');
    expect(w.message).toContain('idle in transaction');
    const f2 = await judge('postgres', { ...healthy, pg_activity: { transactions: [tx(101, 10)], prepared: [{ gid: 'tx-9', database: 'shop', owner: 'app', seconds: 2000 }] } });
    expect(one(f2, 'db.postgres.long_transactions').severity).toBe('critical');
    expect(one(f2, 'db.postgres.long_transactions').message).toContain('prepared transaction "tx-9"');
  });

  test('lock waits: the longest wait and its blocker; 2 min is critical', async () => {
    const f = await judge('postgres', {
      ...healthy,
      pg_locks: {
        total: 40,
        waiting: 1,
        byMode: { RowExclusiveLock: 30, ShareLock: 10 },
        waits: [{ pid: 200, database: 'shop', user: 'app', application: 'web', lockType: 'transactionid', mode: 'ShareLock', relation: null, waitSeconds: 130, blockedBy: [101], query: "UPDATE customers SET name = 'x'" }],
        blockers: [{ pid: 101, user: 'batch', application: 'cron', state: 'idle in transaction', xactSeconds: 600, query: 'UPDATE customers SET name = name' }],
      },
    });
    const w = one(f, 'db.postgres.lock_waits');
    expect(w).toMatchObject({ severity: 'critical', value: 130 });
    expect(w.message).toContain('blocked by pid 101 (batch, idle in transaction for 10 min');
    expect(one(f, 'db.postgres.locks')).toMatchObject({ severity: 'ok', value: 40 });
  });

  test('locks: 100 warns, 150 is critical', async () => {
    const at = (total: number) => judge('postgres', { ...healthy, pg_locks: { ...healthy.pg_locks, total } });
    expect(one(await at(120), 'db.postgres.locks').severity).toBe('warning');
    expect(one(await at(150), 'db.postgres.locks').severity).toBe('critical');
  });
});

describe('replication lag', () => {
  const standby = (over: Partial<NonNullable<PgReplicationSection['standby']>>): NonNullable<PgReplicationSection['standby']> => ({ receiveLsn: '0/3000100', replayLsn: '0/3000100', pendingBytes: 0, replayPaused: false, lastReplayAgeSeconds: 5000, receiverStatus: 'streaming', senderHost: '10.0.0.1', ...over });

  test('standbyLagSeconds: caught up is 0 however old the last replayed transaction; behind is its age; unknown is null', () => {
    expect(standbyLagSeconds(standby({}))).toBe(0);
    expect(standbyLagSeconds(standby({ receiveLsn: '0/3000200', pendingBytes: 256, lastReplayAgeSeconds: 75 }))).toBe(75);
    expect(standbyLagSeconds(standby({ receiveLsn: '0/3000200', pendingBytes: 256, lastReplayAgeSeconds: null }))).toBeNull();
  });

  const pgStandby = (sb: NonNullable<PgReplicationSection['standby']>) => judge('postgres', { ...healthy, pg_replication: { role: 'standby', replicas: [], slots: [], standby: sb } });
  test('on a standby: caught up ok; behind 90 s warns; 6 min critical; no WAL receiver critical; paused warns', async () => {
    expect(one(await pgStandby(standby({})), 'db.postgres.replication_lag')).toMatchObject({ severity: 'ok', value: 0 });
    expect(one(await pgStandby(standby({ receiveLsn: '0/4', pendingBytes: 10, lastReplayAgeSeconds: 90 })), 'db.postgres.replication_lag')).toMatchObject({ severity: 'warning', value: 90 });
    expect(one(await pgStandby(standby({ receiveLsn: '0/4', pendingBytes: 10, lastReplayAgeSeconds: 360 })), 'db.postgres.replication_lag').severity).toBe('critical');
    const down = one(await pgStandby(standby({ receiverStatus: null })), 'db.postgres.replication_lag');
    expect(down.severity).toBe('critical');
    expect(down.message).toContain('no WAL receiver');
    const paused = one(await pgStandby(standby({ replayPaused: true })), 'db.postgres.replication_lag');
    expect(paused.severity).toBe('warning');
    expect(paused.message).toContain('paused');
    const unknown = one(await pgStandby(standby({ receiveLsn: '0/4', pendingBytes: 10, lastReplayAgeSeconds: null })), 'db.postgres.replication_lag');
    expect(unknown.severity).toBe('warning');
    expect(unknown.value).toBeUndefined();
  });

  const replica = (name: string, lag: number | null, state = 'streaming', client = '10.0.0.2') => ({ name, client, state, syncState: 'async', writeLagSeconds: lag, flushLagSeconds: lag, replayLagSeconds: lag, replayLagBytes: 1000 });
  test('on a primary: one finding per standby; lag thresholds; not streaming warns; idle (null lag) is 0', async () => {
    const f = await judge('postgres', { ...healthy, pg_replication: { role: 'primary', replicas: [replica('s1', 70), replica('s2', null), replica('s3', 1, 'catchup')], slots: [], standby: null } });
    expect(one(f, 'db.postgres.replication_lag', 'db1/replica:s1')).toMatchObject({ severity: 'warning', value: 70 });
    expect(one(f, 'db.postgres.replication_lag', 'db1/replica:s2')).toMatchObject({ severity: 'ok', value: 0 });
    expect(one(f, 'db.postgres.replication_lag', 'db1/replica:s3').severity).toBe('warning');
    expect(of(f, 'db.postgres.replication_lag')).toHaveLength(3);
  });

  test('standbys with the same application_name get distinct targets', async () => {
    const f = await judge('postgres', { ...healthy, pg_replication: { role: 'primary', replicas: [replica('walreceiver', 0, 'streaming', '10.0.0.2'), replica('walreceiver', 0, 'streaming', '10.0.0.3')], slots: [], standby: null } });
    expect(of(f, 'db.postgres.replication_lag').map((x) => x.target).sort()).toEqual(['db1/replica:walreceiver@10.0.0.2', 'db1/replica:walreceiver@10.0.0.3']);
  });

  test('minReplicas: fewer connected standbys is critical; none expected and none connected is ok', async () => {
    const none = await judge('postgres', healthy);
    expect(one(none, 'db.postgres.replication_lag').message).toContain('no standbys connected');
    const f = await judge('postgres', { ...healthy, pg_replication: { role: 'primary', replicas: [replica('s1', 0)], slots: [{ name: 'old', type: 'physical', active: false, retainedBytes: 5e9 }], standby: null } }, { checks: { 'db.postgres.replication_lag': { minReplicas: 2 } } });
    const x = one(f, 'db.postgres.replication_lag');
    expect(x).toMatchObject({ severity: 'critical', value: 1 });
    expect(x.message).toContain('old (inactive, retains 4.7 GiB of WAL)');
  });
});

describe('cache hit ratio and wraparound', () => {
  const cache = (hit: number, read: number) => judge('postgres', { ...healthy, pg_cache: { ...healthy.pg_cache, blksHit: hit, blksRead: read } });
  test('below 99 % warns, below 90 % is critical; too little traffic is not judged', async () => {
    expect(one(await cache(95_000, 5_000), 'db.postgres.cache_hit')).toMatchObject({ severity: 'warning', value: 95, threshold: { direction: 'below', warning: 99, critical: 90 } });
    expect(one(await cache(85_000, 15_000), 'db.postgres.cache_hit').severity).toBe('critical');
    expect(one(await cache(99_500, 500), 'db.postgres.cache_hit').severity).toBe('ok');
    const quiet = one(await cache(10, 900), 'db.postgres.cache_hit');
    expect(quiet.severity).toBe('ok');
    expect(quiet.message).toContain('too little traffic');
  });

  const wrap = (xid: number, mxid = 10) => judge('postgres', { ...healthy, pg_wraparound: { databases: [{ name: 'shop', xidAge: xid, mxidAge: mxid, allowConnections: true }, { name: 'template0', xidAge: 100, mxidAge: 1, allowConnections: false }], autovacuumFreezeMaxAge: 200_000_000 } });
  test('1.3 billion warns, 1.4 billion is critical, multixact age counts too', async () => {
    expect(one(await wrap(1_350_000_000), 'db.postgres.wraparound')).toMatchObject({ severity: 'warning', value: 1_350_000_000 });
    expect(one(await wrap(1_450_000_000), 'db.postgres.wraparound').severity).toBe('critical');
    const m = one(await wrap(1000, 1_420_000_000), 'db.postgres.wraparound');
    expect(m.severity).toBe('critical');
    expect(m.message).toContain('multixact ID');
    expect(one(await wrap(200_000), 'db.postgres.wraparound').severity).toBe('ok');
  });
});

test('an unreachable database: every check is an error with the reason', async () => {
  const f = await judge('postgres', {}, { error: 'cannot connect to PostgreSQL at 10.0.0.9:5432: timeout' });
  expect(f).toHaveLength(11);
  expect(f.every((x) => x.severity === 'error' && x.message.includes('cannot connect to PostgreSQL'))).toBe(true);
});

test('unexpected section data is an error naming the field', async () => {
  const f = await judge('postgres', { ...healthy, pg_connections: { used: 'ten' } });
  expect(one(f, 'db.postgres.connections')).toMatchObject({ severity: 'error' });
  expect(one(f, 'db.postgres.connections').message).toContain('unexpected measurement data');
});
