/**
 * Tables of the Patrol server (migration 0004-server-api): users, roles and bindings, API tokens,
 * console sessions, the audit log, stored workflows and inventories (versioned), schedules, and
 * which approval requests were notified. Timestamps are epoch milliseconds; JSON is text.
 */
export interface ServerTables {
  users: UsersTable;
  roles: RolesTable;
  role_bindings: RoleBindingsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  workflows: WorkflowsTable;
  inventories: InventoriesTable;
  schedules: SchedulesTable;
  approval_notifications: ApprovalNotificationsTable;
}

export interface UsersTable {
  id: string;
  /** Login name, unique. */
  name: string;
  display_name: string | null;
  email: string | null;
  /** bcrypt hash; null for service accounts that only use API tokens. */
  password_hash: string | null;
  /** JSON list of group names (role bindings may name groups). */
  groups: string;
  disabled: number;
  /** Consecutive failed logins since the last success (lockout). */
  failed_logins: number;
  locked_until: number | null;
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface RolesTable {
  name: string;
  description: string | null;
  /** JSON list of permission names. */
  permissions: string;
  /** 1 for viewer/operator/approver/admin: not editable. */
  builtin: number;
  created_at: number;
  updated_at: number;
}

export interface RoleBindingsTable {
  id: string;
  /** user | group */
  subject_kind: string;
  subject: string;
  role: string;
  /** A namespace, or "*" for every namespace and the global resources. */
  namespace: string;
  created_by: string | null;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 (hex) of the secret token; the token itself is shown once and never stored. */
  token_hash: string;
  /** JSON list of permissions the token is limited to; null = everything its user may do. */
  scopes: string | null;
  expires_at: number | null;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionsTable {
  /** sha256 (hex) of the session id held in the cookie. */
  id_hash: string;
  user_id: string;
  /** Sent back in X-CSRF-Token on unsafe requests authenticated by the cookie. */
  csrf_token: string;
  created_at: number;
  /** Sliding idle expiry, capped by absolute_expires_at. */
  expires_at: number;
  absolute_expires_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditLogTable {
  /** ULID: sorting by id sorts by time. */
  id: string;
  at: number;
  /** User name, "token:<id>" owner name, "system", or the attempted name of a failed login. */
  actor: string;
  /** user | token | session | system | anonymous */
  actor_kind: string;
  /** e.g. runs.trigger, auth.login, credentials.write */
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  namespace: string | null;
  ip: string | null;
  user_agent: string | null;
  /** success | failure | denied */
  outcome: string;
  /** JSON: request fields worth keeping (never secret values), error code and message. */
  details: string | null;
}

export interface WorkflowsTable {
  namespace: string;
  name: string;
  version: number;
  yaml: string;
  description: string | null;
  created_by: string | null;
  created_at: number;
}

export interface InventoriesTable {
  namespace: string;
  name: string;
  version: number;
  /** ini | yaml */
  format: string;
  content: string;
  description: string | null;
  created_by: string | null;
  created_at: number;
}

export interface SchedulesTable {
  id: string;
  namespace: string;
  name: string;
  workflow: string;
  /** null = the latest version when the schedule fires. */
  workflow_version: number | null;
  /** Cron expression (5 or 6 fields). */
  cron: string;
  /** IANA time zone, e.g. Europe/Paris. */
  timezone: string;
  /** JSON params passed to each run. */
  params: string;
  enabled: number;
  description: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  /** Set by the scheduler. */
  next_run_at: number | null;
  last_run_at: number | null;
  last_run_id: string | null;
}

export interface ApprovalNotificationsTable {
  approval_id: string;
  notified_at: number;
  /** JSON: per channel outcome. */
  result: string;
}
