import type { AnyCheck } from '../../check.js';
import { mysqlSlowQueriesMean, mysqlSlowQueriesTotal, pgSlowStatementsMean, pgSlowStatementsTotal } from './slow-statements.js';
import { mysqlTableGrowth, mysqlTableSize, pgTableGrowth, pgTableSize } from './table-volume.js';
import { pgCacheHit, pgConnections, pgLocks, pgLockWaits, pgLongTransactions, pgWraparound } from './postgres-health.js';
import { mysqlReplicationLag, pgReplicationLag } from './replication-lag.js';
import { mysqlAbortedConnections, mysqlBufferPool, mysqlConnections } from './mysql-health.js';
import { redisClients, redisEvictions, redisMemory, redisPersistence, redisRejectedConnections } from './redis.js';

/** Every db check, in catalog order. Add new checks here (one line each). */
export const dbChecks: AnyCheck[] = [
  // PostgreSQL (collector "postgres")
  pgSlowStatementsMean,
  pgSlowStatementsTotal,
  pgTableSize,
  pgTableGrowth,
  pgConnections,
  pgLongTransactions,
  pgLockWaits,
  pgLocks,
  pgReplicationLag,
  pgCacheHit,
  pgWraparound,
  // MySQL / MariaDB (collector "mysql")
  mysqlSlowQueriesMean,
  mysqlSlowQueriesTotal,
  mysqlTableSize,
  mysqlTableGrowth,
  mysqlConnections,
  mysqlAbortedConnections,
  mysqlReplicationLag,
  mysqlBufferPool,
  // Redis (collector "redis")
  redisMemory,
  redisEvictions,
  redisClients,
  redisRejectedConnections,
  redisPersistence,
];
