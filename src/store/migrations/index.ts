import type { PatrolMigration } from './migration.js';
import { coreMigration } from './0001-core.js';
import { reportsAlertsMigration } from './0002-reports-alerts.js';
import { distributedMigration } from './0003-distributed.js';
import { serverApiMigration } from './0004-server-api.js';
import { schedulerMigration } from './0005-scheduler.js';
import { remediationMigration } from './0006-remediation.js';
import { remediationDecisionsMigration } from './0007-remediation-decisions.js';

/** Every migration, in order. Add new ones at the end; never reorder or edit released ones. */
export const MIGRATIONS: readonly PatrolMigration[] = [coreMigration, reportsAlertsMigration, distributedMigration, serverApiMigration, schedulerMigration, remediationMigration, remediationDecisionsMigration];
