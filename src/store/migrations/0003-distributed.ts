import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { PatrolMigration } from './migration.js';
import { msColumn } from './0001-core.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** Worker registry (heartbeats, capacity) and schedule firings (exactly once per schedule and due time). */
export const distributedMigration: PatrolMigration = {
  id: '0003-distributed',
  async up(db: Db, dialect: DialectName) {
    const ms = msColumn(dialect);
    await db.schema
      .createTable('workers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('accepts', 'text', (c) => c.notNull())
      .addColumn('concurrency', 'integer', (c) => c.notNull())
      .addColumn('running', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('started_at', ms, (c) => c.notNull())
      .addColumn('heartbeat_at', ms, (c) => c.notNull())
      .addColumn('stopped_at', ms)
      .execute();
    await db.schema.createIndex('workers_heartbeat_idx').on('workers').columns(['heartbeat_at']).execute();

    await db.schema
      .createTable('leases')
      // "host:web-1", "namespace:prod", "db:orders": one holder at a time across all runs and servers.
      .addColumn('target', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('acquired_at', ms, (c) => c.notNull())
      .addColumn('expires_at', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('leases_holder_idx').on('leases').columns(['run_id', 'step', 'attempt']).execute();

    await db.schema
      .createTable('schedule_firings')
      .addColumn('schedule_id', 'text', (c) => c.notNull())
      .addColumn('due_at', ms, (c) => c.notNull())
      .addColumn('fired_at', ms, (c) => c.notNull())
      .addColumn('fired_by', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      // One row per schedule and due time: the insert that wins fires; every other server's fails.
      .addPrimaryKeyConstraint('schedule_firings_pk', ['schedule_id', 'due_at'])
      .execute();
  },
};
