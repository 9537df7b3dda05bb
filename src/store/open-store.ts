import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely } from 'kysely';
import type { Database } from './database.js';
import { ImmediateSqliteDialect } from './dialect.js';
import { Store } from './store.js';
import { InputError } from '../errors/index.js';

export interface StoreOptions {
  /**
   * `sqlite:///path/to/patrol.db`, a plain file path, `:memory:`, or a
   * `postgres://` URL (DATABASE_URL) for the distributed mode.
   */
  url: string;
  /** Run migrations on open. @defaultValue true */
  migrate?: boolean;
}

/** Opens (and migrates) the store named by `url`. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const url = opts.url;
  let store: Store;
  if (/^postgres(ql)?:\/\//.test(url)) {
    // Loaded lazily: the embedded mode never needs the PostgreSQL driver.
    const { openPostgresStore } = await import('./postgres-store.js');
    store = await openPostgresStore(url);
  } else {
    const file = url.startsWith('sqlite://') ? url.slice('sqlite://'.length) : url;
    if (file === '') throw new InputError('empty database path', { field: 'DATABASE_URL' });
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 10000');
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    store = new Store(db, 'sqlite');
  }
  if (opts.migrate !== false) await store.migrate();
  return store;
}
