import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { PatrolMigration } from './migration.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/** bigint in PostgreSQL (epoch ms overflow int4), integer in SQLite (always 64-bit). */
export function msColumn(dialect: DialectName) {
  return dialect === 'postgres' ? 'bigint' : 'integer';
}

/** Runs, steps, attempts, logs, credentials and findings. */
export const coreMigration: PatrolMigration = {
  id: '0001-core',
  async up(db: Db, dialect: DialectName) {
    const ms = msColumn(dialect);
    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workflow', 'text', (c) => c.notNull())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('error', 'text')
      .addColumn('concurrency_key', 'text')
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('triggered_by', 'text')
      .addColumn('retry_of', 'text')
      // Runs of the same inspection (by name) are compared with each other.
      .addColumn('inspection', 'text')
      .addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('started_at', ms)
      .addColumn('finished_at', ms)
      .addColumn('deadline_at', ms)
      .addColumn('cancel_requested_at', ms)
      .addColumn('cancel_reason', 'text')
      .addColumn('owner', 'text')
      .addColumn('heartbeat_at', ms)
      .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
      // Per-step input overrides (e.g. a retry limited to the hosts that failed), JSON.
      .addColumn('overrides', 'text')
      .execute();
    await db.schema.createIndex('runs_status_idx').on('runs').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('runs_workflow_idx').on('runs').columns(['namespace', 'workflow', 'created_at']).execute();
    await db.schema.createIndex('runs_inspection_idx').on('runs').columns(['inspection', 'created_at']).execute();
    await db.schema.createIndex('runs_concurrency_idx').on('runs').columns(['concurrency_key', 'status']).execute();

    await db.schema
      .createTable('steps')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('base', 'text', (c) => c.notNull())
      .addColumn('idx', 'integer')
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('outputs', 'text')
      .addColumn('error', 'text')
      .addColumn('item', 'text')
      .addColumn('reason', 'text')
      .addColumn('reused_from', 'text')
      .addColumn('next_attempt_at', ms)
      .addColumn('started_at', ms)
      .addColumn('finished_at', ms)
      // Needs not yet terminal; decremented as they end, so readiness is O(1) however wide a fan-in.
      .addColumn('pending_needs', 'integer', (c) => c.notNull().defaultTo(0))
      // What a waiting step waits for (kind, ref, expiry), JSON.
      .addColumn('wait', 'text')
      .addPrimaryKeyConstraint('steps_pk', ['run_id', 'name'])
      .execute();
    await db.schema.createIndex('steps_status_idx').on('steps').columns(['run_id', 'phase', 'status']).execute();
    await db.schema.createIndex('steps_base_idx').on('steps').columns(['run_id', 'base', 'idx']).execute();

    await db.schema
      .createTable('step_attempts')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('owner', 'text')
      .addColumn('queued_at', ms, (c) => c.notNull())
      .addColumn('started_at', ms)
      .addColumn('finished_at', ms)
      .addColumn('exit_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('outputs', 'text')
      // Process groups the attempt started ("host:pgid"), so recovery can stop orphans.
      .addColumn('processes', 'text')
      .addPrimaryKeyConstraint('step_attempts_pk', ['run_id', 'step', 'attempt'])
      .execute();
    await db.schema.createIndex('step_attempts_status_idx').on('step_attempts').columns(['status']).execute();
    await db.schema.createIndex('step_attempts_run_status_idx').on('step_attempts').columns(['run_id', 'status']).execute();

    await db.schema
      .createTable('step_logs')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('ts', ms, (c) => c.notNull())
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('step_logs_run_idx').on('step_logs').columns(['run_id', 'id']).execute();
    await db.schema.createIndex('step_logs_step_idx').on('step_logs').columns(['run_id', 'step', 'id']).execute();

    await db.schema
      .createTable('approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('plan', 'text')
      .addColumn('approvers', 'text', (c) => c.notNull())
      .addColumn('requested_at', ms, (c) => c.notNull())
      .addColumn('expires_at', ms)
      .addColumn('on_timeout', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', ms)
      .addColumn('comment', 'text')
      .addUniqueConstraint('approvals_step_uq', ['run_id', 'step', 'attempt'])
      .execute();
    await db.schema.createIndex('approvals_status_idx').on('approvals').columns(['status', 'requested_at']).execute();

    await db.schema
      .createTable('credentials')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('username', 'text')
      .addColumn('field_names', 'text', (c) => c.notNull())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('updated_at', ms, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('findings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('check_id', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('host', 'text')
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('title', 'text')
      .addColumn('value', 'text')
      .addColumn('unit', 'text')
      .addColumn('threshold', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text')
      .addColumn('remediation', 'text')
      .addColumn('remediation_workflow', 'text')
      .addColumn('labels', 'text')
      .addColumn('details', 'text')
      .addColumn('exemption', 'text')
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('findings_run_idx').on('findings').columns(['run_id', 'severity']).execute();
    await db.schema.createIndex('findings_fp_idx').on('findings').columns(['fingerprint', 'created_at']).execute();
    await db.schema.createIndex('findings_check_idx').on('findings').columns(['check_id', 'created_at']).execute();
  },
};
