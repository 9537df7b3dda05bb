import { z } from 'zod';

/**
 * Data shapes of the database collection module's sections (playbooks/library/patrol_db.py):
 * the contract between collection (Ansible) and judgement (the db checks). One schema per
 * section; sections are prefixed by engine (pg_, mysql_, redis_).
 */

const n = z.number();
const nullableNumber = z.number().nullable();
const text = z.string();
const nullableText = z.string().nullable();

// ---------------------------------------------------------------- PostgreSQL

/** pg_stat_statements of the inspected database: the top N by total and by mean time (union). */
export const pgStatementsSection = z.object({
  extensionVersion: text,
  statements: z.array(
    z.object({
      /** pg_stat_statements.queryid (aggregated over users), as text: stable across runs for the same statement. */
      queryid: text,
      calls: n,
      totalMs: n,
      meanMs: n,
      maxMs: n,
      rows: n,
      sharedBlksHit: n,
      sharedBlksRead: n,
      tempBlksWritten: n,
      users: text,
      /** Normalised statement text (constants as $1), capped at 2000 characters. */
      query: text,
    }),
  ),
  totalCalls: n,
  totalMs: n,
  /** When the statistics were last reset (PostgreSQL 14+), ISO time. */
  statsReset: nullableText,
});
export type PgStatementsSection = z.infer<typeof pgStatementsSection>;

/** The largest tables (and materialized views) by total size (table + indexes + TOAST). */
export const pgTablesSection = z.object({
  database: text,
  databaseBytes: n,
  tableCount: n,
  tables: z.array(
    z.object({
      schema: text,
      name: text,
      kind: text,
      /** pg_class.reltuples (the planner's estimate), or n_live_tup before the first ANALYZE. */
      rows: n,
      rowsSource: text,
      deadRows: n,
      totalBytes: n,
      tableBytes: n,
      indexBytes: n,
      lastVacuum: nullableText,
      lastAnalyze: nullableText,
    }),
  ),
});
export type PgTablesSection = z.infer<typeof pgTablesSection>;

/** Client backends of the whole server (Patrol's own, application_name patrol-inspection, excluded). */
export const pgConnectionsSection = z.object({
  used: n,
  max: n,
  superuserReserved: n,
  /** Patrol's own connections at that moment (this inspection's, for each database of the server). */
  patrolConnections: n.default(0),
  byState: z.record(z.string(), n),
  top: z.array(z.object({ database: text, user: text, application: text, connections: n })),
});
export type PgConnectionsSection = z.infer<typeof pgConnectionsSection>;

/** Open transactions of the whole server, oldest first (at most 20), and prepared transactions. */
export const pgActivitySection = z.object({
  transactions: z.array(
    z.object({
      pid: n,
      database: text,
      user: text,
      application: text,
      client: nullableText,
      state: text,
      waitEventType: nullableText,
      waitEvent: nullableText,
      xactSeconds: n,
      stateSeconds: n,
      query: text,
    }),
  ),
  prepared: z.array(z.object({ gid: text, database: text, owner: text, seconds: n })),
});
export type PgActivitySection = z.infer<typeof pgActivitySection>;

/** Locks held and awaited on the whole server; waits longest first (at most 20) with their blockers. */
export const pgLocksSection = z.object({
  total: n,
  waiting: n,
  byMode: z.record(z.string(), n),
  waits: z.array(
    z.object({
      pid: n,
      database: text,
      user: text,
      application: text,
      lockType: text,
      mode: text,
      relation: nullableText,
      waitSeconds: n,
      blockedBy: z.array(n),
      query: text,
    }),
  ),
  blockers: z.array(z.object({ pid: n, user: text, application: text, state: text, xactSeconds: nullableNumber, query: text })),
});
export type PgLocksSection = z.infer<typeof pgLocksSection>;

export const pgReplicationSection = z.object({
  role: z.enum(['primary', 'standby']),
  /** pg_stat_replication on a primary: one row per connected standby. Lags are null when idle or unknown. */
  replicas: z.array(
    z.object({
      name: text,
      client: nullableText,
      state: nullableText,
      syncState: nullableText,
      writeLagSeconds: nullableNumber,
      flushLagSeconds: nullableNumber,
      replayLagSeconds: nullableNumber,
      replayLagBytes: nullableNumber,
    }),
  ),
  slots: z.array(z.object({ name: text, type: text, active: z.boolean(), retainedBytes: nullableNumber })),
  /** On a standby: WAL received vs replayed, and the age of the last replayed transaction. */
  standby: z
    .object({
      receiveLsn: nullableText,
      replayLsn: nullableText,
      pendingBytes: n,
      replayPaused: z.boolean(),
      lastReplayAgeSeconds: nullableNumber,
      receiverStatus: nullableText,
      senderHost: nullableText,
    })
    .nullable(),
});
export type PgReplicationSection = z.infer<typeof pgReplicationSection>;

/** Buffer cache hits vs reads of the inspected database (pg_stat_database, since its stats reset). */
export const pgCacheSection = z.object({
  database: text,
  blksHit: n,
  blksRead: n,
  statsReset: nullableText,
  topReadTables: z.array(z.object({ name: text, heapBlksRead: n, heapBlksHit: n })),
});
export type PgCacheSection = z.infer<typeof pgCacheSection>;

/** Transaction id (and multixact) age of every database of the server. */
export const pgWraparoundSection = z.object({
  databases: z.array(z.object({ name: text, xidAge: n, mxidAge: n, allowConnections: z.boolean() })),
  autovacuumFreezeMaxAge: n,
});
export type PgWraparoundSection = z.infer<typeof pgWraparoundSection>;

// ---------------------------------------------------------------- MySQL / MariaDB

/** Slow statements: performance_schema digests, or the slow log table grouped by fingerprint. */
export const mysqlStatementsSection = z.object({
  source: z.enum(['performance_schema', 'slow_log']),
  /** Slow log only: how far back it was read. */
  windowSeconds: nullableNumber,
  longQueryTime: nullableNumber,
  statements: z.array(
    z.object({
      /** Digest (performance_schema) or a hash of schema + fingerprint (slow log): stable across runs. */
      id: text,
      schema: nullableText,
      /** Executions (performance_schema) or slow executions logged (slow log). */
      calls: n,
      totalMs: n,
      meanMs: n,
      maxMs: n,
      rowsExamined: n,
      rowsSent: n,
      query: text,
      fingerprint: text.optional(),
      lastSeen: nullableText,
    }),
  ),
});
export type MysqlStatementsSection = z.infer<typeof mysqlStatementsSection>;

/** The largest base tables (information_schema.TABLES: estimates, refreshed by ANALYZE TABLE). */
export const mysqlTablesSection = z.object({
  database: nullableText,
  tableCount: n,
  databaseBytes: n,
  tables: z.array(
    z.object({
      schema: text,
      name: text,
      engine: nullableText,
      rows: n,
      rowsSource: text,
      dataBytes: n,
      indexBytes: n,
      freeBytes: n,
      totalBytes: n,
      updateTime: nullableText,
    }),
  ),
});
export type MysqlTablesSection = z.infer<typeof mysqlTablesSection>;

/** Connection counters (SHOW GLOBAL STATUS) and max_connections; the inspection's own connection excluded. */
export const mysqlConnectionsSection = z.object({
  threadsConnected: n,
  threadsRunning: n,
  maxUsedConnections: n,
  maxConnections: n,
  connections: n,
  abortedConnects: n,
  abortedClients: n,
  uptimeSeconds: n,
  version: text,
});
export type MysqlConnectionsSection = z.infer<typeof mysqlConnectionsSection>;

export const mysqlBufferPoolSection = z.object({
  /** Logical reads (Innodb_buffer_pool_read_requests). */
  readRequests: n,
  /** Reads that had to go to disk (Innodb_buffer_pool_reads). */
  diskReads: n,
  pagesTotal: n,
  pagesFree: n,
  pagesData: n,
  waitFree: n,
  poolBytes: n,
  uptimeSeconds: n,
});
export type MysqlBufferPoolSection = z.infer<typeof mysqlBufferPoolSection>;

export const mysqlReplicationSection = z.object({
  isReplica: z.boolean(),
  channels: z.array(
    z.object({
      /** Connection (MariaDB) or channel (MySQL) name; "" for the default one. */
      name: text,
      sourceHost: text,
      sourcePort: nullableNumber,
      ioRunning: text,
      sqlRunning: text,
      /** Seconds_Behind_Master; null when the SQL thread is not running. */
      secondsBehind: nullableNumber,
      /** Configured delay (MASTER_DELAY), subtracted from the lag. */
      sqlDelay: n,
      lastIoError: text,
      lastSqlError: text,
      state: text,
    }),
  ),
});
export type MysqlReplicationSection = z.infer<typeof mysqlReplicationSection>;

// ---------------------------------------------------------------- Redis

/** Selected INFO fields (all sections); connectedClients excludes the inspection's own connection. */
export const redisInfoSection = z.object({
  version: text.optional(),
  runId: text.optional(),
  role: text.optional(),
  uptimeSeconds: n.optional(),
  usedMemory: n,
  usedMemoryRss: n.optional(),
  usedMemoryPeak: n.optional(),
  maxmemory: n.default(0),
  maxmemoryPolicy: text.optional(),
  totalSystemMemory: n.optional(),
  memFragmentationRatio: n.optional(),
  evictedKeys: n.default(0),
  expiredKeys: n.optional(),
  rejectedConnections: n.default(0),
  totalConnectionsReceived: n.optional(),
  connectedClients: n,
  blockedClients: n.optional(),
  maxclients: n.optional(),
  rdbLastBgsaveStatus: text.optional(),
  rdbLastSaveTime: n.optional(),
  rdbChangesSinceLastSave: n.optional(),
  rdbBgsaveInProgress: n.optional(),
  aofEnabled: n.optional(),
  aofLastWriteStatus: text.optional(),
  aofLastBgrewriteStatus: text.optional(),
  aofRewriteInProgress: n.optional(),
  loading: n.optional(),
  connectedReplicas: n.optional(),
  masterLinkStatus: text.optional(),
});
export type RedisInfoSection = z.infer<typeof redisInfoSection>;

/** Sections per engine, in the order the module collects them; the collector's measurement set is the engine name. */
export const DB_SECTIONS = {
  postgres: ['pg_statements', 'pg_tables', 'pg_connections', 'pg_activity', 'pg_locks', 'pg_replication', 'pg_cache', 'pg_wraparound'],
  mysql: ['mysql_statements', 'mysql_tables', 'mysql_connections', 'mysql_buffer_pool', 'mysql_replication'],
  redis: ['redis_info'],
} as const;
