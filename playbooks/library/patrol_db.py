#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Patrol database collection module: measures, never judges (thresholds live in Patrol's catalog).
# One connection per database; each section runs under its own time limit (statement_timeout /
# max_statement_time on the server, a thread join here), so one failing query (pg_stat_statements
# not installed, a missing privilege) makes only that section an error.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: patrol_db
short_description: Collect raw PostgreSQL, MySQL/MariaDB or Redis measurements for Patrol inspections
description:
  - Connects to one database server and returns C(patrol.sections), one entry per section with
    ok, data, error, command, raw, durationMs.
  - Fails (the whole database becomes an error) only when it cannot connect or log in.
  - PostgreSQL needs python3-psycopg2 and MySQL/MariaDB python3-pymysql on the host running the
    task; Redis needs nothing beyond the Python standard library.
options:
  type:
    description: Database type.
    type: str
    required: true
    choices: [postgres, mysql, redis]
  host:
    description: Host name or address; for PostgreSQL and MySQL a path starting with / is a Unix socket (directory for PostgreSQL, socket file for MySQL).
    type: str
    required: true
  port:
    description: TCP port (default 5432, 3306, 6379).
    type: int
  database:
    description: Database to inspect (PostgreSQL default postgres; MySQL default all schemas).
    type: str
  user:
    description: Login user (default postgres / root; Redis ACL user when set).
    type: str
  password:
    description: Password (Redis AUTH token). Patrol passes it from its credential store in a 0600 extra-vars file.
    type: str
  top:
    description: How many statements / tables to return.
    type: int
    default: 10
  section_timeout:
    description: Seconds each section may take.
    type: int
    default: 20
  connect_timeout:
    description: Seconds to wait for the connection.
    type: int
    default: 10
  sections:
    description: Sections to collect (default all of the type).
    type: list
    elements: str
  params:
    description: Per-section parameters, e.g. {mysql_statements: {source: slow_log, window_seconds: 86400}}.
    type: dict
    default: {}
'''

import datetime
import decimal
import hashlib
import re
import socket
import threading
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.patrol_sections import SectionError, cap

RAW_LIMIT = 4096
QUERY_TEXT_LIMIT = 2000
MARK = '/* patrol */ '
SYSTEM_SCHEMAS = ('mysql', 'information_schema', 'performance_schema', 'sys')


class ConnectError(Exception):
    pass


def plain(v):
    """A value JSON can carry: numbers as numbers, times as ISO text, bytes as text."""
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode('utf-8', 'replace')
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def num(v, default=0):
    if v is None:
        return default
    try:
        return float(v) if isinstance(v, (float, decimal.Decimal)) or '.' in str(v) else int(v)
    except (TypeError, ValueError):
        return default


def table_text(rows, columns=None):
    """Rows as tab-separated text with a header: the raw evidence of a section."""
    if not rows:
        return '(no rows)'
    cols = columns or list(rows[0].keys())
    lines = ['\t'.join(cols)]
    for r in rows:
        lines.append('\t'.join('' if r.get(c) is None else str(r.get(c)).replace('\n', ' ')[:300] for c in cols))
    return '\n'.join(lines)


def one_line(sql):
    return re.sub(r'\s+', ' ', sql).strip()


# --------------------------------------------------------------------------- PostgreSQL

class Pg(object):
    def __init__(self, p):
        try:
            import psycopg2
            import psycopg2.extensions
        except ImportError:
            raise ConnectError('python3-psycopg2 is not installed on the host running the inspection (apt-get install -y python3-psycopg2, or pip install psycopg2-binary)')
        self.psycopg2 = psycopg2
        self.p = p
        kw = dict(host=p['host'], port=p['port'] or 5432, dbname=p['database'] or 'postgres', user=p['user'] or 'postgres',
                  connect_timeout=p['connect_timeout'], application_name='patrol-inspection')
        if p['password']:
            kw['password'] = p['password']
        try:
            self.conn = psycopg2.connect(**kw)
        except psycopg2.Error as e:
            raise ConnectError('cannot connect to PostgreSQL at %s:%s (database %s, user %s): %s' % (kw['host'], kw['port'], kw['dbname'], kw['user'], str(e).strip()))
        self.conn.autocommit = True
        self.timeout_set = None
        self.version = self.conn.server_version
        self.dsn = 'host=%s port=%s dbname=%s user=%s' % (kw['host'], kw['port'], kw['dbname'], kw['user'])

    def query(self, sql, args=None, timeout=None):
        cur = self.conn.cursor()
        try:
            if timeout and self.timeout_set != timeout:
                cur.execute(MARK + 'SET statement_timeout = %d' % (int(timeout) * 1000))
                self.timeout_set = timeout
            cur.execute(MARK + sql, args)
            if cur.description is None:
                return []
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, [plain(v) for v in row])) for row in cur.fetchall()]
        except self.psycopg2.extensions.QueryCanceledError:
            raise SectionError('the query was cancelled after %ss (statement_timeout): %s' % (timeout, one_line(sql)[:200]))
        except self.psycopg2.Error as e:
            raise SectionError('%s (query: %s)' % (str(e).strip(), one_line(sql)[:200]))
        finally:
            cur.close()

    def command(self, *sqls):
        return ' ; '.join('psql "%s" -c "%s"' % (self.dsn, one_line(s).replace('"', '\\"')) for s in sqls)


def pg_statements(db, params, timeout):
    ext = db.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'", timeout=timeout)
    dbname = db.p['database'] or 'postgres'
    if not ext:
        raise SectionError('pg_stat_statements is not installed in database "%s": add pg_stat_statements to shared_preload_libraries in postgresql.conf, '
                           'restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in that database' % dbname)
    new = db.version >= 130000
    total, mx = ('total_exec_time', 'max_exec_time') if new else ('total_time', 'max_time')
    top = int(params.get('top', 10))
    base = ('WITH s AS (SELECT p.queryid, sum(p.calls)::bigint AS calls, sum(p.%s)::float8 AS total_ms, max(p.%s)::float8 AS max_ms, '
            'sum(p.rows)::bigint AS rows, sum(p.shared_blks_hit)::bigint AS shared_blks_hit, sum(p.shared_blks_read)::bigint AS shared_blks_read, '
            'sum(p.temp_blks_written)::bigint AS temp_blks_written, left(min(p.query), %d) AS query, string_agg(DISTINCT r.rolname, \',\') AS users '
            'FROM pg_stat_statements p LEFT JOIN pg_roles r ON r.oid = p.userid '
            'WHERE p.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND p.queryid IS NOT NULL '
            "AND p.query NOT LIKE '/* patrol */%%' GROUP BY p.queryid) " % (total, mx, QUERY_TEXT_LIMIT))
    sql = (base + 'SELECT queryid::text AS queryid, calls, total_ms, total_ms / NULLIF(calls, 0) AS mean_ms, max_ms, rows, shared_blks_hit, shared_blks_read, '
           'temp_blks_written, users, query FROM s WHERE queryid IN (SELECT queryid FROM s ORDER BY total_ms DESC LIMIT %d) '
           'OR queryid IN (SELECT queryid FROM s ORDER BY total_ms / NULLIF(calls, 0) DESC NULLS LAST LIMIT %d) ORDER BY total_ms DESC' % (top, top))
    try:
        rows = db.query(sql, timeout=timeout)
    except SectionError as e:
        if 'shared_preload_libraries' in str(e):
            raise SectionError('pg_stat_statements is installed in "%s" but not loaded: add pg_stat_statements to shared_preload_libraries in postgresql.conf and restart PostgreSQL (%s)' % (dbname, e))
        raise
    totals = db.query('SELECT coalesce(sum(calls), 0)::bigint AS calls, coalesce(sum(%s), 0)::float8 AS total_ms FROM pg_stat_statements '
                      'WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())' % total, timeout=timeout)[0]
    reset = None
    if db.version >= 140000:
        reset = db.query('SELECT stats_reset FROM pg_stat_statements_info', timeout=timeout)[0]['stats_reset']
    statements = [{
        'queryid': r['queryid'], 'calls': num(r['calls']), 'totalMs': num(r['total_ms']), 'meanMs': num(r['mean_ms']), 'maxMs': num(r['max_ms']),
        'rows': num(r['rows']), 'sharedBlksHit': num(r['shared_blks_hit']), 'sharedBlksRead': num(r['shared_blks_read']),
        'tempBlksWritten': num(r['temp_blks_written']), 'users': r['users'] or '', 'query': r['query'] or '',
    } for r in rows]
    data = {'extensionVersion': ext[0]['extversion'], 'statements': statements,
            'totalCalls': num(totals['calls']), 'totalMs': num(totals['total_ms']), 'statsReset': reset}
    raw = table_text([{'queryid': s['queryid'], 'calls': s['calls'], 'total_ms': round(s['totalMs'], 1), 'mean_ms': round(s['meanMs'], 1), 'query': s['query'][:200]} for s in statements])
    return data, db.command('SELECT queryid, calls, %s, %s / calls AS mean, query FROM pg_stat_statements ORDER BY %s DESC LIMIT %d' % (total, total, total, top)), raw


def pg_tables(db, params, timeout):
    top = int(params.get('top', 10))
    rows = db.query(
        'SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.reltuples::float8 AS reltuples, s.n_live_tup, s.n_dead_tup, '
        'pg_total_relation_size(c.oid) AS total_bytes, pg_relation_size(c.oid) AS table_bytes, pg_indexes_size(c.oid) AS index_bytes, '
        'greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum, greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze '
        'FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid '
        "WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%' "
        'ORDER BY pg_total_relation_size(c.oid) DESC, n.nspname, c.relname LIMIT %d' % top, timeout=timeout)
    info = db.query("SELECT pg_database_size(current_database()) AS bytes, (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%') AS tables", timeout=timeout)[0]
    tables = []
    for r in rows:
        est = num(r['reltuples'], -1)
        # reltuples is -1 until the first VACUUM/ANALYZE (PostgreSQL 14+): fall back to the live tuple counter.
        rows_n, source = (int(est), 'reltuples') if est >= 0 else (num(r['n_live_tup']), 'n_live_tup')
        tables.append({'schema': r['schema'], 'name': r['name'], 'kind': 'materialized view' if r['kind'] == 'm' else 'table',
                       'rows': rows_n, 'rowsSource': source, 'deadRows': num(r['n_dead_tup']),
                       'totalBytes': num(r['total_bytes']), 'tableBytes': num(r['table_bytes']), 'indexBytes': num(r['index_bytes']),
                       'lastVacuum': r['last_vacuum'], 'lastAnalyze': r['last_analyze']})
    data = {'database': db.p['database'] or 'postgres', 'databaseBytes': num(info['bytes']), 'tableCount': num(info['tables']), 'tables': tables}
    raw = table_text([{'table': '%s.%s' % (t['schema'], t['name']), 'rows': t['rows'], 'total_bytes': t['totalBytes'], 'table_bytes': t['tableBytes'], 'index_bytes': t['indexBytes']} for t in tables])
    return data, db.command('SELECT relname, reltuples, pg_total_relation_size(oid) FROM pg_class WHERE relkind = \'r\' ORDER BY 3 DESC LIMIT %d' % top), raw


def pg_connections(db, params, timeout):
    # Patrol's own connections (this one, and other databases of the same server inspected in parallel) are not the application's.
    mine = "backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name IS DISTINCT FROM 'patrol-inspection'"
    s = db.query("SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved, "
                 "(SELECT count(*) FROM pg_stat_activity WHERE %s) AS used, "
                 "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name = 'patrol-inspection') AS patrol" % mine, timeout=timeout)[0]
    by_state = db.query("SELECT coalesce(state, 'unknown') AS state, count(*) AS n FROM pg_stat_activity WHERE %s GROUP BY 1 ORDER BY 2 DESC" % mine, timeout=timeout)
    by_client = db.query("SELECT coalesce(datname, '') AS database, coalesce(usename, '') AS user, coalesce(application_name, '') AS application, count(*) AS n "
                         "FROM pg_stat_activity WHERE %s GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 10" % mine, timeout=timeout)
    data = {'used': num(s['used']), 'max': num(s['max']), 'superuserReserved': num(s['reserved']), 'patrolConnections': num(s['patrol']),
            'byState': dict((r['state'], num(r['n'])) for r in by_state),
            'top': [{'database': r['database'], 'user': r['user'], 'application': r['application'], 'connections': num(r['n'])} for r in by_client]}
    raw = 'max_connections=%s superuser_reserved_connections=%s used=%s\n' % (s['max'], s['reserved'], s['used']) + table_text(by_client)
    return data, db.command("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'", 'SHOW max_connections'), raw


def pg_activity(db, params, timeout):
    rows = db.query(
        'SELECT pid, coalesce(datname, \'\') AS database, coalesce(usename, \'\') AS user, coalesce(application_name, \'\') AS application, '
        'host(client_addr) AS client, coalesce(state, \'\') AS state, wait_event_type, wait_event, '
        'extract(epoch FROM now() - xact_start)::float8 AS xact_seconds, extract(epoch FROM now() - state_change)::float8 AS state_seconds, '
        'left(query, 1000) AS query FROM pg_stat_activity '
        "WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
        "AND application_name IS DISTINCT FROM 'patrol-inspection' ORDER BY xact_start LIMIT 20", timeout=timeout)
    prepared = db.query('SELECT gid, coalesce(database, \'\') AS database, coalesce(owner, \'\') AS owner, extract(epoch FROM now() - prepared)::float8 AS seconds '
                        'FROM pg_prepared_xacts ORDER BY prepared LIMIT 20', timeout=timeout)
    data = {'transactions': [{'pid': r['pid'], 'database': r['database'], 'user': r['user'], 'application': r['application'], 'client': r['client'],
                              'state': r['state'], 'waitEventType': r['wait_event_type'], 'waitEvent': r['wait_event'],
                              'xactSeconds': num(r['xact_seconds']), 'stateSeconds': num(r['state_seconds']), 'query': r['query'] or ''} for r in rows],
            'prepared': [{'gid': r['gid'], 'database': r['database'], 'owner': r['owner'], 'seconds': num(r['seconds'])} for r in prepared]}
    raw = table_text([{'pid': r['pid'], 'user': r['user'], 'state': r['state'], 'xact_seconds': round(num(r['xact_seconds']), 1), 'query': (r['query'] or '')[:150]} for r in rows])
    return data, db.command('SELECT pid, usename, state, now() - xact_start AS xact_age, query FROM pg_stat_activity WHERE xact_start IS NOT NULL ORDER BY xact_start'), raw


def pg_locks(db, params, timeout):
    counts = db.query('SELECT count(*) AS total, count(*) FILTER (WHERE NOT granted) AS waiting FROM pg_locks', timeout=timeout)[0]
    by_mode = db.query('SELECT mode, count(*) AS n FROM pg_locks GROUP BY mode ORDER BY 2 DESC', timeout=timeout)
    wait_start = 'coalesce(l.waitstart, a.query_start)' if db.version >= 140000 else 'a.query_start'
    waiting = db.query(
        'SELECT a.pid, coalesce(a.datname, \'\') AS database, coalesce(a.usename, \'\') AS user, coalesce(a.application_name, \'\') AS application, '
        'l.locktype, l.mode, CASE WHEN l.relation IS NOT NULL THEN coalesce((SELECT n.nspname || \'.\' || c.relname FROM pg_class c '
        'JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = l.relation), l.relation::text) END AS relation, '
        'extract(epoch FROM now() - %s)::float8 AS wait_seconds, pg_blocking_pids(a.pid) AS blocked_by, left(a.query, 1000) AS query '
        'FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted ORDER BY wait_seconds DESC NULLS LAST LIMIT 20' % wait_start, timeout=timeout)
    blockers = []
    pids = sorted(set(p for w in waiting for p in (w['blocked_by'] or [])))
    if pids:
        blockers = db.query('SELECT pid, coalesce(usename, \'\') AS user, coalesce(application_name, \'\') AS application, coalesce(state, \'\') AS state, '
                            'extract(epoch FROM now() - xact_start)::float8 AS xact_seconds, left(query, 1000) AS query FROM pg_stat_activity WHERE pid = ANY(%s)',
                            (pids,), timeout=timeout)
    data = {'total': num(counts['total']), 'waiting': num(counts['waiting']), 'byMode': dict((r['mode'], num(r['n'])) for r in by_mode),
            'waits': [{'pid': w['pid'], 'database': w['database'], 'user': w['user'], 'application': w['application'], 'lockType': w['locktype'],
                       'mode': w['mode'], 'relation': w['relation'], 'waitSeconds': num(w['wait_seconds']), 'blockedBy': w['blocked_by'] or [],
                       'query': w['query'] or ''} for w in waiting],
            'blockers': [{'pid': b['pid'], 'user': b['user'], 'application': b['application'], 'state': b['state'],
                          'xactSeconds': num(b['xact_seconds'], None), 'query': b['query'] or ''} for b in blockers]}
    raw = 'locks total=%s waiting=%s by mode: %s\n' % (counts['total'], counts['waiting'], ', '.join('%s=%s' % (r['mode'], r['n']) for r in by_mode))
    raw += table_text([{'pid': w['pid'], 'mode': w['mode'], 'relation': w['relation'], 'wait_seconds': round(num(w['wait_seconds']), 1),
                        'blocked_by': w['blocked_by'], 'query': (w['query'] or '')[:150]} for w in waiting])
    return data, db.command('SELECT a.pid, l.mode, l.relation::regclass, now() - a.query_start AS waiting, pg_blocking_pids(a.pid), a.query FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted'), raw


def pg_replication(db, params, timeout):
    standby = db.query('SELECT pg_is_in_recovery() AS standby', timeout=timeout)[0]['standby']
    data = {'role': 'standby' if standby else 'primary', 'replicas': [], 'slots': [], 'standby': None}
    if standby:
        s = db.query('SELECT pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_wal_replay_lsn()::text AS replay_lsn, '
                     'coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8 AS pending_bytes, '
                     'pg_is_wal_replay_paused() AS paused, extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age, '
                     '(SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver_status, (SELECT sender_host FROM pg_stat_wal_receiver LIMIT 1) AS sender_host',
                     timeout=timeout)[0]
        data['standby'] = {'receiveLsn': s['receive_lsn'], 'replayLsn': s['replay_lsn'], 'pendingBytes': num(s['pending_bytes']),
                           'replayPaused': bool(s['paused']), 'lastReplayAgeSeconds': num(s['replay_age'], None),
                           'receiverStatus': s['receiver_status'], 'senderHost': s['sender_host']}
        raw = table_text([s])
        cmd = db.command('SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(), now() - pg_last_xact_replay_timestamp(), (SELECT status FROM pg_stat_wal_receiver)')
    else:
        reps = db.query('SELECT coalesce(application_name, \'\') AS name, host(client_addr) AS client, state, sync_state, '
                        'extract(epoch FROM write_lag)::float8 AS write_lag, extract(epoch FROM flush_lag)::float8 AS flush_lag, '
                        'extract(epoch FROM replay_lag)::float8 AS replay_lag, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_bytes '
                        'FROM pg_stat_replication ORDER BY application_name, client_addr', timeout=timeout)
        slots = db.query('SELECT slot_name, slot_type, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS retained_bytes FROM pg_replication_slots', timeout=timeout)
        data['replicas'] = [{'name': r['name'], 'client': r['client'], 'state': r['state'], 'syncState': r['sync_state'],
                             'writeLagSeconds': num(r['write_lag'], None), 'flushLagSeconds': num(r['flush_lag'], None),
                             'replayLagSeconds': num(r['replay_lag'], None), 'replayLagBytes': num(r['replay_bytes'], None)} for r in reps]
        data['slots'] = [{'name': r['slot_name'], 'type': r['slot_type'], 'active': bool(r['active']), 'retainedBytes': num(r['retained_bytes'], None)} for r in slots]
        raw = table_text(reps) + '\n' + table_text(slots)
        cmd = db.command('SELECT application_name, client_addr, state, replay_lag, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication')
    return data, cmd, raw


def pg_cache(db, params, timeout):
    r = db.query('SELECT datname, blks_hit, blks_read, stats_reset FROM pg_stat_database WHERE datname = current_database()', timeout=timeout)
    if not r:
        raise SectionError('no pg_stat_database row for the current database')
    r = r[0]
    tables = db.query('SELECT schemaname || \'.\' || relname AS name, heap_blks_read, heap_blks_hit FROM pg_statio_user_tables '
                      'ORDER BY heap_blks_read DESC NULLS LAST LIMIT 5', timeout=timeout)
    data = {'database': r['datname'], 'blksHit': num(r['blks_hit']), 'blksRead': num(r['blks_read']), 'statsReset': r['stats_reset'],
            'topReadTables': [{'name': t['name'], 'heapBlksRead': num(t['heap_blks_read']), 'heapBlksHit': num(t['heap_blks_hit'])} for t in tables]}
    return data, db.command('SELECT blks_hit, blks_read, blks_hit::float / nullif(blks_hit + blks_read, 0) FROM pg_stat_database WHERE datname = current_database()'), table_text([r]) + '\n' + table_text(tables)


def pg_wraparound(db, params, timeout):
    rows = db.query('SELECT datname, age(datfrozenxid)::bigint AS xid_age, mxid_age(datminmxid)::bigint AS mxid_age, datallowconn FROM pg_database ORDER BY 2 DESC', timeout=timeout)
    fmax = db.query("SELECT current_setting('autovacuum_freeze_max_age')::bigint AS v", timeout=timeout)[0]['v']
    data = {'databases': [{'name': r['datname'], 'xidAge': num(r['xid_age']), 'mxidAge': num(r['mxid_age']), 'allowConnections': bool(r['datallowconn'])} for r in rows],
            'autovacuumFreezeMaxAge': num(fmax)}
    return data, db.command('SELECT datname, age(datfrozenxid), mxid_age(datminmxid) FROM pg_database ORDER BY 2 DESC'), table_text(rows)


# --------------------------------------------------------------------------- MySQL / MariaDB

class My(object):
    def __init__(self, p):
        try:
            import pymysql
        except ImportError:
            raise ConnectError('python3-pymysql is not installed on the host running the inspection (apt-get install -y python3-pymysql, or pip install PyMySQL)')
        self.pymysql = pymysql
        self.p = p
        kw = dict(user=p['user'] or 'root', connect_timeout=p['connect_timeout'], read_timeout=p['section_timeout'] + 5,
                  write_timeout=p['section_timeout'] + 5, charset='utf8mb4', autocommit=True)
        if p['password']:
            kw['password'] = p['password']
        where = p['host']
        if p['host'].startswith('/'):
            kw['unix_socket'] = p['host']
        else:
            kw['host'] = p['host']
            kw['port'] = p['port'] or 3306
            where = '%s:%s' % (p['host'], kw['port'])
        try:
            self.conn = pymysql.connect(**kw)
        except pymysql.Error as e:
            raise ConnectError('cannot connect to MySQL/MariaDB at %s (user %s): %s' % (where, kw['user'], e.args[-1] if e.args else e))
        self.timeout_set = None
        self.where = ('-S %s' % p['host']) if p['host'].startswith('/') else ('-h %s -P %s' % (p['host'], kw['port']))
        self.user = kw['user']
        v = self.query('SELECT VERSION() AS v')[0]['v']
        self.version = v
        self.mariadb = 'mariadb' in v.lower()

    def query(self, sql, args=None, timeout=None):
        cur = self.conn.cursor()
        try:
            if timeout and self.timeout_set != timeout:
                # MariaDB: max_statement_time (s); MySQL 5.7+: max_execution_time (ms, SELECT only).
                for stmt in ('SET SESSION max_statement_time = %d' % timeout, 'SET SESSION max_execution_time = %d' % (timeout * 1000)):
                    try:
                        cur.execute(MARK + stmt)
                        break
                    except self.pymysql.Error:
                        continue
                self.timeout_set = timeout
            cur.execute(MARK + sql, args)
            if cur.description is None:
                return []
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, [plain(v) for v in row])) for row in cur.fetchall()]
        except self.pymysql.Error as e:
            msg = e.args[-1] if e.args else str(e)
            if 'max_statement_time' in str(msg) or 'maximum statement execution time' in str(msg):
                raise SectionError('the query was interrupted after %ss: %s' % (timeout, one_line(sql)[:200]))
            raise SectionError('%s (query: %s)' % (msg, one_line(sql)[:200]))
        finally:
            cur.close()

    def status(self, names, timeout):
        rows = self.query('SHOW GLOBAL STATUS WHERE Variable_name IN (%s)' % ', '.join(['%s'] * len(names)), names, timeout=timeout)
        return dict((r['Variable_name'], r['Value']) for r in rows)

    def variables(self, names, timeout):
        rows = self.query('SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s)' % ', '.join(['%s'] * len(names)), names, timeout=timeout)
        return dict((r['Variable_name'], r['Value']) for r in rows)

    def command(self, *sqls):
        return ' ; '.join('mysql %s -u %s -e "%s"' % (self.where, self.user, one_line(s).replace('"', '\\"')) for s in sqls)


def fingerprint(sql):
    """pt-query-digest style: literals to ?, IN lists folded, whitespace collapsed, lowercased."""
    s = re.sub(r'/\*.*?\*/', ' ', sql, flags=re.S)
    s = re.sub(r'(--|#)[^\n]*', ' ', s)
    s = re.sub(r"'(?:[^'\\]|\\.|'')*'", '?', s)
    s = re.sub(r'"(?:[^"\\]|\\.|"")*"', '?', s)
    s = re.sub(r'\b0x[0-9a-fA-F]+\b', '?', s)
    s = re.sub(r'(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b', '?', s, flags=re.I)
    s = re.sub(r'\s+', ' ', s).strip().rstrip(';').strip().lower()
    s = re.sub(r'\bin\s*\(\s*\?(?:\s*,\s*\?)*\s*\)', 'in (?+)', s)
    s = re.sub(r'\bvalues\s*(\(\s*\?(?:\s*,\s*\?)*\s*\)\s*,?\s*)+', 'values (?+)', s)
    return s


def mysql_statements(db, params, timeout):
    top = int(params.get('top', 10))
    source = params.get('source') or 'auto'
    window = int(params.get('window_seconds', 86400))
    schema = db.p['database']
    v = db.variables(['performance_schema', 'slow_query_log', 'log_output', 'long_query_time'], timeout)
    ps_on = v.get('performance_schema', 'OFF').upper() == 'ON'
    digest_on = False
    if ps_on:
        try:
            c = db.query("SELECT ENABLED FROM performance_schema.setup_consumers WHERE NAME = 'statements_digest'", timeout=timeout)
            digest_on = bool(c) and c[0]['ENABLED'] == 'YES'
        except SectionError:
            digest_on = False
    slow_table = v.get('slow_query_log', 'OFF').upper() == 'ON' and 'TABLE' in v.get('log_output', '').upper()
    how = 'performance_schema=%s (statements_digest %s), slow_query_log=%s, log_output=%s' % (v.get('performance_schema'), 'on' if digest_on else 'off', v.get('slow_query_log'), v.get('log_output'))
    if source == 'auto':
        source = 'performance_schema' if digest_on else 'slow_log' if slow_table else None
    if source is None:
        raise SectionError('no slow query source (%s): enable performance_schema=ON in my.cnf (restart), or the slow log to a table: '
                           "SET GLOBAL slow_query_log = 1, log_output = 'TABLE', long_query_time = 1" % how)
    if source == 'performance_schema':
        if not digest_on:
            raise SectionError('performance_schema statement digests are not available (%s): set performance_schema=ON in my.cnf and restart' % how)
        where = 'SCHEMA_NAME = %s' if schema else 'SCHEMA_NAME IS NOT NULL AND SCHEMA_NAME NOT IN (%s)' % ', '.join("'%s'" % s for s in SYSTEM_SCHEMAS)
        cols = ('SCHEMA_NAME AS schema_name, DIGEST AS digest, LEFT(DIGEST_TEXT, %d) AS query, COUNT_STAR AS calls, SUM_TIMER_WAIT / 1e9 AS total_ms, '
                'AVG_TIMER_WAIT / 1e9 AS mean_ms, MAX_TIMER_WAIT / 1e9 AS max_ms, SUM_ROWS_EXAMINED AS rows_examined, SUM_ROWS_SENT AS rows_sent, '
                'LAST_SEEN AS last_seen' % QUERY_TEXT_LIMIT)
        args = (schema,) if schema else None
        seen = {}
        for order in ('SUM_TIMER_WAIT', 'AVG_TIMER_WAIT'):
            for r in db.query('SELECT %s FROM performance_schema.events_statements_summary_by_digest WHERE DIGEST IS NOT NULL AND %s ORDER BY %s DESC LIMIT %d'
                              % (cols, where, order, top), args, timeout=timeout):
                key = '%s/%s' % (r['schema_name'], r['digest'])
                seen[key] = r
        statements = [{'id': r['digest'], 'schema': r['schema_name'], 'calls': num(r['calls']), 'totalMs': num(r['total_ms']), 'meanMs': num(r['mean_ms']),
                       'maxMs': num(r['max_ms']), 'rowsExamined': num(r['rows_examined']), 'rowsSent': num(r['rows_sent']), 'query': r['query'] or '',
                       'lastSeen': r['last_seen']} for r in seen.values()]
        cmd = db.command('SELECT SCHEMA_NAME, DIGEST, DIGEST_TEXT, COUNT_STAR, SUM_TIMER_WAIT/1e9 AS total_ms, AVG_TIMER_WAIT/1e9 AS mean_ms FROM '
                         'performance_schema.events_statements_summary_by_digest ORDER BY SUM_TIMER_WAIT DESC LIMIT %d' % top)
        window_out = None
    elif source == 'slow_log':
        if not slow_table:
            raise SectionError('the slow query log is not written to a table (%s): SET GLOBAL slow_query_log = 1, log_output = \'TABLE\'' % how)
        cond = 'start_time >= NOW() - INTERVAL %d SECOND' % window
        args = [MARK.strip() + '%']
        if schema:
            cond += ' AND db = %s'
            args.append(schema)
        rows = db.query('SELECT db, query_time, rows_examined, rows_sent, start_time, sql_text FROM mysql.slow_log WHERE sql_text NOT LIKE %%s AND %s '
                        'ORDER BY start_time DESC LIMIT 20000' % cond, tuple(args), timeout=timeout)
        groups = {}
        for r in rows:
            text = r['sql_text'] or ''
            fp = fingerprint(text)
            key = hashlib.sha1(('%s\0%s' % (r['db'] or '', fp)).encode('utf-8')).hexdigest()[:16]
            secs = num(r['query_time'], 0.0)
            g = groups.setdefault(key, {'id': key, 'schema': r['db'] or '', 'calls': 0, 'totalMs': 0.0, 'maxMs': 0.0, 'rowsExamined': 0, 'rowsSent': 0,
                                        'query': text[:QUERY_TEXT_LIMIT], 'fingerprint': fp[:QUERY_TEXT_LIMIT], 'lastSeen': r['start_time']})
            g['calls'] += 1
            g['totalMs'] += secs * 1000.0
            g['maxMs'] = max(g['maxMs'], secs * 1000.0)
            g['rowsExamined'] += num(r['rows_examined'])
            g['rowsSent'] += num(r['rows_sent'])
        for g in groups.values():
            g['meanMs'] = g['totalMs'] / g['calls']
        by_total = sorted(groups.values(), key=lambda g: -g['totalMs'])[:top]
        by_mean = sorted(groups.values(), key=lambda g: -g['meanMs'])[:top]
        ids = set()
        statements = []
        for g in by_total + by_mean:
            if g['id'] not in ids:
                ids.add(g['id'])
                statements.append(g)
        cmd = db.command("SELECT start_time, query_time, rows_examined, db, sql_text FROM mysql.slow_log WHERE %s ORDER BY query_time DESC LIMIT 50" % cond.replace('%s', "'%s'" % schema if schema else ''))
        window_out = window
    else:
        raise SectionError('unknown slow query source "%s" (use auto, performance_schema or slow_log)' % source)
    statements.sort(key=lambda s: -s['totalMs'])
    data = {'source': source, 'windowSeconds': window_out, 'longQueryTime': num(v.get('long_query_time'), None), 'statements': statements}
    raw = table_text([{'id': s['id'], 'calls': s['calls'], 'total_ms': round(s['totalMs'], 1), 'mean_ms': round(s['meanMs'], 1), 'query': s['query'][:200]} for s in statements])
    return data, cmd, raw


def mysql_tables(db, params, timeout):
    top = int(params.get('top', 10))
    schema = db.p['database']
    where = 'table_schema = %s' if schema else 'table_schema NOT IN (%s)' % ', '.join("'%s'" % s for s in SYSTEM_SCHEMAS)
    rows = db.query("SELECT table_schema AS schema_name, table_name AS name, engine, table_rows AS table_rows, data_length, index_length, data_free, "
                    "update_time FROM information_schema.TABLES WHERE table_type = 'BASE TABLE' AND %s "
                    'ORDER BY data_length + index_length DESC, table_schema, table_name LIMIT %d' % (where, top), (schema,) if schema else None, timeout=timeout)
    count = db.query("SELECT COUNT(*) AS n, COALESCE(SUM(data_length + index_length), 0) AS bytes FROM information_schema.TABLES WHERE table_type = 'BASE TABLE' AND %s" % where,
                     (schema,) if schema else None, timeout=timeout)[0]
    tables = [{'schema': r['schema_name'], 'name': r['name'], 'engine': r['engine'], 'rows': num(r['table_rows']), 'rowsSource': 'information_schema (estimate)',
               'dataBytes': num(r['data_length']), 'indexBytes': num(r['index_length']), 'freeBytes': num(r['data_free']),
               'totalBytes': num(r['data_length']) + num(r['index_length']), 'updateTime': r['update_time']} for r in rows]
    data = {'database': schema, 'tableCount': num(count['n']), 'databaseBytes': num(count['bytes']), 'tables': tables}
    raw = table_text([{'table': '%s.%s' % (t['schema'], t['name']), 'engine': t['engine'], 'rows': t['rows'], 'data_length': t['dataBytes'], 'index_length': t['indexBytes']} for t in tables])
    return data, db.command('SELECT table_schema, table_name, table_rows, data_length, index_length FROM information_schema.TABLES ORDER BY data_length + index_length DESC LIMIT %d' % top), raw


def mysql_connections(db, params, timeout):
    st = db.status(['Threads_connected', 'Threads_running', 'Max_used_connections', 'Connections', 'Aborted_connects', 'Aborted_clients', 'Uptime'], timeout)
    v = db.variables(['max_connections'], timeout)
    data = {'threadsConnected': max(0, num(st.get('Threads_connected')) - 1), 'threadsRunning': max(0, num(st.get('Threads_running')) - 1),
            'maxUsedConnections': num(st.get('Max_used_connections')), 'maxConnections': num(v.get('max_connections')),
            'connections': num(st.get('Connections')), 'abortedConnects': num(st.get('Aborted_connects')), 'abortedClients': num(st.get('Aborted_clients')),
            'uptimeSeconds': num(st.get('Uptime')), 'version': db.version}
    raw = '\n'.join('%s\t%s' % kv for kv in sorted(list(st.items()) + list(v.items())))
    return data, db.command("SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Max_used_connections', 'Connections', 'Aborted_connects', 'Aborted_clients')",
                            "SHOW GLOBAL VARIABLES LIKE 'max_connections'"), raw


def mysql_buffer_pool(db, params, timeout):
    st = db.status(['Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads', 'Innodb_buffer_pool_pages_total', 'Innodb_buffer_pool_pages_free',
                    'Innodb_buffer_pool_pages_data', 'Innodb_buffer_pool_wait_free', 'Uptime'], timeout)
    v = db.variables(['innodb_buffer_pool_size'], timeout)
    if 'Innodb_buffer_pool_read_requests' not in st:
        raise SectionError('the server reports no InnoDB buffer pool status (InnoDB disabled?)')
    data = {'readRequests': num(st.get('Innodb_buffer_pool_read_requests')), 'diskReads': num(st.get('Innodb_buffer_pool_reads')),
            'pagesTotal': num(st.get('Innodb_buffer_pool_pages_total')), 'pagesFree': num(st.get('Innodb_buffer_pool_pages_free')),
            'pagesData': num(st.get('Innodb_buffer_pool_pages_data')), 'waitFree': num(st.get('Innodb_buffer_pool_wait_free')),
            'poolBytes': num(v.get('innodb_buffer_pool_size')), 'uptimeSeconds': num(st.get('Uptime'))}
    raw = '\n'.join('%s\t%s' % kv for kv in sorted(list(st.items()) + list(v.items())))
    return data, db.command("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_read%'"), raw


def mysql_replication(db, params, timeout):
    rows = None
    errors = []
    for stmt in (('SHOW ALL SLAVES STATUS',) if db.mariadb else ()) + ('SHOW REPLICA STATUS', 'SHOW SLAVE STATUS'):
        try:
            rows = db.query(stmt, timeout=timeout)
            used = stmt
            break
        except SectionError as e:
            errors.append(str(e))
    if rows is None:
        raise SectionError('cannot read the replication status (grant REPLICATION CLIENT, or SLAVE MONITOR on MariaDB 10.5+): %s' % '; '.join(errors))

    def g(r, *names):
        for n in names:
            if n in r:
                return r[n]
        return None
    channels = []
    for r in rows:
        channels.append({'name': g(r, 'Connection_name', 'Channel_Name') or '', 'sourceHost': g(r, 'Master_Host', 'Source_Host') or '',
                         'sourcePort': num(g(r, 'Master_Port', 'Source_Port'), None),
                         'ioRunning': g(r, 'Slave_IO_Running', 'Replica_IO_Running') or '', 'sqlRunning': g(r, 'Slave_SQL_Running', 'Replica_SQL_Running') or '',
                         'secondsBehind': num(g(r, 'Seconds_Behind_Master', 'Seconds_Behind_Source'), None),
                         'sqlDelay': num(g(r, 'SQL_Delay'), 0), 'lastIoError': g(r, 'Last_IO_Error') or '', 'lastSqlError': g(r, 'Last_SQL_Error') or '',
                         'state': g(r, 'Slave_SQL_Running_State', 'Replica_SQL_Running_State') or ''})
    data = {'isReplica': len(channels) > 0, 'channels': channels}
    raw = table_text([{k: c[k] for k in ('name', 'sourceHost', 'ioRunning', 'sqlRunning', 'secondsBehind', 'lastIoError', 'lastSqlError')} for c in channels]) if channels else '(not a replica: %s returned no rows)' % used
    return data, db.command(used), raw


# --------------------------------------------------------------------------- Redis

class Redis(object):
    def __init__(self, p):
        self.p = p
        self.port = p['port'] or 6379
        try:
            self.sock = socket.create_connection((p['host'], self.port), timeout=p['connect_timeout'])
        except (OSError, socket.error) as e:
            raise ConnectError('cannot connect to Redis at %s:%s: %s' % (p['host'], self.port, e))
        self.sock.settimeout(p['section_timeout'])
        self.buf = b''
        if p['password']:
            args = ['AUTH'] + ([p['user']] if p['user'] else []) + [p['password']]
            try:
                self.call(args)
            except SectionError as e:
                raise ConnectError('Redis at %s:%s refused the credentials: %s' % (p['host'], self.port, e))
        try:
            self.call(['PING'])
        except SectionError as e:
            if 'NOAUTH' in str(e):
                raise ConnectError('Redis at %s:%s requires a password: set credential on the database (a password or token credential)' % (p['host'], self.port))
            raise ConnectError('Redis at %s:%s does not answer PING: %s' % (p['host'], self.port, e))

    def call(self, args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            b = a.encode('utf-8') if not isinstance(a, bytes) else a
            out += b'$%d\r\n%s\r\n' % (len(b), b)
        try:
            self.sock.sendall(out)
            return self.read()
        except socket.timeout:
            raise SectionError('Redis did not answer %s within %ss' % (args[0], self.p['section_timeout']))
        except (OSError, socket.error) as e:
            raise SectionError('connection to Redis lost during %s: %s' % (args[0], e))

    def line(self):
        while b'\r\n' not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SectionError('Redis closed the connection')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def read(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b'+':
            return rest.decode('utf-8', 'replace')
        if kind == b'-':
            raise SectionError(rest.decode('utf-8', 'replace'))
        if kind == b':':
            return int(rest)
        if kind == b'$':
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise SectionError('Redis closed the connection')
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode('utf-8', 'replace')
        if kind == b'*':
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise SectionError('unexpected reply from Redis: %r' % line[:100])


INFO_NUMBERS = {
    'used_memory': 'usedMemory', 'used_memory_rss': 'usedMemoryRss', 'used_memory_peak': 'usedMemoryPeak', 'maxmemory': 'maxmemory',
    'total_system_memory': 'totalSystemMemory', 'mem_fragmentation_ratio': 'memFragmentationRatio',
    'evicted_keys': 'evictedKeys', 'expired_keys': 'expiredKeys', 'rejected_connections': 'rejectedConnections',
    'total_connections_received': 'totalConnectionsReceived', 'connected_clients': 'connectedClients', 'blocked_clients': 'blockedClients',
    'maxclients': 'maxclients', 'uptime_in_seconds': 'uptimeSeconds', 'rdb_changes_since_last_save': 'rdbChangesSinceLastSave',
    'rdb_last_save_time': 'rdbLastSaveTime', 'rdb_bgsave_in_progress': 'rdbBgsaveInProgress', 'aof_enabled': 'aofEnabled',
    'aof_rewrite_in_progress': 'aofRewriteInProgress', 'loading': 'loading', 'connected_slaves': 'connectedReplicas',
}
INFO_STRINGS = {
    'redis_version': 'version', 'run_id': 'runId', 'maxmemory_policy': 'maxmemoryPolicy', 'role': 'role',
    'rdb_last_bgsave_status': 'rdbLastBgsaveStatus', 'aof_last_write_status': 'aofLastWriteStatus',
    'aof_last_bgrewrite_status': 'aofLastBgrewriteStatus', 'master_link_status': 'masterLinkStatus',
}
RAW_KEYS = ('redis_version', 'uptime_in_seconds', 'used_memory', 'used_memory_human', 'maxmemory', 'maxmemory_human', 'maxmemory_policy',
            'total_system_memory', 'mem_fragmentation_ratio', 'connected_clients', 'maxclients', 'blocked_clients', 'evicted_keys',
            'rejected_connections', 'total_connections_received', 'rdb_last_bgsave_status', 'rdb_last_save_time', 'rdb_changes_since_last_save',
            'aof_enabled', 'aof_last_write_status', 'aof_last_bgrewrite_status', 'role')


def redis_info(db, params, timeout):
    text = db.call(['INFO', 'all'])
    info = {}
    for line in (text or '').splitlines():
        if ':' in line and not line.startswith('#'):
            k, v = line.split(':', 1)
            info[k] = v.strip()
    data = {}
    for k, name in INFO_NUMBERS.items():
        if k in info:
            data[name] = num(info[k])
    for k, name in INFO_STRINGS.items():
        if k in info:
            data[name] = info[k]
    if 'maxclients' not in data:
        # INFO lists maxclients since Redis 7; older servers answer CONFIG GET (unless it is renamed away).
        try:
            r = db.call(['CONFIG', 'GET', 'maxclients'])
            if isinstance(r, list) and len(r) == 2:
                data['maxclients'] = num(r[1])
        except SectionError:
            pass
    # The inspection's own connection is not a client of the application.
    if 'connectedClients' in data:
        data['connectedClients'] = max(0, data['connectedClients'] - 1)
    raw = '\n'.join('%s:%s' % (k, info[k]) for k in RAW_KEYS if k in info)
    return data, 'redis-cli -h %s -p %s INFO all' % (db.p['host'], db.port), raw


# --------------------------------------------------------------------------- driver

SECTIONS = {
    'postgres': (Pg, [('pg_statements', pg_statements), ('pg_tables', pg_tables), ('pg_connections', pg_connections), ('pg_activity', pg_activity),
                      ('pg_locks', pg_locks), ('pg_replication', pg_replication), ('pg_cache', pg_cache), ('pg_wraparound', pg_wraparound)]),
    'mysql': (My, [('mysql_statements', mysql_statements), ('mysql_tables', mysql_tables), ('mysql_connections', mysql_connections),
                   ('mysql_buffer_pool', mysql_buffer_pool), ('mysql_replication', mysql_replication)]),
    'redis': (Redis, [('redis_info', redis_info)]),
}


def collect(fn, db, params, timeout):
    """Runs one section in a thread bounded by the timeout; returns (envelope, finished)."""
    started = time.time()
    box = {}

    def target():
        try:
            data, command, raw = fn(db, params, timeout)
            box['result'] = {'ok': True, 'data': data, 'command': command, 'raw': cap(raw, RAW_LIMIT)}
        except SectionError as e:
            box['result'] = {'ok': False, 'error': str(e)}
        except Exception as e:  # a bug or an odd server must not lose the other sections
            box['result'] = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}

    t = threading.Thread(target=target)
    t.daemon = True
    t.start()
    t.join(timeout + 2)
    finished = 'result' in box
    res = box.get('result') or {'ok': False, 'error': 'timed out after %ss' % timeout}
    res['durationMs'] = int((time.time() - started) * 1000)
    return res, finished


def main():
    module = AnsibleModule(argument_spec=dict(
        type=dict(type='str', required=True, choices=list(SECTIONS)),
        host=dict(type='str', required=True),
        port=dict(type='int'),
        database=dict(type='str'),
        user=dict(type='str'),
        password=dict(type='str', no_log=True),
        top=dict(type='int', default=10),
        section_timeout=dict(type='int', default=20),
        connect_timeout=dict(type='int', default=10),
        sections=dict(type='list', elements='str'),
        params=dict(type='dict', default={}),
    ), supports_check_mode=True)
    p = module.params
    cls, sections = SECTIONS[p['type']]
    known = [n for n, _ in sections]
    wanted = p['sections'] or known
    unknown = [s for s in wanted if s not in known]
    if unknown:
        module.fail_json(msg='unknown %s sections: %s (known: %s)' % (p['type'], ', '.join(unknown), ', '.join(known)))
    timeout = max(1, p['section_timeout'])
    box = {}

    def connect():
        try:
            box['db'] = cls(p)
        except ConnectError as e:
            box['error'] = str(e)
        except Exception as e:
            box['error'] = 'cannot connect: %s: %s' % (type(e).__name__, e)

    t = threading.Thread(target=connect)
    t.daemon = True
    t.start()
    t.join(p['connect_timeout'] + 5)
    if 'db' not in box:
        module.fail_json(msg=box.get('error') or 'cannot connect to %s at %s: no answer within %ss' % (p['type'], p['host'], p['connect_timeout'] + 5))
    db = box['db']
    results = {}
    stuck = None
    # One connection, sections in turn: parallel queries would each need a connection of their own,
    # inflating the very connection counts being measured.
    for name, fn in sections:
        if name not in wanted:
            continue
        if stuck:
            results[name] = {'ok': False, 'error': 'not run: the connection hung in section %s' % stuck, 'durationMs': 0}
            continue
        params = dict(p['params'].get(name) or {})
        params.setdefault('top', p['top'])
        res, finished = collect(fn, db, params, timeout)
        results[name] = res
        if not finished:
            stuck = name
    module.exit_json(changed=False, patrol={'version': 1, 'sections': results})


if __name__ == '__main__':
    main()
