import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { patrol, REPO } from '../support/cli.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startMariaDb, type MariaDbServer } from '../support/mariadb.js';
import { cliHome, findingOf, type CliHome } from '../support/db-inspection.js';
import { pendingApproval, stepOf, storedFindingId, type RemediationRun } from '../support/remediation.js';
import type { SqlSession } from '../support/local-servers.js';

// The terminate-query runbook against real database servers with real Ansible: its plan lists only
// client sessions over the threshold (never idle ones, system sessions or excluded users), and the
// change ends exactly those. End to end: a runaway query on PostgreSQL, the inspection finds the
// long transaction, `patrol remediate` shows the session in the approval, terminates it, and the
// re-check finds no long transaction. Over TCP both servers accept only a password: the runbook
// logs in with the database's credential from Patrol's store (never in argv, logs or outputs).

const PLAYBOOK = join(REPO, 'playbooks', 'remediate', 'terminate-query.yml');
// Characters that need escaping in a pgpass line and a MariaDB option file.
const PG_PASSWORD = 'pg:se\\cret #1 "x\'';
let pg: PostgresServer;
let cli: CliHome;
const sessions: SqlSession[] = [];

/** Runs the playbook; a login goes in a 0600 extra-vars file, as Patrol's ansible step passes it. */
async function playbook(vars: Record<string, unknown>, check: boolean, login?: { username?: string; password: string }) {
  const loginArgs: string[] = [];
  if (login) {
    const file = join(cli.home, 'login-vars.json');
    writeFileSync(file, JSON.stringify({ db_login: { type: 'password', ...login } }), { mode: 0o600 });
    loginArgs.push('-e', `@${file}`);
  }
  const r = await execa('ansible-playbook', ['-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=/usr/bin/python3', '-e', JSON.stringify(vars), ...loginArgs, PLAYBOOK, ...(check ? ['--check'] : [])], { reject: false, env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(cli.home, 'ansible-tmp') } });
  return { ...r, out: `${r.stdout}\n${r.stderr}` };
}

const alive = async (pid: number) => (await pg.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${pid}`))[0]!.n === '1';

beforeAll(async () => {
  // TCP logins need the password (scram-sha-256); the socket stays trust for the test's own queries.
  pg = await startPostgres({ password: PG_PASSWORD });
  await pg.query("CREATE ROLE backup LOGIN; CREATE ROLE app LOGIN; GRANT pg_read_all_stats TO app");
  cli = cliHome('patrol-remediate-query-');
}, 120_000);

afterAll(async () => {
  for (const s of sessions) await s.close();
  await pg?.stop();
  cli?.remove();
});

test('PostgreSQL: the dry run lists only client sessions over the threshold and ends nothing; the change ends them', async () => {
  const runaway = await pg.session({ user: 'app', applicationName: 'report-job' });
  const excluded = await pg.session({ user: 'backup', applicationName: 'nightly-backup' });
  const idle = await pg.session({ user: 'app', applicationName: 'idle-client' });
  sessions.push(runaway, excluded, idle);
  runaway.send('SELECT pg_sleep(600);');
  excluded.send('SELECT pg_sleep(600);');
  await delay(2500);
  const vars = { db_type: 'postgres', db_host: pg.socketDir, db_port: pg.port, db_user: 'postgres', min_seconds: 2, exclude_users: ['backup'] };
  const plan = await playbook(vars, true);
  expect(plan.exitCode).toBe(0);
  expect(plan.out).toMatch(new RegExp(`terminate ${runaway.pid} \\(app@postgres report-job, active\\) running for \\d+ s: SELECT pg_sleep\\(600\\);`));
  expect(plan.out).not.toContain(`terminate ${excluded.pid} `);
  expect(plan.out).not.toContain(`terminate ${idle.pid} `);
  expect(await alive(runaway.pid)).toBe(true);

  const applied = await playbook(vars, false);
  expect([applied.exitCode, applied.exitCode === 0 ? '' : applied.out]).toEqual([0, '']);
  expect(await alive(runaway.pid)).toBe(false);
  expect(await alive(excluded.pid)).toBe(true);
  expect(await alive(idle.pid)).toBe(true);
  // Idempotent: a second run finds nothing more to end.
  const again = await playbook(vars, false);
  expect(again.out).toContain('no session has run longer than 2 s: nothing to end');
  expect(again.out).toMatch(/changed=0/);
  // The excluded and idle sessions must not stay open into the next test's inspection.
  // (a backend sleeping in pg_sleep does not notice its client left, so end it on the server)
  await pg.query(`SELECT pg_terminate_backend(${excluded.pid})`);
  await excluded.close();
  await idle.close();
}, 120_000);

test('PostgreSQL over TCP accepts only the password: without a login the runbook fails, with the credential it ends the session', async () => {
  const runaway = await pg.session({ user: 'app', applicationName: 'tcp-job' });
  sessions.push(runaway);
  runaway.send('SELECT pg_sleep(600);');
  await delay(2500);
  const vars = { db_type: 'postgres', db_host: '127.0.0.1', db_port: pg.port, db_user: 'nobody', min_seconds: 2 };
  const refused = await playbook(vars, true);
  expect(refused.exitCode).not.toBe(0);
  expect(refused.out).toMatch(/no password supplied|password authentication failed/);

  // The credential's username wins over db_user (as in the inspection).
  const applied = await playbook(vars, false, { username: 'postgres', password: PG_PASSWORD });
  expect([applied.exitCode, applied.exitCode === 0 ? '' : applied.out]).toEqual([0, '']);
  expect(applied.out).toMatch(new RegExp(`terminate ${runaway.pid} \\(app@postgres tcp-job, active\\)`));
  expect(applied.out).not.toContain(PG_PASSWORD);
  expect(await alive(runaway.pid)).toBe(false);
  await runaway.close();
}, 120_000);

test('a runaway query on PostgreSQL: the inspection finds it, the runbook terminates it after approval, the re-check passes', async () => {
  const config = cli.writeConfig('pg-remediation', {
    checks: { 'db.postgres.long_transactions': { warning: 2, critical: 3600 } },
    databases: [{ name: 'orders-pg', type: 'postgres', host: '127.0.0.1', port: pg.port, credential: 'orders-pg-ops' }],
  });
  await cli.addCredential('orders-pg-ops', 'password', { username: 'postgres', password: PG_PASSWORD });
  const runaway = await pg.session({ user: 'app', applicationName: 'report-job' });
  sessions.push(runaway);
  runaway.send("BEGIN; SELECT count(*) FROM generate_series(1, 10) g, pg_sleep(600) s WHERE g > 0;");
  await delay(3000);
  const inspected = await cli.inspect(config);
  const finding = findingOf(inspected, 'db.postgres.long_transactions', 'orders-pg');
  expect(finding.severity).toBe('warning');
  expect(finding.message).toContain(`pid ${runaway.pid}`);
  const findingId = await storedFindingId(cli.home, 'db.postgres.long_transactions', 'orders-pg');

  const run = patrol(['remediate', findingId, '--json'], { home: cli.home, timeoutMs: 300_000 });
  const approval = await pendingApproval(cli.home, run);
  expect(approval.message).toContain('End runaway sessions on orders-pg');
  expect(approval.plan).toContain(`terminate ${runaway.pid} (app@postgres report-job, active)`);
  expect(await alive(runaway.pid)).toBe(true);

  const ok = await patrol(['approvals', 'approve', approval.id, '-m', 'runaway report, kill it'], { home: cli.home, env: { USER: 'carol' } });
  expect(ok.exitCode).toBe(0);
  const res = await run;
  const out = JSON.parse(String(res.stdout)) as RemediationRun;
  expect([out.status, out.reason]).toEqual(['succeeded', null]);
  expect(stepOf(out, 'apply').status).toBe('succeeded');
  expect(stepOf(out, 'recheck').outputs).toMatchObject({ resolved: true, severity: 'ok' });
  expect(await alive(runaway.pid)).toBe(false);
  // The password from the store reached psql only through private files: not in any log, output or
  // file under the home (the store keeps it encrypted; the attempt's login files are gone).
  expect(String(res.stdout) + String(res.stderr)).not.toContain(PG_PASSWORD);
  expect(cli.filesContaining(PG_PASSWORD)).toEqual([]);
}, 300_000);

describe('MariaDB', () => {
  let maria: MariaDbServer;
  beforeAll(async () => {
    maria = await startMariaDb();
  }, 120_000);
  afterAll(async () => {
    await maria?.stop();
  });

  test('KILL QUERY stops the long query of a client and leaves its connection and short queries alone', async () => {
    const long = await maria.session();
    sessions.push(long);
    long.send('SELECT SLEEP(600);');
    await delay(2500);
    const vars = { db_type: 'mysql', db_host: maria.socket, db_user: 'root', min_seconds: 2 };
    const plan = await playbook(vars, true);
    expect(plan.exitCode).toBe(0);
    expect(plan.out).toMatch(new RegExp(`KILL QUERY ${long.id} \\(root@ , [^)]*\\) running for \\d+ s: SELECT SLEEP\\(600\\)`));
    const applied = await playbook(vars, false);
    expect([applied.exitCode, applied.exitCode === 0 ? '' : applied.out]).toEqual([0, '']);
    // The query was stopped (SLEEP returns 1 when interrupted); the connection still answers.
    expect(await long.run('SELECT 42 AS answer;')).toContain('42');
    const again = await playbook(vars, false);
    expect(again.out).toContain('nothing to end');
  }, 120_000);

  test('a password-only login over TCP: the credential logs in through a private option file', async () => {
    const password = 'my:se\\cret #2 "y\'';
    await maria.query(`CREATE USER 'ops'@'127.0.0.1' IDENTIFIED BY '${password.replace(/\\/g, '\\\\').replace(/'/g, "''")}'; GRANT ALL PRIVILEGES ON *.* TO 'ops'@'127.0.0.1'`);
    const long = await maria.session();
    sessions.push(long);
    long.send('SELECT SLEEP(600);');
    await delay(2500);
    const vars = { db_type: 'mysql', db_host: '127.0.0.1', db_port: maria.port, db_user: 'ops', min_seconds: 2 };
    const refused = await playbook(vars, true);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.out).toMatch(/Access denied for user 'ops'@/);
    const applied = await playbook(vars, false, { username: 'ops', password });
    expect([applied.exitCode, applied.exitCode === 0 ? '' : applied.out]).toEqual([0, '']);
    expect(applied.out).toContain(`KILL QUERY ${long.id} `);
    expect(applied.out).not.toContain(password);
    expect(await long.run('SELECT 42 AS answer;')).toContain('42');
  }, 120_000);
});
