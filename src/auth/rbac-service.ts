import type { Store } from '../store/store.js';
import type { RoleBindingRecord, RoleRecord, SubjectKind } from '../store/roles-repository.js';
import type { UserRecord } from '../store/users-repository.js';
import type { Page } from '../store/records.js';
import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { newId } from '../util/ids.js';
import { BUILTIN_ROLES } from './builtin-roles.js';
import { Grants } from './grants.js';
import { ALL_NAMESPACES, isPermission, PERMISSION_NAMES } from './permissions.js';
import type { AuthCache } from './auth-cache.js';

const ROLE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const NAMESPACE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?|\*)$/;

/** Roles, bindings, and the grants of a user (optionally limited by a token's scopes). */
export class RbacService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
    /** Cleared whenever a role or binding changes (see AuthCache). */
    private readonly cache?: AuthCache,
  ) {}

  /** Writes the built-in roles (their permissions follow the code on every start). */
  async ensureBuiltinRoles(): Promise<void> {
    const now = this.clock();
    for (const [name, r] of Object.entries(BUILTIN_ROLES)) {
      const existing = await this.store.roles.get(name);
      await this.store.roles.upsert({ name, description: r.description, permissions: [...r.permissions], builtin: true, createdAt: existing?.createdAt ?? now, updatedAt: now });
    }
  }

  async grantsFor(user: Pick<UserRecord, 'name' | 'groups'>, scopes: readonly string[] | null = null): Promise<Grants> {
    const bindings = await this.store.roles.bindingsFor(user.name, user.groups);
    const roles = await this.store.roles.getMany([...new Set(bindings.map((b) => b.role))]);
    return new Grants(bindings, new Map(roles.map((r) => [r.name, r.permissions])), scopes);
  }

  listRoles(opts: { after?: string; limit: number }): Promise<Page<RoleRecord>> {
    return this.store.roles.list(opts);
  }

  async getRole(name: string): Promise<RoleRecord> {
    const r = await this.store.roles.get(name);
    if (!r) throw new NotFoundError(`role ${name} not found`, { role: name });
    return r;
  }

  async createRole(input: { name: string; description?: string | null; permissions: string[] }): Promise<RoleRecord> {
    if (!ROLE_NAME.test(input.name)) throw new InputError('role name must be lowercase letters, digits and "-" (starting with a letter, at most 63)', { field: 'name' });
    checkPermissions(input.permissions);
    if (await this.store.roles.get(input.name)) throw new ConflictError(`role ${input.name} already exists`, { field: 'name' });
    const now = this.clock();
    const role: RoleRecord = { name: input.name, description: input.description ?? null, permissions: [...new Set(input.permissions)].sort(), builtin: false, createdAt: now, updatedAt: now };
    await this.store.roles.insert(role);
    this.cache?.clear();
    return role;
  }

  async updateRole(name: string, patch: { description?: string | null; permissions?: string[] }): Promise<RoleRecord> {
    const r = await this.getRole(name);
    if (r.builtin) throw new ConflictError(`role ${name} is built in and cannot be changed; create a custom role instead`, { role: name });
    if (patch.permissions) checkPermissions(patch.permissions);
    const next: RoleRecord = {
      ...r,
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.permissions ? { permissions: [...new Set(patch.permissions)].sort() } : {}),
      updatedAt: this.clock(),
    };
    await this.store.roles.upsert(next);
    this.cache?.clear();
    return next;
  }

  async deleteRole(name: string): Promise<void> {
    const r = await this.getRole(name);
    if (r.builtin) throw new ConflictError(`role ${name} is built in and cannot be deleted`, { role: name });
    const used = await this.store.roles.countBindingsOf(name);
    if (used > 0) throw new ConflictError(`role ${name} is bound ${used} time(s); delete its bindings first`, { role: name });
    await this.store.roles.delete(name);
    this.cache?.clear();
  }

  listBindings(opts: { subject?: string; role?: string; namespace?: string; after?: string; limit: number }): Promise<Page<RoleBindingRecord>> {
    return this.store.roles.listBindings(opts);
  }

  async getBinding(id: string): Promise<RoleBindingRecord> {
    const b = await this.store.roles.getBinding(id);
    if (!b) throw new NotFoundError(`role binding ${id} not found`, { binding: id });
    return b;
  }

  async bind(input: { subjectKind: SubjectKind; subject: string; role: string; namespace: string }, by: string | null): Promise<RoleBindingRecord> {
    if (!NAMESPACE.test(input.namespace)) throw new InputError('namespace must be a namespace name or "*"', { field: 'namespace' });
    if (!(await this.store.roles.get(input.role))) throw new InputError(`role ${input.role} does not exist`, { field: 'role' });
    if (input.subjectKind === 'user' && !(await this.store.users.byName(input.subject))) throw new InputError(`user ${input.subject} does not exist`, { field: 'subject' });
    if (await this.store.roles.findBinding(input.subjectKind, input.subject, input.role, input.namespace)) {
      throw new ConflictError(`${input.subjectKind} ${input.subject} already has role ${input.role} in ${input.namespace}`);
    }
    const b: RoleBindingRecord = { id: newId(), ...input, createdBy: by, createdAt: this.clock() };
    await this.store.roles.insertBinding(b);
    this.cache?.clear();
    return b;
  }

  async unbind(id: string): Promise<RoleBindingRecord> {
    const b = await this.getBinding(id);
    await this.store.roles.deleteBinding(id);
    this.cache?.clear();
    return b;
  }
}

function checkPermissions(perms: string[]): void {
  perms.forEach((p, i) => {
    if (!isPermission(p)) throw new InputError(`unknown permission "${p}"; permissions: ${PERMISSION_NAMES.join(', ')}`, { field: `permissions[${i}]` });
  });
}

export { ALL_NAMESPACES };
