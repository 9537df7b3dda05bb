import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/** A schema change that runs once, in order, on every store (SQLite and PostgreSQL). */
export interface PatrolMigration {
  /** Sortable id, e.g. `0001-core`. Never rename a released one. */
  id: string;
  // Migrations are written against the schema as it was, not the current Database type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
}
