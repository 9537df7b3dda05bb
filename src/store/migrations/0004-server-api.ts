import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { PatrolMigration } from './migration.js';
import { msColumn } from './0001-core.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/**
 * The server: users, roles, role bindings, API tokens, sessions, the audit log, stored workflows
 * and inventories with versions, schedules, approval notifications; and indexes for keyset paging
 * of runs and findings by the API (newest first, by id).
 */
export const serverApiMigration: PatrolMigration = {
  id: '0004-server-api',
  async up(db: Db, dialect: DialectName) {
    const ms = msColumn(dialect);
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text')
      .addColumn('email', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('groups', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', ms)
      .addColumn('last_login_at', ms)
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('updated_at', ms, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('roles')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text')
      .addColumn('permissions', 'text', (c) => c.notNull())
      .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('updated_at', ms, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('role_bindings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subject_kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', ms, (c) => c.notNull())
      .addUniqueConstraint('role_bindings_uq', ['subject_kind', 'subject', 'role', 'namespace'])
      .execute();
    await db.schema.createIndex('role_bindings_role_idx').on('role_bindings').columns(['role']).execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('scopes', 'text')
      .addColumn('expires_at', ms)
      .addColumn('created_by', 'text')
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('last_used_at', ms)
      .addColumn('revoked_at', ms)
      .execute();
    await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').columns(['user_id', 'id']).execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('expires_at', ms, (c) => c.notNull())
      .addColumn('absolute_expires_at', ms, (c) => c.notNull())
      .addColumn('last_seen_at', ms, (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id']).execute();
    await db.schema.createIndex('sessions_expires_idx').on('sessions').columns(['expires_at']).execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', ms, (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('resource_type', 'text')
      .addColumn('resource_id', 'text')
      .addColumn('namespace', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .execute();
    await db.schema.createIndex('audit_actor_idx').on('audit_log').columns(['actor', 'id']).execute();
    await db.schema.createIndex('audit_action_idx').on('audit_log').columns(['action', 'id']).execute();
    await db.schema.createIndex('audit_resource_idx').on('audit_log').columns(['resource_type', 'resource_id', 'id']).execute();

    await db.schema
      .createTable('workflows')
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('yaml', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', ms, (c) => c.notNull())
      .addPrimaryKeyConstraint('workflows_pk', ['namespace', 'name', 'version'])
      .execute();

    await db.schema
      .createTable('inventories')
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', ms, (c) => c.notNull())
      .addPrimaryKeyConstraint('inventories_pk', ['namespace', 'name', 'version'])
      .execute();

    await db.schema
      .createTable('schedules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('workflow', 'text', (c) => c.notNull())
      .addColumn('workflow_version', 'integer')
      .addColumn('cron', 'text', (c) => c.notNull())
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('description', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('updated_at', ms, (c) => c.notNull())
      .addColumn('next_run_at', ms)
      .addColumn('last_run_at', ms)
      .addColumn('last_run_id', 'text')
      .addUniqueConstraint('schedules_name_uq', ['namespace', 'name'])
      .execute();
    await db.schema.createIndex('schedules_next_idx').on('schedules').columns(['enabled', 'next_run_at']).execute();

    await db.schema
      .createTable('approval_notifications')
      .addColumn('approval_id', 'text', (c) => c.primaryKey())
      .addColumn('notified_at', ms, (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .execute();

    // Keyset paging of the API: newest first by id (ULIDs sort by time) under each filter.
    await db.schema.createIndex('runs_status_id_idx').on('runs').columns(['status', 'id']).execute();
    await db.schema.createIndex('runs_ns_id_idx').on('runs').columns(['namespace', 'id']).execute();
    await db.schema.createIndex('runs_ns_wf_id_idx').on('runs').columns(['namespace', 'workflow', 'id']).execute();
    await db.schema.createIndex('runs_wf_id_idx').on('runs').columns(['workflow', 'id']).execute();
    await db.schema.createIndex('runs_inspection_id_idx').on('runs').columns(['inspection', 'id']).execute();
    await db.schema.createIndex('findings_check_id_idx').on('findings').columns(['check_id', 'id']).execute();
    await db.schema.createIndex('findings_severity_id_idx').on('findings').columns(['severity', 'id']).execute();
    await db.schema.createIndex('findings_target_id_idx').on('findings').columns(['target', 'id']).execute();
    await db.schema.createIndex('findings_host_id_idx').on('findings').columns(['host', 'id']).execute();
    await db.schema.createIndex('findings_fp_id_idx').on('findings').columns(['fingerprint', 'id']).execute();
    await db.schema.createIndex('findings_run_id_idx').on('findings').columns(['run_id', 'id']).execute();
    await db.schema.createIndex('approvals_ns_id_idx').on('approvals').columns(['namespace', 'id']).execute();
  },
};
