import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from './database.js';
import type { InventoriesTable } from './server-tables.js';
import type { Page } from './records.js';
import { deleteAllVersions, latestVersion, pageByName, pageByVersion } from './versioned-documents.js';

export const INVENTORY_FORMATS = ['ini', 'yaml'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

export interface StoredInventory {
  namespace: string;
  name: string;
  version: number;
  format: InventoryFormat;
  content: string;
  description: string | null;
  createdBy: string | null;
  createdAt: number;
}

export type StoredInventorySummary = Omit<StoredInventory, 'content'>;

/** Ansible inventories stored through the API, versioned like workflows; runs read them from here on any worker. */
export class InventoryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(i: StoredInventory): Promise<void> {
    await this.db
      .insertInto('inventories')
      .values({ namespace: i.namespace, name: i.name, version: i.version, format: i.format, content: i.content, description: i.description, created_by: i.createdBy, created_at: i.createdAt })
      .execute();
  }

  latestVersion(namespace: string, name: string): Promise<number | undefined> {
    return latestVersion(this.db, 'inventories', namespace, name);
  }

  /** One version, or the latest when `version` is undefined. */
  async get(namespace: string, name: string, version?: number): Promise<StoredInventory | undefined> {
    let q = this.db.selectFrom('inventories').selectAll().where('namespace', '=', namespace).where('name', '=', name);
    q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
    const r = await q.executeTakeFirst();
    return r ? toInventory(r) : undefined;
  }

  /** The latest version of each inventory by namespace and name; `next` is JSON [namespace, name]. */
  async listLatest(opts: { namespaces?: readonly string[]; after?: { namespace: string; name: string }; limit: number }): Promise<Page<StoredInventorySummary>> {
    let q = this.db
      .selectFrom('inventories as i')
      .select(['i.namespace', 'i.name', 'i.version', 'i.format', 'i.description', 'i.created_by', 'i.created_at'])
      .where('i.version', '=', (eb) => eb.selectFrom('inventories as i2').select((e2) => e2.fn.max<number>('i2.version').as('m')).whereRef('i2.namespace', '=', 'i.namespace').whereRef('i2.name', '=', 'i.name'))
      .orderBy('i.namespace')
      .orderBy('i.name')
      .limit(opts.limit + 1);
    if (opts.namespaces) q = opts.namespaces.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('i.namespace', 'in', [...opts.namespaces]);
    const after = opts.after;
    if (after) q = q.where((eb) => eb.or([eb('i.namespace', '>', after.namespace), eb.and([eb('i.namespace', '=', after.namespace), eb('i.name', '>', after.name)])]));
    return pageByName((await q.execute()).map((r) => toSummary(r)), opts.limit);
  }

  async versions(namespace: string, name: string, opts: { before?: number; limit: number }): Promise<Page<StoredInventorySummary>> {
    let q = this.db
      .selectFrom('inventories')
      .select(['namespace', 'name', 'version', 'format', 'description', 'created_by', 'created_at'])
      .where('namespace', '=', namespace)
      .where('name', '=', name)
      .orderBy('version', 'desc')
      .limit(opts.limit + 1);
    if (opts.before !== undefined) q = q.where('version', '<', opts.before);
    return pageByVersion((await q.execute()).map((r) => toSummary(r)), opts.limit);
  }

  deleteAll(namespace: string, name: string): Promise<number> {
    return deleteAllVersions(this.db, 'inventories', namespace, name);
  }
}

function toSummary(r: Omit<Selectable<InventoriesTable>, 'content'>): StoredInventorySummary {
  return { namespace: r.namespace, name: r.name, version: Number(r.version), format: r.format as InventoryFormat, description: r.description, createdBy: r.created_by, createdAt: Number(r.created_at) };
}

function toInventory(r: Selectable<InventoriesTable>): StoredInventory {
  return { ...toSummary(r), content: r.content };
}
