import { execa } from 'execa';
import { startMariaDb, type MariaDbServer } from '../support/mariadb.js';
import { cliHome, findingOf, findingsOf, type CliHome, type InspectionResult } from '../support/db-inspection.js';
import { waitUntil, type SqlSession } from '../support/local-servers.js';
import { callModuleAsync } from '../support/python-modules.js';

/**
 * MySQL/MariaDB inspection end to end: a real MariaDB primary (performance_schema on, slow log to
 * the mysql.slow_log table) and a GTID replica, inspected through the real `patrol inspect db` CLI
 * as a monitoring user whose password is in Patrol's credential store. Run 1 is a quiet baseline;
 * then slow queries, a growing table, many connections, failed logins and a replica blocked by a
 * global read lock; run 2 sees them; run 3 after cleanup sees them resolved and a stopped SQL
 * thread.
 */

const MONITOR_PW = 'My-mon1tor-pw-84d1';
let primary: MariaDbServer;
let replica: MariaDbServer;
let cli: CliHome;
let config: string;
const sessions: SqlSession[] = [];
let run1: InspectionResult;
let run2: InspectionResult;
let run3: InspectionResult;

/** Connection attempts as the monitoring user: successful, or with a wrong password (aborted). */
async function logins(n: number, password: string): Promise<void> {
  for (let i = 0; i < n; i++) await execa('mariadb', ['-h', '127.0.0.1', '-P', String(primary.port), '--protocol=TCP', '-u', 'patrol', '-e', 'SELECT 1'], { env: { MYSQL_PWD: password }, reject: false });
}

beforeAll(async () => {
  primary = await startMariaDb({ settings: { performance_schema: 'ON', max_connections: 20 } });
  replica = await startMariaDb({ replicaOf: primary });
  await primary.query(
    [
      `CREATE USER 'patrol'@'127.0.0.1' IDENTIFIED BY '${MONITOR_PW}'`,
      "GRANT PROCESS, SELECT, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'patrol'@'127.0.0.1'",
      'CREATE DATABASE shop',
      'USE shop',
      'CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100))',
      "INSERT INTO customers SELECT seq, CONCAT('customer ', seq) FROM seq_1_to_200",
      'CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer INT, note VARCHAR(64), KEY (customer))',
      'INSERT INTO orders (customer, note) SELECT seq % 200 + 1, MD5(seq) FROM seq_1_to_1000',
      'ANALYZE TABLE customers, orders',
    ].join('; '),
  );
  await waitUntil('the replica to copy shop.orders', async () => (await replica.query("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE table_schema = 'shop' AND table_name = 'orders'"))[0]!.n === '1');

  cli = cliHome();
  await cli.addCredential('my-monitor', 'password', { username: 'patrol', password: MONITOR_PW });
  await cli.addCredential('my-wrong', 'password', { username: 'patrol', password: 'wrong-password-x' });
  const db = (name: string, extra: Record<string, unknown>) => ({ name, type: 'mysql', host: '127.0.0.1', port: primary.port, database: 'shop', credential: 'my-monitor', ...extra });
  config = cli.writeConfig('mysql-inspection', {
    collection: { forks: 1 },
    databases: [
      db('shop-my', {}),
      db('shop-slowlog', { slowQueries: { source: 'slow_log', window: '1h' } }),
      db('replica-my', { port: replica.port }),
      db('replica-digests', { port: replica.port, slowQueries: { source: 'performance_schema' } }),
      db('down-my', { port: 1 }),
      // On the replica: its failed login would count as an aborted connection on the primary.
      db('badauth-my', { port: replica.port, credential: 'my-wrong' }),
    ],
    checks: {
      'db.mysql.slow_queries.total': { warning: 2000 },
      'db.mysql.table_size': { warning: 0.002 },
      'db.mysql.table_growth': { minSize: '1MiB' },
      'db.mysql.aborted_connections': { minConnections: 10 },
    },
    overrides: [
      { match: { hosts: ['replica-my'] }, checks: { 'db.mysql.replication_lag': { warning: 2 } } },
      { match: { hosts: ['shop-slowlog'] }, checks: { 'db.mysql.buffer_pool': { warning: 99.999 } } },
    ],
  });

  // Enough connection attempts (minConnections 10) for the aborted ratio to be judged.
  await logins(12, MONITOR_PW);
  run1 = await cli.inspect(config);

  // --- Problems.
  await primary.query('SELECT SLEEP(1.1)', { database: 'shop' });
  await primary.query('SELECT SLEEP(1.1)', { database: 'shop' });
  await primary.query('INSERT INTO orders (customer, note) SELECT seq % 200 + 1, MD5(seq) FROM seq_1_to_50000; ANALYZE TABLE orders', { database: 'shop' });
  // Failed logins: 12 attempts with a wrong password.
  await logins(12, 'bad-password');
  // 17 client sessions of max_connections 20 (plus the replica's binlog dump thread).
  for (let i = 0; i < 17; i++) sessions.push(await primary.session({ tcp: true, database: 'shop' }));
  // Replica lag: a global read lock on the replica stops its SQL thread from applying new writes.
  const lock = await replica.session();
  sessions.push(lock);
  await lock.run('FLUSH TABLES WITH READ LOCK;');
  await primary.query("INSERT INTO customers VALUES (1000, 'late')", { database: 'shop' });
  await waitUntil('replica lag', async () => Number((await replica.query('SHOW SLAVE STATUS'))[0]!.Seconds_Behind_Master ?? 0) >= 3, { timeoutMs: 20_000 });

  run2 = await cli.inspect(config);

  // --- Cleanup; then break replication: the SQL thread stops.
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await waitUntil('the replica to catch up', async () => (await replica.query("SELECT COUNT(*) AS n FROM shop.customers WHERE id = 1000"))[0]!.n === '1');
  await replica.query('STOP SLAVE SQL_THREAD');
  await logins(12, MONITOR_PW);
  run3 = await cli.inspect(config);
}, 480_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await replica?.stop();
  await primary?.stop();
  cli?.remove();
});

const sleepQuery = (r: InspectionResult, check: string, target: string) => findingsOf(r, check, `${target}/query:`).find((f) => /sleep/i.test(String(f.details?.query)));

test('run 1 (baseline): the healthy primary and replica report ok', () => {
  const notOk = run1.findings.filter((f) => ['shop-my', 'shop-slowlog', 'replica-my'].includes(f.host ?? '') && f.severity !== 'ok');
  expect(notOk.map((f) => `${f.check} ${f.target}: ${f.message}`)).toEqual([]);
  expect(findingOf(run1, 'db.mysql.replication_lag', 'shop-my').message).toContain('not a replica');
  expect(findingOf(run1, 'db.mysql.replication_lag', 'replica-my')).toMatchObject({ severity: 'ok', value: 0 });
  expect(findingOf(run1, 'db.mysql.aborted_connections', 'shop-my')).toMatchObject({ severity: 'ok', value: 0 });
  expect(findingOf(run1, 'db.mysql.buffer_pool', 'shop-my').severity).toBe('ok');
  expect(findingOf(run2, 'db.mysql.buffer_pool', 'shop-my').value as number).toBeGreaterThan(90);
});

test('slow queries from performance_schema digests and from the slow log table, over the mean and total thresholds', () => {
  expect(sleepQuery(run1, 'db.mysql.slow_queries.mean', 'shop-my')).toBeUndefined();
  const digest = sleepQuery(run2, 'db.mysql.slow_queries.mean', 'shop-my')!;
  expect(digest).toMatchObject({ severity: 'warning', unit: 'ms' });
  expect(digest.target).toMatch(/^shop-my\/query:[0-9a-f]{32}$/);
  expect(digest.details).toMatchObject({ calls: 2, source: 'performance_schema', schema: 'shop' });
  expect(digest.value as number).toBeGreaterThanOrEqual(1100);
  const slowlog = sleepQuery(run2, 'db.mysql.slow_queries.mean', 'shop-slowlog')!;
  expect(slowlog).toMatchObject({ severity: 'warning' });
  expect(slowlog.target).toMatch(/^shop-slowlog\/query:[0-9a-f]{16}$/);
  expect(slowlog.details).toMatchObject({ calls: 2, source: 'slow_log', fingerprint: 'select sleep(?)', query: 'SELECT SLEEP(1.1)' });
  expect(slowlog.evidence?.raw).toContain('SELECT SLEEP(1.1)');
  for (const t of ['shop-my', 'shop-slowlog']) expect(sleepQuery(run2, 'db.mysql.slow_queries.total', t)!.severity).toBe('warning');
  // The digest's other statements stay ok.
  expect(findingsOf(run2, 'db.mysql.slow_queries.mean', 'shop-my/query:').filter((f) => f.target !== digest.target).every((f) => f.severity === 'ok')).toBe(true);
  // The same statement keeps its target across runs (stable id).
  expect(sleepQuery(run3, 'db.mysql.slow_queries.mean', 'shop-my')!.target).toBe(digest.target);
});

test('largest tables from information_schema with rows and data length; growth since the last run', () => {
  const size = findingOf(run2, 'db.mysql.table_size', 'shop-my/shop.orders');
  expect(size.severity).toBe('warning');
  expect(size.details!.rows as number).toBeGreaterThan(40_000);
  expect(size.details!.dataBytes as number).toBeGreaterThan(2 * 1024 ** 2);
  expect(findingOf(run2, 'db.mysql.table_size', 'shop-my/shop.customers').severity).toBe('ok');
  const growth = findingOf(run2, 'db.mysql.table_growth', 'shop-my/shop.orders');
  expect(growth.severity).toBe('critical');
  expect(growth.value as number).toBeGreaterThan(100);
  expect(growth.details).toMatchObject({ previousRun: run1.run });
  expect(findingOf(run1, 'db.mysql.table_growth', 'shop-my/shop.orders').message).toContain('first measurement');
  expect(findingOf(run2, 'db.mysql.table_growth', 'shop-my/shop.customers')).toMatchObject({ severity: 'ok', value: 0 });
});

test('connections used vs max (85 %) and aborted connection attempts (3 %) fire, then resolve', () => {
  const conn = findingOf(run2, 'db.mysql.connections', 'shop-my');
  expect(conn.severity).toBe('warning');
  expect(conn.value as number).toBeGreaterThanOrEqual(85);
  const aborted = findingOf(run2, 'db.mysql.aborted_connections', 'shop-my');
  expect(aborted.severity).toBe('critical');
  expect(aborted.details).toMatchObject({ window: 'since the last run' });
  expect(aborted.details!.aborted as number).toBeGreaterThanOrEqual(12);
  expect(findingOf(run3, 'db.mysql.connections', 'shop-my').severity).toBe('ok');
  // No failed logins since run 2 (run 3's window), though the totals since start are unchanged.
  expect(findingOf(run3, 'db.mysql.aborted_connections', 'shop-my')).toMatchObject({ severity: 'ok', value: 0 });
});

test('replication: a blocked replica lags, a stopped SQL thread is critical, a primary is "not a replica"', () => {
  const lag = findingOf(run2, 'db.mysql.replication_lag', 'replica-my');
  expect(lag.severity).toBe('warning');
  expect(lag.value as number).toBeGreaterThanOrEqual(3);
  const stopped = findingOf(run3, 'db.mysql.replication_lag', 'replica-my');
  expect(stopped.severity).toBe('critical');
  expect(stopped.message).toContain('SQL thread No');
  expect(findingOf(run2, 'db.mysql.replication_lag', 'shop-my').severity).toBe('ok');
});

test('buffer pool efficiency: ok at the default 90 %, fires where the threshold is raised above the real value', () => {
  const def = findingOf(run2, 'db.mysql.buffer_pool', 'shop-my');
  expect(def.severity).toBe('ok');
  const strict = findingOf(run2, 'db.mysql.buffer_pool', 'shop-slowlog');
  expect(strict.severity).toBe('warning');
  expect(strict.value).toBe(def.value);
});

test('errors, never ok: digests unavailable on a server without performance_schema, unreachable server, refused login', () => {
  const noPs = findingOf(run1, 'db.mysql.slow_queries.mean', 'replica-digests');
  expect(noPs.severity).toBe('error');
  expect(noPs.message).toContain('performance_schema');
  // The replica itself is inspected fine with the default source (its slow log table).
  expect(findingsOf(run1, 'db.mysql.slow_queries.mean', 'replica-my').every((f) => f.severity !== 'error')).toBe(true);
  for (const [host, why] of [['down-my', 'cannot connect to MySQL/MariaDB at 127.0.0.1:1'], ['badauth-my', "Access denied for user 'patrol'"]] as const) {
    const fs = run1.findings.filter((f) => f.host === host);
    expect(fs).toHaveLength(8);
    expect(fs.filter((f) => f.severity !== 'error' || !f.message.includes(why)).map((f) => f.message)).toEqual([]);
  }
});

test('the database password never appears in the CLI output or in PATROL_HOME', () => {
  for (const r of [run1, run2, run3]) expect(`${r.stdout}${r.stderr}`).not.toContain(MONITOR_PW);
  expect(cli.filesContaining(MONITOR_PW)).toEqual([]);
  console.log(`mysql inspection durations: ${[run1, run2, run3].map((r) => `${r.durationMs} ms`).join(', ')}`);
});

test('slow log fingerprints (patrol_db.fingerprint): literals, IN lists and VALUES rows fold; comments and case do not matter', async () => {
  const cases: [string, string][] = [
    ["SELECT * FROM t WHERE id = 42 AND name = 'bob'", 'select * from t where id = ? and name = ?'],
    ['select *  from t where id=7   and name="x\\"y"', 'select * from t where id=? and name=?'],
    ['SELECT a FROM t WHERE id IN (1, 2, 3) /* app: web */', 'select a from t where id in (?+)'],
    ['INSERT INTO t (a, b) VALUES (1, 0x1F), (2, 3)', 'insert into t (a, b) values (?+)'],
    ['SELECT col1, t2.x FROM t2 WHERE v > -1.5e3; -- trailing', 'select col1, t2.x from t2 where v > ?'],
  ];
  expect(await callModuleAsync('patrol_db', '[m.fingerprint(s) for s in args[0]]', [cases.map(([sql]) => sql)])).toEqual(cases.map(([, fp]) => fp));
});
