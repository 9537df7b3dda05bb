import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/**
 * SQLite with `BEGIN IMMEDIATE` transactions: several Patrol processes (a running `patrol run`,
 * a `patrol cancel` from another terminal) share one database file, and a deferred transaction
 * that reads then writes fails with SQLITE_BUSY when another process wrote in between.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver() as SqliteDriver;
    const begin = async (connection: DatabaseConnection): Promise<void> => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    driver.beginTransaction = begin;
    return driver;
  }
}
