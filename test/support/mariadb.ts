import { spawn } from 'node:child_process';
import { accessSync, chownSync, constants, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { execa } from 'execa';
import { cleanupStaleServers, freePort, killQuietly, lineSession, onProcessExit, serverDir, spawnClient, tailFile, waitForExit, waitUntil, writeOwner, type SqlSession } from './local-servers.js';

/**
 * Real MariaDB (or MySQL-compatible mariadbd) servers for tests: one private server per call (own
 * port, data directory and socket under /tmp), fast settings (no doublewrite, lazy log flush),
 * the slow query log to the mysql.slow_log TABLE (long_query_time 0.1 s) and a binary log (so
 * any server can be a replication source). Stopped and removed by stop() and when the test
 * process exits. Needs apt-get install -y mariadb-server (mariadbd, mariadb-install-db, mariadb).
 */

export interface MariaDbOptions {
  /** [mariadbd] settings over the test defaults (e.g. { performance_schema: 'ON', max_connections: 20 }). */
  settings?: Record<string, string | number | boolean>;
  /** Start as a replica of this server (GTID replication from the start of its binary log; its users and data replicate). */
  replicaOf?: MariaDbServer;
}

export interface MariaDbServer {
  host: string;
  port: number;
  /** Unix socket: root logs in over it without a password (query(), session()). */
  socket: string;
  /** Private directory with the data directory, my.cnf and error.log; removed by stop(). */
  dir: string;
  dataDir: string;
  /** An administrative user for TCP logins from 127.0.0.1 (ALL PRIVILEGES). */
  user: string;
  password: string;
  /** mysql://USER:PASSWORD@127.0.0.1:PORT/ */
  url: string;
  serverId: number;
  /** Runs SQL as root over the socket; returns the rows of the last result set (NULL as null). */
  query(sql: string, opts?: { database?: string; timeoutMs?: number }): Promise<Record<string, string | null>[]>;
  /** A long-lived client session as root (open transactions, locks, held connections). */
  session(opts?: { database?: string; user?: string; password?: string; tcp?: boolean }): Promise<SqlSession & { id: number }>;
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const INSTALL = 'apt-get install -y mariadb-server mariadb-client';
const SBIN = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

function tool(name: string): string {
  for (const d of SBIN) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // Next directory.
    }
  }
  throw new Error(`${name} not found (looked in ${SBIN.join(', ')}): ${INSTALL}`);
}

function mysqlIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mysql:'));
  if (!line) throw new Error(`there is no "mysql" user to run mariadbd as: ${INSTALL}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function cnfValue(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'ON' : 'OFF';
  return String(v);
}

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Result sets of `mariadb --xml`; values unescaped, xsi:nil fields as null. */
export function parseMariaDbXml(xml: string): Record<string, string | null>[][] {
  const sets: Record<string, string | null>[][] = [];
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
  for (const set of xml.matchAll(/<resultset[^>]*>([\s\S]*?)<\/resultset>|<resultset[^>]*\/>/g)) {
    const rows: Record<string, string | null>[] = [];
    for (const row of (set[1] ?? '').matchAll(/<row>([\s\S]*?)<\/row>/g)) {
      const r: Record<string, string | null> = {};
      for (const f of row[1]!.matchAll(/<field name="([^"]*)"(?: xsi:nil="true" \/>|\s*\/>|>([\s\S]*?)<\/field>)/g)) {
        r[unescape(f[1]!)] = f[0].includes('xsi:nil') ? null : unescape(f[2] ?? '');
      }
      rows.push(r);
    }
    sets.push(rows);
  }
  return sets;
}

export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  const t = { mariadbd: tool('mariadbd'), installDb: tool('mariadb-install-db'), client: tool('mariadb') };
  const ids = mysqlIds();
  const dir = serverDir('mariadb');
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const cnf = join(dir, 'my.cnf');
  const errorLog = join(dir, 'error.log');
  let serverPid: number | undefined;
  const unregister = onProcessExit(() => {
    killQuietly(serverPid);
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    if (ids) chownSync(dir, ids.uid, ids.gid);
    const inst = await execa(t.installDb, [`--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...(ids ? ['--user=mysql'] : [])], { reject: false, timeout: 180_000 });
    if (inst.exitCode !== 0) throw new Error(`mariadb-install-db failed (exit ${inst.exitCode}): ${String(inst.stderr).trim() || String(inst.stdout).trim()}`);
    const serverId = randomInt(2, 2 ** 31);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings: Record<string, string | number | boolean> = {
        datadir: dataDir,
        socket,
        port,
        'bind-address': '127.0.0.1',
        'pid-file': join(dir, 'mysqld.pid'),
        'log-error': errorLog,
        'skip-name-resolve': true,
        ...(ids ? { user: 'mysql' } : {}),
        'server-id': serverId,
        'log-bin': join(dir, 'binlog'),
        binlog_format: 'ROW',
        innodb_buffer_pool_size: '16M',
        innodb_log_file_size: '8M',
        innodb_flush_log_at_trx_commit: 0,
        innodb_doublewrite: 0,
        sync_binlog: 0,
        performance_schema: 'OFF',
        slow_query_log: 1,
        long_query_time: 0.1,
        log_output: 'TABLE',
        max_connections: 100,
        ...opts.settings,
      };
      writeFileSync(cnf, `[mariadbd]\n${Object.entries(settings).map(([k, v]) => (v === true && k.startsWith('skip') ? k : `${k}=${cnfValue(v)}`)).join('\n')}\n`);
      const child = spawn(t.mariadbd, [`--defaults-file=${cnf}`], { detached: true, stdio: 'ignore' });
      child.unref();
      serverPid = child.pid;
      writeOwner(dir, serverPid ? { serverPid } : {});
      let exited = false;
      child.once('exit', () => (exited = true));
      const ready = async () => (await execa(t.client, ['--socket', socket, '-uroot', '-e', 'SELECT 1'], { reject: false, timeout: 5000 })).exitCode === 0;
      try {
        await waitUntil('mariadbd to accept connections', async () => exited || (await ready()), { timeoutMs: 120_000, intervalMs: 50, log: () => tailFile(errorLog) });
      } catch (err) {
        killQuietly(serverPid);
        throw err;
      }
      if (!exited) break;
      const log = tailFile(errorLog);
      if (attempt < 3 && /Address already in use|Bind on TCP\/IP port/i.test(log)) continue;
      throw new Error(`mariadbd exited during startup:\n${log}`);
    }
    const query: MariaDbServer['query'] = async (sql, q = {}) => {
      const r = await execa(t.client, ['--socket', socket, '-uroot', '--xml', ...(q.database ? ['-D', q.database] : []), '-e', sql], { reject: false, timeout: q.timeoutMs ?? 120_000 });
      if (r.exitCode !== 0) throw new Error(`mariadb -e ${JSON.stringify(sql.slice(0, 200))} failed: ${String(r.stderr).trim()}`);
      const sets = parseMariaDbXml(String(r.stdout));
      return sets[sets.length - 1] ?? [];
    };
    const user = 'patrol_test';
    const password = opts.replicaOf?.password ?? randomBytes(9).toString('base64url');
    if (opts.replicaOf) {
      const p = opts.replicaOf;
      const replPassword = randomBytes(9).toString('base64url');
      await p.query(`CREATE USER IF NOT EXISTS 'patrol_repl'@'127.0.0.1' IDENTIFIED BY ${sqlString(replPassword)}; ALTER USER 'patrol_repl'@'127.0.0.1' IDENTIFIED BY ${sqlString(replPassword)}; GRANT REPLICATION SLAVE ON *.* TO 'patrol_repl'@'127.0.0.1'`);
      await query(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${p.port}, MASTER_USER='patrol_repl', MASTER_PASSWORD=${sqlString(replPassword)}, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE`);
      await waitUntil('the replica to connect to its source', async () => {
        const st = (await query('SHOW SLAVE STATUS'))[0];
        return st?.Slave_IO_Running === 'Yes' && st.Slave_SQL_Running === 'Yes';
      }, { timeoutMs: 30_000, log: () => tailFile(errorLog) });
      // The admin user is created on the source; wait until it arrived here too.
      await waitUntil('the admin user to replicate', async () => (await query(`SELECT COUNT(*) AS n FROM mysql.user WHERE user = '${user}'`))[0]?.n === '1', { timeoutMs: 30_000 });
    } else {
      await query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY ${sqlString(password)}; GRANT ALL PRIVILEGES ON *.* TO '${user}'@'127.0.0.1' WITH GRANT OPTION`);
    }
    let stopped = false;
    return {
      host: '127.0.0.1',
      port,
      socket,
      dir,
      dataDir,
      user,
      password,
      url: `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`,
      serverId,
      query,
      async session(s = {}) {
        const conn = s.tcp || s.user ? ['-h', '127.0.0.1', '-P', String(port), '--protocol=TCP', '-u', s.user ?? user] : ['--socket', socket, '-uroot'];
        const child = spawnClient([t.client, ...conn, '--batch', '--skip-column-names', '--unbuffered', '--force', ...(s.database ? ['-D', s.database] : [])], s.tcp || s.user ? { MYSQL_PWD: s.password ?? password } : undefined);
        const session = lineSession(child, (token) => `SELECT '${token}';`);
        const [id] = await session.run('SELECT CONNECTION_ID();');
        return Object.assign(session, { id: Number(id) });
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        killQuietly(serverPid, 'SIGTERM');
        if (serverPid && !(await waitForExit(serverPid, 30_000))) killQuietly(serverPid);
        unregister();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killQuietly(serverPid);
    unregister();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Removes servers left behind by test processes that died without cleaning up. */
export function cleanupStaleMariaDb(): string[] {
  return cleanupStaleServers('mariadb');
}
