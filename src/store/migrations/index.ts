import type { PatrolMigration } from './migration.js';
import { coreMigration } from './0001-core.js';
import { reportsAlertsMigration } from './0002-reports-alerts.js';

/** Every migration, in order. Add new ones at the end; never reorder or edit released ones. */
export const MIGRATIONS: readonly PatrolMigration[] = [coreMigration, reportsAlertsMigration];
