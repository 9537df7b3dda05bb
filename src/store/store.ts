import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.js';
import type { DialectName } from './dialect.js';
import { MIGRATIONS } from './migrations/index.js';
import { RunRepository } from './runs-repository.js';
import { LogRepository } from './logs-repository.js';
import { CredentialRepository } from './credentials-repository.js';
import { FindingRepository } from './findings-repository.js';
import { ReportRunRepository } from './report-runs-repository.js';
import { DeliveryRepository } from './deliveries-repository.js';
import { AlertRepository } from './alerts-repository.js';
import { SilenceRepository } from './silences-repository.js';
import { ApprovalRepository } from './approvals-repository.js';
import { UserRepository } from './users-repository.js';
import { RoleRepository } from './roles-repository.js';
import { TokenRepository } from './tokens-repository.js';
import { AuditRepository } from './audit-repository.js';
import { WorkflowRepository } from './workflows-repository.js';
import { InventoryRepository } from './inventories-repository.js';
import { ScheduleRepository } from './schedules-repository.js';
import { ApprovalNotificationRepository } from './approval-notifications-repository.js';
import { InspectionRepository } from './inspections-repository.js';
import { ReportQueryRepository } from './report-queries-repository.js';
import { WorkerRepository } from './workers-repository.js';
import { ScheduleFiringRepository } from './schedule-firings-repository.js';
import { LeaseRepository } from './leases-repository.js';
import { RemediationRepository } from './remediations-repository.js';
import { PatrolError } from '../errors/index.js';

/**
 * Patrol's source of truth. One class over Kysely for both SQLite (embedded) and PostgreSQL
 * (distributed); repositories group the queries by concern. Inside `transaction`, the store
 * passed to the callback runs every query in that transaction.
 */
export class Store {
  readonly runs: RunRepository;
  readonly logs: LogRepository;
  readonly credentials: CredentialRepository;
  readonly findings: FindingRepository;
  readonly reports: ReportRunRepository;
  readonly deliveries: DeliveryRepository;
  readonly alerts: AlertRepository;
  readonly silences: SilenceRepository;
  readonly approvals: ApprovalRepository;
  readonly users: UserRepository;
  readonly roles: RoleRepository;
  readonly tokens: TokenRepository;
  readonly audit: AuditRepository;
  readonly workflows: WorkflowRepository;
  readonly inventories: InventoryRepository;
  readonly schedules: ScheduleRepository;
  readonly approvalNotifications: ApprovalNotificationRepository;
  readonly inspections: InspectionRepository;
  readonly reportQueries: ReportQueryRepository;
  readonly workers: WorkerRepository;
  readonly firings: ScheduleFiringRepository;
  readonly leases: LeaseRepository;
  readonly remediations: RemediationRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: DialectName,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.runs = new RunRepository(db, dialect);
    this.logs = new LogRepository(db);
    this.credentials = new CredentialRepository(db);
    this.findings = new FindingRepository(db);
    this.reports = new ReportRunRepository(db);
    this.deliveries = new DeliveryRepository(db);
    this.alerts = new AlertRepository(db);
    this.silences = new SilenceRepository(db);
    this.approvals = new ApprovalRepository(db);
    this.users = new UserRepository(db);
    this.roles = new RoleRepository(db);
    this.tokens = new TokenRepository(db);
    this.audit = new AuditRepository(db);
    this.workflows = new WorkflowRepository(db);
    this.inventories = new InventoryRepository(db);
    this.schedules = new ScheduleRepository(db);
    this.approvalNotifications = new ApprovalNotificationRepository(db);
    this.inspections = new InspectionRepository(db);
    this.reportQueries = new ReportQueryRepository(db);
    this.workers = new WorkerRepository(db);
    this.firings = new ScheduleFiringRepository(db);
    this.leases = new LeaseRepository(db);
    this.remediations = new RemediationRepository(db);
  }

  /** Runs `fn` in one transaction (BEGIN IMMEDIATE on SQLite, so writers never deadlock). */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect)));
  }

  async migrate(): Promise<void> {
    const dialect = this.dialect;
    const provider: MigrationProvider = {
      async getMigrations() {
        const out: Record<string, Migration> = {};
        for (const m of MIGRATIONS) out[m.id] = { up: (db) => m.up(db, dialect) };
        return out;
      },
    };
    const { error, results } = await new Migrator({ db: this.db, provider, migrationTableName: 'patrol_migrations', migrationLockTableName: 'patrol_migrations_lock' }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new PatrolError(`database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, {
        code: 'migration-failed',
        retryable: false,
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.onClose();
  }
}
