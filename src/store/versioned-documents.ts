import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { Page } from './records.js';

/** Tables of documents stored by namespace, name and version, where every change is a new version. */
type VersionedTable = 'workflows' | 'inventories';

/** The highest version stored under namespace/name, or undefined when there is none. */
export async function latestVersion(db: Kysely<Database>, table: VersionedTable, namespace: string, name: string): Promise<number | undefined> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.max<number>('version').as('v'))
    .where('namespace', '=', namespace)
    .where('name', '=', name)
    .executeTakeFirst();
  return r?.v === null || r?.v === undefined ? undefined : Number(r.v);
}

/** Removes every version of namespace/name; returns how many rows went. */
export async function deleteAllVersions(db: Kysely<Database>, table: VersionedTable, namespace: string, name: string): Promise<number> {
  const res = await db.deleteFrom(table).where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** A page of rows keyed by (namespace, name), fetched with one row over `limit`; `next` is JSON [namespace, name]. */
export function pageByName<T extends { namespace: string; name: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, next: JSON.stringify([last.namespace, last.name]) } : { items };
}

/** A page of one document's versions, newest first, fetched with one row over `limit`; `next` is the last version. */
export function pageByVersion<T extends { version: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items, next: String(items[items.length - 1]!.version) } : { items };
}
