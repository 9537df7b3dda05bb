import { judge, of, one, previousFinding } from '../support/db-check-harness.js';

// MySQL/MariaDB checks on recorded section data.

const q = (id: string, meanMs: number, calls = 4) => ({ id, schema: 'shop', calls, totalMs: meanMs * calls, meanMs, maxMs: meanMs, rowsExamined: 1000, rowsSent: 1, query: `SELECT * FROM orders WHERE note LIKE '%${id}%'`, lastSeen: '2026-03-01T10:00:00' });
const statements = (list: ReturnType<typeof q>[], source: 'performance_schema' | 'slow_log' = 'performance_schema') => ({ source, windowSeconds: source === 'slow_log' ? 86400 : null, longQueryTime: 1, statements: source === 'slow_log' ? list.map((s) => ({ ...s, fingerprint: 'select * from orders where note like ?' })) : list });
const tbl = (name: string, dataBytes: number, rows: number) => ({ schema: 'shop', name, engine: 'InnoDB', rows, rowsSource: 'information_schema (estimate)', dataBytes, indexBytes: 0, freeBytes: 0, totalBytes: dataBytes, updateTime: null });
const conns = { threadsConnected: 10, threadsRunning: 1, maxUsedConnections: 20, maxConnections: 100, connections: 5000, abortedConnects: 10, abortedClients: 3, uptimeSeconds: 86400, version: '10.11.6-MariaDB' };
const healthy = {
  mysql_statements: statements([q('a1', 20)]),
  mysql_tables: { database: 'shop', tableCount: 1, databaseBytes: 1e6, tables: [tbl('orders', 1e6, 1000)] },
  mysql_connections: conns,
  mysql_buffer_pool: { readRequests: 1_000_000, diskReads: 1000, pagesTotal: 8192, pagesFree: 100, pagesData: 8000, waitFree: 0, poolBytes: 128 * 1024 ** 2, uptimeSeconds: 86400 },
  mysql_replication: { isReplica: false, channels: [] },
};
const channel = (over: Record<string, unknown> = {}) => ({ name: '', sourceHost: 'db-primary', sourcePort: 3306, ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehind: 0, sqlDelay: 0, lastIoError: '', lastSqlError: '', state: 'Slave has read all relay log', ...over });

test('a healthy server: every MySQL check is ok', async () => {
  const f = await judge('mysql', healthy);
  expect(f.filter((x) => x.severity !== 'ok').map((x) => `${x.check}: ${x.message}`)).toEqual([]);
  expect(new Set(f.map((x) => x.check)).size).toBe(8);
});

test('slow queries: digests and slow log entries judged by mean and total time; the message names the source window', async () => {
  const f = await judge('mysql', { ...healthy, mysql_statements: statements([q('d1', 2500), q('d2', 8000, 1000), q('d3', 3)]) });
  expect(one(f, 'db.mysql.slow_queries.mean', 'db1/query:d1')).toMatchObject({ severity: 'warning', value: 2500 });
  expect(one(f, 'db.mysql.slow_queries.mean', 'db1/query:d2').severity).toBe('critical');
  expect(one(f, 'db.mysql.slow_queries.total', 'db1/query:d2')).toMatchObject({ severity: 'critical', value: 8_000_000 });
  expect(one(f, 'db.mysql.slow_queries.mean', 'db1/query:d3').severity).toBe('ok');
  const slow = await judge('mysql', { ...healthy, mysql_statements: statements([q('f1', 1200)], 'slow_log') });
  const s = one(slow, 'db.mysql.slow_queries.total', 'db1/query:f1');
  expect(s.message).toContain('in the slow log');
  expect(s.details).toMatchObject({ source: 'slow_log', fingerprint: 'select * from orders where note like ?' });
  const none = await judge('mysql', { ...healthy, mysql_statements: statements([], 'slow_log') });
  expect(one(none, 'db.mysql.slow_queries.mean').message).toContain('no slow queries in mysql.slow_log');
});

test('no slow query source is an error, never ok', async () => {
  const f = await judge('mysql', { ...healthy, mysql_statements: { __error: 'no slow query source (performance_schema=OFF, slow_query_log=OFF)' } });
  expect(of(f, 'db.mysql.slow_queries.mean').map((x) => x.severity)).toEqual(['error']);
  expect(of(f, 'db.mysql.slow_queries.total').map((x) => x.severity)).toEqual(['error']);
});

test('tables: size thresholds and growth since the previous run', async () => {
  const GIB = 1024 ** 3;
  const f = await judge('mysql', { ...healthy, mysql_tables: { database: 'shop', tableCount: 2, databaseBytes: 1, tables: [tbl('events', 60 * GIB, 1e9), tbl('orders', 3e9, 1e7)] } }, {
    previous: { 'db.mysql.table_growth db1/shop.orders': previousFinding({ bytes: 2e9, rows: 8e6 }) },
  });
  expect(one(f, 'db.mysql.table_size', 'db1/shop.events')).toMatchObject({ severity: 'warning', value: 60 });
  expect(one(f, 'db.mysql.table_growth', 'db1/shop.orders')).toMatchObject({ severity: 'warning', value: 50 });
  expect(one(f, 'db.mysql.table_growth', 'db1/shop.events').message).toContain('first measurement');
});

test('connections: 85 % warns, 95 % is critical; the peak since start is reported', async () => {
  const at = (threadsConnected: number) => judge('mysql', { ...healthy, mysql_connections: { ...conns, threadsConnected } });
  expect(one(await at(85), 'db.mysql.connections')).toMatchObject({ severity: 'warning', value: 85 });
  expect(one(await at(97), 'db.mysql.connections').severity).toBe('critical');
  const ok = one(await at(10), 'db.mysql.connections');
  expect(ok.severity).toBe('ok');
  expect(ok.message).toContain('peak 20 (20.0%)');
});

describe('aborted connections', () => {
  test('first run: since the server started; over 3 % warns, over 10 % is critical', async () => {
    const first = one(await judge('mysql', { ...healthy, mysql_connections: { ...conns, connections: 1000, abortedConnects: 50 } }), 'db.mysql.aborted_connections');
    expect(first).toMatchObject({ severity: 'warning', value: 5 });
    expect(first.details).toMatchObject({ window: 'since the server started' });
    expect(one(await judge('mysql', { ...healthy, mysql_connections: { ...conns, connections: 1000, abortedConnects: 150 } }), 'db.mysql.aborted_connections').severity).toBe('critical');
  });

  test('since the previous run on the same server: only the new attempts count', async () => {
    const previous = { 'db.mysql.aborted_connections db1': previousFinding({ connections: 4000, abortedConnects: 300, uptimeSeconds: 80000 }) };
    // 1000 attempts since, 10 aborted: 1 %, although 6 % of all attempts since start failed.
    const x = one(await judge('mysql', { ...healthy, mysql_connections: { ...conns, connections: 5000, abortedConnects: 310 } }, { previous }), 'db.mysql.aborted_connections');
    expect(x).toMatchObject({ severity: 'ok', value: 1 });
    expect(x.details).toMatchObject({ window: 'since the last run', attempts: 1000, aborted: 10 });
  });

  test('after a restart (uptime went down) the window is since the restart', async () => {
    const previous = { 'db.mysql.aborted_connections db1': previousFinding({ connections: 4000, abortedConnects: 300, uptimeSeconds: 90000 }) };
    const x = one(await judge('mysql', { ...healthy, mysql_connections: { ...conns, connections: 500, abortedConnects: 100, uptimeSeconds: 600 } }, { previous }), 'db.mysql.aborted_connections');
    expect(x).toMatchObject({ severity: 'critical', value: 20 });
    expect(x.details).toMatchObject({ window: 'since the server restarted' });
  });

  test('fewer than minConnections attempts: reported, not judged', async () => {
    const x = one(await judge('mysql', { ...healthy, mysql_connections: { ...conns, connections: 20, abortedConnects: 10 } }), 'db.mysql.aborted_connections');
    expect(x.severity).toBe('ok');
    expect(x.message).toContain('not judged');
  });
});

describe('replication', () => {
  const rep = (channels: ReturnType<typeof channel>[]) => judge('mysql', { ...healthy, mysql_replication: { isReplica: channels.length > 0, channels } });
  test('not a replica is ok; lag over 60 s warns, 5 min critical; configured delay is not lag', async () => {
    expect(one(await judge('mysql', healthy), 'db.mysql.replication_lag').message).toContain('not a replica');
    expect(one(await rep([channel({ secondsBehind: 70 })]), 'db.mysql.replication_lag')).toMatchObject({ severity: 'warning', value: 70 });
    expect(one(await rep([channel({ secondsBehind: 400 })]), 'db.mysql.replication_lag').severity).toBe('critical');
    const delayed = one(await rep([channel({ secondsBehind: 3620, sqlDelay: 3600 })]), 'db.mysql.replication_lag');
    expect(delayed).toMatchObject({ severity: 'ok', value: 20 });
  });

  test('a stopped thread is critical with its error; NULL lag with running threads warns; channels are sub-targets', async () => {
    const io = one(await rep([channel({ ioRunning: 'Connecting', secondsBehind: null, lastIoError: "error connecting to master 'repl@db-primary:3306'" })]), 'db.mysql.replication_lag');
    expect(io.severity).toBe('critical');
    expect(io.message).toContain('IO thread Connecting (error connecting to master');
    const sql = one(await rep([channel({ sqlRunning: 'No', secondsBehind: null, lastSqlError: 'Duplicate entry' })]), 'db.mysql.replication_lag');
    expect(sql.message).toContain('SQL thread No (Duplicate entry)');
    expect(one(await rep([channel({ secondsBehind: null })]), 'db.mysql.replication_lag').severity).toBe('warning');
    const multi = await rep([channel({ name: 'east' }), channel({ name: 'west', secondsBehind: 100 })]);
    expect(one(multi, 'db.mysql.replication_lag', 'db1/channel:east').severity).toBe('ok');
    expect(one(multi, 'db.mysql.replication_lag', 'db1/channel:west').severity).toBe('warning');
  });
});

test('buffer pool efficiency below 90 % warns; too few requests are not judged', async () => {
  const at = (readRequests: number, diskReads: number) => judge('mysql', { ...healthy, mysql_buffer_pool: { ...healthy.mysql_buffer_pool, readRequests, diskReads } });
  expect(one(await at(100_000, 20_000), 'db.mysql.buffer_pool')).toMatchObject({ severity: 'warning', value: 80 });
  expect(one(await at(100_000, 1_000), 'db.mysql.buffer_pool')).toMatchObject({ severity: 'ok', value: 99 });
  const few = one(await at(500, 400), 'db.mysql.buffer_pool');
  expect(few.severity).toBe('ok');
  expect(few.message).toContain('too little traffic');
  const strict = one(await judge('mysql', healthy, { checks: { 'db.mysql.buffer_pool': { critical: 99.95 } } }), 'db.mysql.buffer_pool');
  expect(strict.severity).toBe('critical');
});
