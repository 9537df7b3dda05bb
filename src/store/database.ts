import type { Generated } from 'kysely';
import type { ServerTables } from './server-tables.js';

/**
 * The relational schema shared by the SQLite and PostgreSQL stores. Timestamps are epoch
 * milliseconds; JSON values are stored as text so both dialects read them the same way.
 */
export interface Database extends ServerTables {
  runs: RunsTable;
  steps: StepsTable;
  step_attempts: StepAttemptsTable;
  step_logs: StepLogsTable;
  credentials: CredentialsTable;
  findings: FindingsTable;
  report_runs: ReportRunsTable;
  deliveries: DeliveriesTable;
  alerts: AlertsTable;
  silences: SilencesTable;
  approvals: ApprovalsTable;
  workers: WorkersTable;
  schedule_firings: ScheduleFiringsTable;
  leases: LeasesTable;
  remediations: RemediationsTable;
  remediation_decisions: RemediationDecisionsTable;
  /** The API's schedules plus the scheduler's policy columns (migration 0005). */
  schedules: ServerTables['schedules'] & SchedulerColumns;
}

export interface SchedulerColumns {
  /** skip | run-once: what to do with due times missed while no server ran. @defaultValue run-once */
  misfire: Generated<string>;
  /** skip | queue | cancel-older: when the previous run of the schedule is still active. @defaultValue skip */
  overlap: Generated<string>;
  /** Inspection name for runs of this schedule (runs with the same name are compared). */
  inspection: string | null;
  /** JSON labels for the runs. @defaultValue {} */
  labels: Generated<string>;
}

export interface ApprovalsTable {
  id: string;
  run_id: string;
  step: string;
  attempt: number;
  namespace: string;
  /** pending | approved | rejected | expired | cancelled */
  status: string;
  message: string;
  /** What will happen if approved (a dry run's diff, a plan), capped. */
  plan: string | null;
  /** JSON { users: string[], roles: string[] }. */
  approvers: string;
  requested_at: number;
  expires_at: number | null;
  /** approve | reject: the outcome when nobody decides in time. */
  on_timeout: string;
  decided_by: string | null;
  decided_at: number | null;
  comment: string | null;
}

export interface RunsTable {
  id: string;
  workflow: string;
  namespace: string;
  /** The validated workflow definition (JSON) the run executes; later edits don't change it. */
  definition: string;
  params: string;
  status: string;
  /** Why the run ended the way it did (or waits), for humans. */
  reason: string | null;
  error: string | null;
  concurrency_key: string | null;
  trigger: string;
  triggered_by: string | null;
  retry_of: string | null;
  inspection: string | null;
  labels: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  deadline_at: number | null;
  cancel_requested_at: number | null;
  cancel_reason: string | null;
  /** The process driving the run (embedded mode) and its last sign of life. */
  owner: string | null;
  heartbeat_at: number | null;
  dry_run: number;
  overrides: string | null;
}

export interface StepsTable {
  run_id: string;
  /** Instance name: `scan` or `scan[2]`. */
  name: string;
  /** The step definition name (`scan` for `scan[2]`). */
  base: string;
  idx: number | null;
  phase: string;
  status: string;
  attempts: number;
  outputs: string | null;
  error: string | null;
  item: string | null;
  reason: string | null;
  reused_from: string | null;
  next_attempt_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  pending_needs: number;
  wait: string | null;
}

export interface StepAttemptsTable {
  run_id: string;
  step: string;
  attempt: number;
  status: string;
  owner: string | null;
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  outputs: string | null;
  processes: string | null;
}

export interface StepLogsTable {
  id: Generated<number>;
  run_id: string;
  step: string;
  attempt: number;
  seq: number;
  ts: number;
  stream: string;
  message: string;
}

export interface CredentialsTable {
  name: string;
  type: string;
  description: string | null;
  username: string | null;
  field_names: string;
  /** base64(iv | auth tag | ciphertext) of the JSON fields, AES-256-GCM. */
  ciphertext: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

export interface FindingsTable {
  id: string;
  run_id: string;
  step: string;
  check_id: string;
  category: string;
  target: string;
  host: string | null;
  severity: string;
  title: string | null;
  value: string | null;
  unit: string | null;
  threshold: string | null;
  message: string;
  evidence: string | null;
  remediation: string | null;
  remediation_workflow: string | null;
  labels: string | null;
  details: string | null;
  exemption: string | null;
  fingerprint: string;
  created_at: number;
}

/** One row per run whose report was built: its score (for history charts) and the files written. */
export interface ReportRunsTable {
  run_id: string;
  inspection: string | null;
  /** Overall score in tenths (875 = 87.5), exact in both dialects. */
  score_x10: number;
  grade: string;
  /** JSON { bySeverity, findings, targets }. */
  counts: string;
  /** Run status when the report was built (finally steps see the provisional status). */
  status: string;
  /** JSON { html: path, json: path, ... }. */
  files: string;
  created_at: number;
}

/** Every attempt to deliver something (a report email, an alert notification) and its outcome. */
export interface DeliveriesTable {
  id: string;
  run_id: string;
  /** report | alert */
  kind: string;
  /** Channel name (alerts) or "report-email". */
  channel: string;
  /** email | webhook | slack | dingtalk | wecom | alertmanager */
  channel_type: string;
  /** Recipients, or the URL without its query (which may carry a token). */
  destination: string;
  subject: string | null;
  /** sent | failed */
  status: string;
  attempts: number;
  error: string | null;
  /** SMTP message id / response, HTTP status. */
  response: string | null;
  /** JSON list of alert fingerprints carried. */
  alerts: string | null;
  bytes: number | null;
  created_at: number;
  finished_at: number;
}

/** Alert state, one row per alert fingerprint (a label set), across runs. */
export interface AlertsTable {
  fingerprint: string;
  inspection: string;
  rule: string;
  /** firing | resolved */
  state: string;
  labels: string;
  annotations: string;
  finding_fingerprint: string;
  check_id: string;
  target: string;
  host: string | null;
  severity: string;
  starts_at: number;
  ends_at: number | null;
  last_seen_at: number;
  last_run_id: string;
  /** JSON { channel: { at, state } }: the last notification per channel. */
  notified: string;
  /** JSON list of silence ids that matched at the last evaluation. */
  silenced_by: string | null;
  updated_at: number;
}

/** Silences: time-bounded matcher sets that suppress notifications (findings stay visible). */
export interface SilencesTable {
  id: string;
  /** JSON [{ name, op, value }] with op one of = != =~ !~. */
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
  updated_at: number;
}

export interface WorkersTable {
  id: string;
  /** server | worker */
  role: string;
  host: string;
  pid: number;
  /** JSON { stepTypes: string[], advance: boolean } */
  accepts: string;
  concurrency: number;
  running: number;
  version: string;
  started_at: number;
  heartbeat_at: number;
  stopped_at: number | null;
}

export interface ScheduleFiringsTable {
  schedule_id: string;
  due_at: number;
  fired_at: number;
  fired_by: string;
  run_id: string | null;
  /** fired | skipped-misfire | skipped-overlap | failed */
  outcome: string;
}

export interface LeasesTable {
  target: string;
  run_id: string;
  step: string;
  attempt: number;
  acquired_at: number;
  expires_at: number;
}

export interface RemediationDecisionsTable {
  id: string;
  inspection_run_id: string;
  finding_id: string;
  fingerprint: string;
  check_id: string;
  target: string;
  environment: string;
  /** started | skipped */
  decision: string;
  reason: string | null;
  run_id: string | null;
  decided_at: number;
}

export interface RemediationsTable {
  run_id: string;
  finding_id: string;
  fingerprint: string;
  check_id: string;
  target: string;
  workflow: string;
  /** 1 when started by an auto-remediation rule. */
  automatic: number;
  started_by: string | null;
  started_at: number;
}
