import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { Store } from './store.js';
import { PatrolError } from '../errors/index.js';

/** Type OIDs whose text form we parse: int8 (bigint) timestamps and counts fit in a JS number. */
const INT8_OID = 20;

export interface PostgresStoreOptions {
  /** Connections in the pool. @defaultValue 10 */
  poolSize?: number;
}

/**
 * The PostgreSQL store of the distributed mode: the same schema and repositories as SQLite through
 * Kysely; epoch-millisecond bigint columns come back as numbers. Row locks (FOR UPDATE) serialise
 * advances of one run across servers and workers.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<Store> {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 24, types: types as pg.CustomTypesConfig, application_name: 'patrol' });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new PatrolError(`cannot connect to PostgreSQL at ${redact(url)}: ${(err as Error).message}`, { code: 'database-unavailable', retryable: true, cause: err });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new Store(db, 'postgres');
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1****@');
}
