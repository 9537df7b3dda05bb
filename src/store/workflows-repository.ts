import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from './database.js';
import type { WorkflowsTable } from './server-tables.js';
import type { Page } from './records.js';
import { deleteAllVersions, latestVersion, pageByName, pageByVersion } from './versioned-documents.js';

export interface StoredWorkflow {
  namespace: string;
  name: string;
  version: number;
  yaml: string;
  description: string | null;
  createdBy: string | null;
  createdAt: number;
}

export type StoredWorkflowSummary = Omit<StoredWorkflow, 'yaml'>;

/** Workflow definitions stored through the API; every change is a new version, never an edit. */
export class WorkflowRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(w: StoredWorkflow): Promise<void> {
    await this.db
      .insertInto('workflows')
      .values({ namespace: w.namespace, name: w.name, version: w.version, yaml: w.yaml, description: w.description, created_by: w.createdBy, created_at: w.createdAt })
      .execute();
  }

  latestVersion(namespace: string, name: string): Promise<number | undefined> {
    return latestVersion(this.db, 'workflows', namespace, name);
  }

  /** One version, or the latest when `version` is undefined. */
  async get(namespace: string, name: string, version?: number): Promise<StoredWorkflow | undefined> {
    let q = this.db.selectFrom('workflows').selectAll().where('namespace', '=', namespace).where('name', '=', name);
    q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
    const r = await q.executeTakeFirst();
    return r ? toWorkflow(r) : undefined;
  }

  /** The latest version of each workflow, by namespace and name; `next` is JSON [namespace, name]. */
  async listLatest(opts: { namespaces?: readonly string[]; after?: { namespace: string; name: string }; limit: number }): Promise<Page<StoredWorkflowSummary>> {
    let q = this.db
      .selectFrom('workflows as w')
      .select(['w.namespace', 'w.name', 'w.version', 'w.description', 'w.created_by', 'w.created_at'])
      .where('w.version', '=', (eb) => eb.selectFrom('workflows as w2').select((e2) => e2.fn.max<number>('w2.version').as('m')).whereRef('w2.namespace', '=', 'w.namespace').whereRef('w2.name', '=', 'w.name'))
      .orderBy('w.namespace')
      .orderBy('w.name')
      .limit(opts.limit + 1);
    if (opts.namespaces) q = opts.namespaces.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('w.namespace', 'in', [...opts.namespaces]);
    const after = opts.after;
    if (after) q = q.where((eb) => eb.or([eb('w.namespace', '>', after.namespace), eb.and([eb('w.namespace', '=', after.namespace), eb('w.name', '>', after.name)])]));
    return pageByName((await q.execute()).map((r) => toSummary(r)), opts.limit);
  }

  /** Versions of one workflow, newest first (without their text). */
  async versions(namespace: string, name: string, opts: { before?: number; limit: number }): Promise<Page<StoredWorkflowSummary>> {
    let q = this.db
      .selectFrom('workflows')
      .select(['namespace', 'name', 'version', 'description', 'created_by', 'created_at'])
      .where('namespace', '=', namespace)
      .where('name', '=', name)
      .orderBy('version', 'desc')
      .limit(opts.limit + 1);
    if (opts.before !== undefined) q = q.where('version', '<', opts.before);
    return pageByVersion((await q.execute()).map((r) => toSummary(r)), opts.limit);
  }

  deleteAll(namespace: string, name: string): Promise<number> {
    return deleteAllVersions(this.db, 'workflows', namespace, name);
  }
}

function toSummary(r: Omit<Selectable<WorkflowsTable>, 'yaml'>): StoredWorkflowSummary {
  return { namespace: r.namespace, name: r.name, version: Number(r.version), description: r.description, createdBy: r.created_by, createdAt: Number(r.created_at) };
}

function toWorkflow(r: Selectable<WorkflowsTable>): StoredWorkflow {
  return { ...toSummary(r), yaml: r.yaml };
}
