import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { PatrolMigration } from './migration.js';
import { msColumn } from './0001-core.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** Report scores and files per run, deliveries (emails, notifications), alert state and silences. */
export const reportsAlertsMigration: PatrolMigration = {
  id: '0002-reports-alerts',
  async up(db: Db, dialect: DialectName) {
    const ms = msColumn(dialect);
    await db.schema
      .createTable('report_runs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('inspection', 'text')
      .addColumn('score_x10', 'integer', (c) => c.notNull())
      .addColumn('grade', 'text', (c) => c.notNull())
      .addColumn('counts', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('files', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', ms, (c) => c.notNull())
      .execute();
    // Score history: the last N runs of an inspection up to a run id.
    await db.schema.createIndex('report_runs_inspection_idx').on('report_runs').columns(['inspection', 'run_id']).execute();

    await db.schema
      .createTable('deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('channel_type', 'text', (c) => c.notNull())
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('response', 'text')
      .addColumn('alerts', 'text')
      .addColumn('bytes', 'integer')
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('finished_at', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('deliveries_run_idx').on('deliveries').columns(['run_id', 'id']).execute();
    await db.schema.createIndex('deliveries_status_idx').on('deliveries').columns(['status', 'id']).execute();

    await db.schema
      .createTable('alerts')
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('inspection', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('annotations', 'text', (c) => c.notNull())
      .addColumn('finding_fingerprint', 'text', (c) => c.notNull())
      .addColumn('check_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('host', 'text')
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('starts_at', ms, (c) => c.notNull())
      .addColumn('ends_at', ms)
      .addColumn('last_seen_at', ms, (c) => c.notNull())
      .addColumn('last_run_id', 'text', (c) => c.notNull())
      .addColumn('notified', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('silenced_by', 'text')
      .addColumn('updated_at', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alerts_inspection_idx').on('alerts').columns(['inspection', 'state']).execute();
    await db.schema.createIndex('alerts_state_idx').on('alerts').columns(['state', 'updated_at']).execute();

    await db.schema
      .createTable('silences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('matchers', 'text', (c) => c.notNull())
      .addColumn('starts_at', ms, (c) => c.notNull())
      .addColumn('ends_at', ms, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('updated_at', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('silences_ends_idx').on('silences').columns(['ends_at']).execute();
  },
};
