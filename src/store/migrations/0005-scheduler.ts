import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { PatrolMigration } from './migration.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** What the scheduler needs on schedules: misfire and overlap policies, the inspection name, labels. */
export const schedulerMigration: PatrolMigration = {
  id: '0005-scheduler',
  async up(db: Db, _dialect: DialectName) {
    await db.schema.alterTable('schedules').addColumn('misfire', 'text', (c) => c.notNull().defaultTo('run-once')).execute();
    await db.schema.alterTable('schedules').addColumn('overlap', 'text', (c) => c.notNull().defaultTo('skip')).execute();
    await db.schema.alterTable('schedules').addColumn('inspection', 'text').execute();
    await db.schema.alterTable('schedules').addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}')).execute();
    await db.schema.createIndex('schedules_due_idx').on('schedules').columns(['enabled', 'next_run_at']).execute();
  },
};
