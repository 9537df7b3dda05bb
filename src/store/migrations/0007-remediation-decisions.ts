import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { PatrolMigration } from './migration.js';
import { msColumn } from './0001-core.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/**
 * Automatic remediation decisions: every finding an auto-remediation rule matched, started or
 * skipped with the reason (circuit breaker open, blast radius), so a person can see why a finding
 * was not fixed automatically.
 */
export const remediationDecisionsMigration: PatrolMigration = {
  id: '0007-remediation-decisions',
  async up(db: Db, dialect: DialectName) {
    const ms = msColumn(dialect);
    await db.schema
      .createTable('remediation_decisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('inspection_run_id', 'text', (c) => c.notNull())
      .addColumn('finding_id', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('check_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('run_id', 'text')
      .addColumn('decided_at', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('remediation_decisions_target_idx').on('remediation_decisions').columns(['target', 'decided_at']).execute();
    await db.schema.createIndex('remediation_decisions_run_idx').on('remediation_decisions').columns(['inspection_run_id']).execute();
  },
};
