import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';
import type { RoleBindingsTable, RolesTable } from './server-tables.js';
import type { Page } from './records.js';

export interface RoleRecord {
  name: string;
  description: string | null;
  permissions: string[];
  builtin: boolean;
  createdAt: number;
  updatedAt: number;
}

export type SubjectKind = 'user' | 'group';

export interface RoleBindingRecord {
  id: string;
  subjectKind: SubjectKind;
  subject: string;
  role: string;
  /** A namespace, or "*" (every namespace and the global resources). */
  namespace: string;
  createdBy: string | null;
  createdAt: number;
}

/** Roles (named permission sets) and their bindings to users or groups per namespace. */
export class RoleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(r: RoleRecord): Promise<void> {
    const row = { name: r.name, description: r.description, permissions: JSON.stringify(r.permissions), builtin: r.builtin ? 1 : 0, created_at: r.createdAt, updated_at: r.updatedAt };
    await this.db
      .insertInto('roles')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet({ description: row.description, permissions: row.permissions, builtin: row.builtin, updated_at: row.updated_at }))
      .execute();
  }

  async insert(r: RoleRecord): Promise<void> {
    await this.db
      .insertInto('roles')
      .values({ name: r.name, description: r.description, permissions: JSON.stringify(r.permissions), builtin: r.builtin ? 1 : 0, created_at: r.createdAt, updated_at: r.updatedAt })
      .execute();
  }

  async get(name: string): Promise<RoleRecord | undefined> {
    const r = await this.db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toRole(r) : undefined;
  }

  async getMany(names: readonly string[]): Promise<RoleRecord[]> {
    if (names.length === 0) return [];
    const rows = await this.db.selectFrom('roles').selectAll().where('name', 'in', [...names]).execute();
    return rows.map(toRole);
  }

  async list(opts: { after?: string; limit: number }): Promise<Page<RoleRecord>> {
    let q = this.db.selectFrom('roles').selectAll().orderBy('name').limit(opts.limit + 1);
    if (opts.after !== undefined) q = q.where('name', '>', opts.after);
    const rows = (await q.execute()).map(toRole);
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.name } : { items: rows };
  }

  async delete(name: string): Promise<boolean> {
    const res = await this.db.deleteFrom('roles').where('name', '=', name).where('builtin', '=', 0).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async insertBinding(b: RoleBindingRecord): Promise<void> {
    await this.db
      .insertInto('role_bindings')
      .values({ id: b.id, subject_kind: b.subjectKind, subject: b.subject, role: b.role, namespace: b.namespace, created_by: b.createdBy, created_at: b.createdAt })
      .execute();
  }

  async findBinding(kind: SubjectKind, subject: string, role: string, namespace: string): Promise<RoleBindingRecord | undefined> {
    const r = await this.db
      .selectFrom('role_bindings')
      .selectAll()
      .where('subject_kind', '=', kind)
      .where('subject', '=', subject)
      .where('role', '=', role)
      .where('namespace', '=', namespace)
      .executeTakeFirst();
    return r ? toBinding(r) : undefined;
  }

  async getBinding(id: string): Promise<RoleBindingRecord | undefined> {
    const r = await this.db.selectFrom('role_bindings').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toBinding(r) : undefined;
  }

  /** Bindings of a user: to the user by name and to any of the user's groups. */
  async bindingsFor(user: string, groups: readonly string[]): Promise<RoleBindingRecord[]> {
    const rows = await this.db
      .selectFrom('role_bindings')
      .selectAll()
      .where((eb) => {
        const byUser = eb.and([eb('subject_kind', '=', 'user'), eb('subject', '=', user)]);
        return groups.length === 0 ? byUser : eb.or([byUser, eb.and([eb('subject_kind', '=', 'group'), eb('subject', 'in', [...groups])])]);
      })
      .execute();
    return rows.map(toBinding);
  }

  async listBindings(opts: { subject?: string; role?: string; namespace?: string; after?: string; limit: number }): Promise<Page<RoleBindingRecord>> {
    let q = this.db.selectFrom('role_bindings').selectAll().orderBy('id').limit(opts.limit + 1);
    if (opts.subject !== undefined) q = q.where('subject', '=', opts.subject);
    if (opts.role !== undefined) q = q.where('role', '=', opts.role);
    if (opts.namespace !== undefined) q = q.where('namespace', '=', opts.namespace);
    if (opts.after !== undefined) q = q.where('id', '>', opts.after);
    const rows = (await q.execute()).map(toBinding);
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.id } : { items: rows };
  }

  async countBindingsOf(role: string): Promise<number> {
    const r = await this.db.selectFrom('role_bindings').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', role).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async deleteBinding(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('role_bindings').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async deleteBindingsOfSubject(kind: SubjectKind, subject: string): Promise<void> {
    await this.db.deleteFrom('role_bindings').where('subject_kind', '=', kind).where('subject', '=', subject).execute();
  }
}

function toRole(r: Selectable<RolesTable>): RoleRecord {
  return {
    name: r.name,
    description: r.description,
    permissions: JSON.parse(r.permissions) as string[],
    builtin: Number(r.builtin) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toBinding(r: Selectable<RoleBindingsTable>): RoleBindingRecord {
  return {
    id: r.id,
    subjectKind: r.subject_kind as SubjectKind,
    subject: r.subject,
    role: r.role,
    namespace: r.namespace,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  };
}
