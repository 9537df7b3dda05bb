import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';
import type { UsersTable } from './server-tables.js';
import type { Page } from './records.js';

export interface UserRecord {
  id: string;
  name: string;
  displayName: string | null;
  email: string | null;
  /** bcrypt hash, null for token-only (service) accounts. Never leaves the server. */
  passwordHash: string | null;
  groups: string[];
  disabled: boolean;
  failedLogins: number;
  lockedUntil: number | null;
  lastLoginAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type UserPatch = Partial<Pick<UserRecord, 'displayName' | 'email' | 'passwordHash' | 'groups' | 'disabled' | 'failedLogins' | 'lockedUntil' | 'lastLoginAt'>>;

/** Users of the server (console and API). */
export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(u: UserRecord): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: u.id,
        name: u.name,
        display_name: u.displayName,
        email: u.email,
        password_hash: u.passwordHash,
        groups: JSON.stringify(u.groups),
        disabled: u.disabled ? 1 : 0,
        failed_logins: u.failedLogins,
        locked_until: u.lockedUntil,
        last_login_at: u.lastLoginAt,
        created_at: u.createdAt,
        updated_at: u.updatedAt,
      })
      .execute();
  }

  async byName(name: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : undefined;
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** By name, after the cursor name. */
  async list(opts: { after?: string; limit: number }): Promise<Page<UserRecord>> {
    let q = this.db.selectFrom('users').selectAll().orderBy('name').limit(opts.limit + 1);
    if (opts.after !== undefined) q = q.where('name', '>', opts.after);
    const rows = (await q.execute()).map(toUser);
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.name } : { items: rows };
  }

  async update(id: string, p: UserPatch, now: number): Promise<boolean> {
    const set: Partial<Selectable<UsersTable>> = { updated_at: now };
    if (p.displayName !== undefined) set.display_name = p.displayName;
    if (p.email !== undefined) set.email = p.email;
    if (p.passwordHash !== undefined) set.password_hash = p.passwordHash;
    if (p.groups !== undefined) set.groups = JSON.stringify(p.groups);
    if (p.disabled !== undefined) set.disabled = p.disabled ? 1 : 0;
    if (p.failedLogins !== undefined) set.failed_logins = p.failedLogins;
    if (p.lockedUntil !== undefined) set.locked_until = p.lockedUntil;
    if (p.lastLoginAt !== undefined) set.last_login_at = p.lastLoginAt;
    const res = await this.db.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Counts a failed login atomically; returns the new count. */
  async recordFailedLogin(id: string, now: number): Promise<number> {
    await this.db
      .updateTable('users')
      .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1), updated_at: now }))
      .where('id', '=', id)
      .execute();
    const r = await this.db.selectFrom('users').select('failed_logins').where('id', '=', id).executeTakeFirst();
    return Number(r?.failed_logins ?? 0);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    name: r.name,
    displayName: r.display_name,
    email: r.email,
    passwordHash: r.password_hash,
    groups: JSON.parse(r.groups) as string[],
    disabled: Number(r.disabled) === 1,
    failedLogins: Number(r.failed_logins),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    lastLoginAt: r.last_login_at === null ? null : Number(r.last_login_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
