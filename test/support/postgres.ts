import { appendFileSync, chownSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cleanupStaleServers, freePort, killQuietly, lineSession, onProcessExit, parseCsv, rowsWithHeader, serverDir, spawnClient, tailFile, waitForExit, writeOwner, type SqlSession } from './local-servers.js';

/**
 * Real PostgreSQL servers for tests: one private cluster per call (its own port, data directory
 * and socket directory under /tmp), built for speed (initdb --no-sync, fsync=off), stopped and
 * removed by stop() and when the test process exits. Needs the Debian server package
 * (apt-get install -y postgresql-15); runs the server as the `postgres` user when the tests run
 * as root.
 */

export interface PostgresOptions {
  /** postgresql.conf settings, over the test defaults (fsync off, pg_stat_statements preloaded, max_connections 50). */
  settings?: Record<string, string | number | boolean>;
  /**
   * Password of the superuser for TCP logins. With it, TCP logins need scram-sha-256 (the socket
   * stays trust, for the test's own queries); without it, TCP is trust too.
   */
  password?: string;
  /** Extensions created in `postgres` and `template1` (new databases get them). @defaultValue ["pg_stat_statements"] */
  extensions?: string[];
  /** Start as a streaming standby of this server (pg_basebackup -R); settings and roles come from it. */
  replicaOf?: PostgresServer;
  /** Major version to use when several are installed. @defaultValue the newest installed */
  version?: number;
  /**
   * Extra pg_hba.conf lines (e.g. "host all all 10.1.2.0/24 scram-sha-256"), after the defaults;
   * listen on more addresses with settings.listen_addresses.
   */
  hba?: string[];
}

export interface PostgresServer {
  /** postgresql://postgres[:password]@127.0.0.1:PORT/postgres */
  url: string;
  host: string;
  port: number;
  /** The cluster's data directory. */
  dataDir: string;
  /** Directory of the Unix socket (trust auth for the superuser). */
  socketDir: string;
  /** Private directory holding dataDir, the socket and postgres.log; removed by stop(). */
  dir: string;
  superuser: string;
  password: string | undefined;
  /** server_version_num, e.g. 150018. */
  versionNum: number;
  /** The server binaries' directory (pg_ctl, pg_basebackup, psql). */
  binDir: string;
  /** URL of another database (and optionally user/password) on this server. */
  urlFor(database: string, user?: string, password?: string): string;
  /** Runs SQL as the superuser over the socket; returns the rows of the last statement (values as text, NULL as null). */
  query(sql: string, opts?: { database?: string; timeoutMs?: number }): Promise<Record<string, string | null>[]>;
  /** CREATE DATABASE name. */
  createDatabase(name: string): Promise<void>;
  /** A long-lived psql session (for open transactions, held locks, many connections). */
  session(opts?: { database?: string; user?: string; applicationName?: string }): Promise<SqlSession & { pid: number }>;
  /** Stops the server (fast shutdown) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';
const INSTALL = 'apt-get install -y postgresql-15 (server, pg_stat_statements) and postgresql-client-15 (psql)';

function findBinDir(version?: number): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => /^\d+$/.test(v)).map(Number).sort((a, b) => b - a) : [];
  const v = version ?? versions.find((x) => existsSync(join(PG_ROOT, String(x), 'bin', 'initdb')));
  const bin = join(PG_ROOT, String(v), 'bin');
  if (v === undefined || !existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'pg_ctl'))) {
    throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) not found in ${version ? bin : `${PG_ROOT}/*/bin`}: ${INSTALL}`);
  }
  if (!existsSync(join(bin, 'psql'))) throw new Error(`psql not found in ${bin}: ${INSTALL}`);
  return bin;
}

const isRoot = () => process.getuid?.() === 0;
/** initdb and postgres refuse to run as root: run them as the postgres user. */
const asPostgres = (argv: string[]) => (isRoot() ? ['runuser', '-u', 'postgres', '--', ...argv] : argv);

function postgresIds(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error(`there is no "postgres" user to run the server as: ${INSTALL}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function confValue(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number') return String(v);
  return `'${v.replace(/'/g, "''")}'`;
}

// Output kept verbatim: psql --csv ends a single-column NULL row with an empty line.
const exec = (argv: string[], timeoutMs: number, input?: string) => execa(argv[0]!, argv.slice(1), { reject: false, timeout: timeoutMs, stripFinalNewline: false, ...(input !== undefined ? { input } : {}) });

async function run(argv: string[], what: string, opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await exec(argv, opts.timeoutMs ?? 120_000, opts.input);
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode ?? r.signal}): ${String(r.stderr).trim() || String(r.stdout).trim()}`);
  return String(r.stdout);
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  const binDir = opts.replicaOf?.binDir ?? findBinDir(opts.version);
  const ids = postgresIds();
  const dir = serverDir('pg');
  const dataDir = join(dir, 'data');
  const socketDir = dir;
  const logFile = join(dir, 'postgres.log');
  let serverPid: number | undefined;
  const unregister = onProcessExit(() => {
    // Immediate shutdown: the postmaster kills its children; then the files go.
    killQuietly(serverPid, 'SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    if (ids) chownSync(dir, ids.uid, ids.gid);
    if (opts.replicaOf) {
      const p = opts.replicaOf;
      await run(asPostgres([join(binDir, 'pg_basebackup'), '-D', dataDir, '-h', p.socketDir, '-p', String(p.port), '-U', p.superuser, '-X', 'stream', '-R', '--no-sync', '-c', 'fast']), 'pg_basebackup');
    } else {
      await run(asPostgres([join(binDir, 'initdb'), '-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']), 'initdb');
      const settings: Record<string, string | number | boolean> = {
        listen_addresses: '127.0.0.1',
        shared_preload_libraries: 'pg_stat_statements',
        fsync: false,
        synchronous_commit: false,
        full_page_writes: false,
        max_connections: 50,
        shared_buffers: '32MB',
        max_wal_senders: 5,
        log_min_messages: 'warning',
        log_line_prefix: '%m [%p] %d ',
        ...opts.settings,
      };
      appendFileSync(join(dataDir, 'postgresql.conf'), `\n# patrol test settings\n${Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}`).join('\n')}\n`);
      const tcp = opts.password ? 'scram-sha-256' : 'trust';
      writeFileSync(join(dataDir, 'pg_hba.conf'), ['local all all trust', 'local replication all trust', `host all all 127.0.0.1/32 ${tcp}`, `host replication all 127.0.0.1/32 ${tcp}`, ...(opts.hba ?? []), ''].join('\n'));
    }
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      // Appended last: these win over what a base backup copied from the primary.
      appendFileSync(join(dataDir, 'postgresql.conf'), `\nport = ${port}\nunix_socket_directories = ${confValue(socketDir)}\n`);
      const r = await exec(asPostgres([join(binDir, 'pg_ctl'), '-D', dataDir, '-l', logFile, '-w', '-t', '120', 'start']), 150_000);
      if (r.exitCode === 0) break;
      const log = tailFile(logFile);
      if (attempt < 3 && /could not bind|address already in use/i.test(log)) continue;
      throw new Error(`PostgreSQL did not start (pg_ctl exit ${r.exitCode}): ${String(r.stderr).trim()}\n${log}`);
    }
    serverPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    writeOwner(dir, { serverPid });
    const psql = join(binDir, 'psql');
    const query: PostgresServer['query'] = async (sql, q = {}) => {
      const out = await run([psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--csv', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', q.database ?? 'postgres', '-c', sql], `psql -c ${JSON.stringify(sql.slice(0, 200))}`, { timeoutMs: q.timeoutMs ?? 120_000 });
      return rowsWithHeader(parseCsv(out));
    };
    if (!opts.replicaOf) {
      for (const ext of opts.extensions ?? ['pg_stat_statements']) {
        for (const db of ['template1', 'postgres']) await query(`CREATE EXTENSION IF NOT EXISTS "${ext}"`, { database: db });
      }
      if (opts.password) await query(`ALTER ROLE postgres PASSWORD '${opts.password.replace(/'/g, "''")}'`);
    }
    const versionNum = Number((await query('SHOW server_version_num'))[0]!.server_version_num);
    const password = opts.password ?? opts.replicaOf?.password;
    const enc = encodeURIComponent;
    const urlFor = (database: string, user = 'postgres', pw: string | undefined = user === 'postgres' ? password : undefined) => `postgresql://${enc(user)}${pw ? `:${enc(pw)}` : ''}@127.0.0.1:${port}/${enc(database)}`;
    let stopped = false;
    return {
      url: urlFor('postgres'),
      host: '127.0.0.1',
      port,
      dataDir,
      socketDir,
      dir,
      superuser: 'postgres',
      password,
      versionNum,
      binDir,
      urlFor,
      query,
      async createDatabase(name) {
        await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      },
      async session(s = {}) {
        const child = spawnClient([psql, '-X', '-q', '-A', '-t', '-h', socketDir, '-p', String(port), '-U', s.user ?? 'postgres', '-d', s.database ?? 'postgres'], { PGAPPNAME: s.applicationName ?? 'patrol-test-session' });
        const session = lineSession(child, (token) => `\\echo ${token}`);
        const [pid] = await session.run('SELECT pg_backend_pid();');
        return Object.assign(session, { pid: Number(pid) });
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        // Fast shutdown (what pg_ctl -m fast sends), polled more often than pg_ctl does.
        killQuietly(serverPid, 'SIGINT');
        if (serverPid && !(await waitForExit(serverPid, 20_000))) killQuietly(serverPid, 'SIGQUIT');
        unregister();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killQuietly(serverPid, 'SIGQUIT');
    unregister();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Removes clusters left behind by test processes that died without cleaning up. */
export function cleanupStalePostgres(): string[] {
  return cleanupStaleServers('pg');
}
