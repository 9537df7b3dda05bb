import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { PatrolMigration } from './migration.js';
import { msColumn } from './0001-core.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** Remediation runs by finding and target: the circuit breaker counts them per window. */
export const remediationMigration: PatrolMigration = {
  id: '0006-remediation',
  async up(db: Db, dialect: DialectName) {
    const ms = msColumn(dialect);
    await db.schema
      .createTable('remediations')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('finding_id', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('check_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('workflow', 'text', (c) => c.notNull())
      .addColumn('automatic', 'integer', (c) => c.notNull())
      .addColumn('started_by', 'text')
      .addColumn('started_at', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('remediations_target_idx').on('remediations').columns(['target', 'started_at']).execute();
    await db.schema.createIndex('remediations_fp_idx').on('remediations').columns(['fingerprint', 'started_at']).execute();
  },
};
