import type { Store } from '../store/store.js';
import type { UserRecord } from '../store/users-repository.js';
import type { ApiTokenRecord } from '../store/tokens-repository.js';
import type { Page } from '../store/records.js';
import { AccessDeniedError, ConflictError, InputError, NotFoundError, RateLimitedError, UnauthenticatedError } from '../errors/index.js';
import { newId } from '../util/ids.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';
import { newApiToken, randomSecret, safeEqual, sha256, TOKEN_PREFIX } from './secrets.js';
import type { Actor } from './actor.js';
import type { RbacService } from './rbac-service.js';
import { isPermission, PERMISSION_NAMES, type Permission } from './permissions.js';
import { AuthCache } from './auth-cache.js';

/** Security settings of the server; every field has a safe default. */
export interface AuthSettings {
  /** bcrypt cost. @defaultValue 12 (PATROL_BCRYPT_ROUNDS) */
  bcryptRounds?: number;
  /** Failed logins in a row that lock an account. @defaultValue 5 */
  maxFailedLogins?: number;
  /** How long a locked account stays locked. @defaultValue 15 minutes */
  lockoutMs?: number;
  /** A session ends after this long without requests. @defaultValue 8 hours */
  sessionIdleMs?: number;
  /** A session ends this long after login whatever happens. @defaultValue 7 days */
  sessionAbsoluteMs?: number;
  /** Lifetime of a token created without one. @defaultValue 90 days */
  tokenDefaultTtlMs?: number;
  /** Longest lifetime a token may be given. @defaultValue 2 years */
  tokenMaxTtlMs?: number;
  /** @defaultValue 10 */
  minPasswordLength?: number;
}

type Settings = Required<AuthSettings>;

export function authSettings(s: AuthSettings = {}): Settings {
  return {
    bcryptRounds: s.bcryptRounds ?? 12,
    maxFailedLogins: s.maxFailedLogins ?? 5,
    lockoutMs: s.lockoutMs ?? 15 * 60_000,
    sessionIdleMs: s.sessionIdleMs ?? 8 * 3_600_000,
    sessionAbsoluteMs: s.sessionAbsoluteMs ?? 7 * 86_400_000,
    tokenDefaultTtlMs: s.tokenDefaultTtlMs ?? 90 * 86_400_000,
    tokenMaxTtlMs: s.tokenMaxTtlMs ?? 2 * 365 * 86_400_000,
    minPasswordLength: s.minPasswordLength ?? 10,
  };
}

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
/** Writes of "last used" happen at most this often per token or session. */
const TOUCH_INTERVAL_MS = 60_000;

export interface NewUser {
  name: string;
  password?: string | null;
  displayName?: string | null;
  email?: string | null;
  groups?: string[];
}

export interface SessionStart {
  /** Goes into the httpOnly cookie; only its hash is stored. */
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
  user: UserRecord;
}

export interface From {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Users, password logins with lockout, console sessions and API tokens. Secrets (passwords,
 * session ids, tokens) are stored only as hashes; a token is shown once, when created.
 */
export class AuthService {
  readonly settings: Settings;

  constructor(
    private readonly store: Store,
    private readonly rbac: RbacService,
    settings: AuthSettings = {},
    private readonly clock: () => number = Date.now,
    /** Shared with RbacService, which clears it when roles or bindings change. */
    private readonly cache: AuthCache = new AuthCache(0),
  ) {
    this.settings = authSettings(settings);
  }

  // ---- users

  async createUser(input: NewUser): Promise<UserRecord> {
    if (!USER_NAME.test(input.name)) throw new InputError('user name must be 1-64 letters, digits, ".", "_", "@" or "-"', { field: 'name' });
    for (const [i, g] of (input.groups ?? []).entries()) if (!GROUP_NAME.test(g)) throw new InputError('group names are letters, digits, ".", "_", "@", ":" or "-"', { field: `groups[${i}]` });
    if (input.password) checkPasswordPolicy(input.password, this.settings.minPasswordLength);
    if (await this.store.users.byName(input.name)) throw new ConflictError(`user ${input.name} already exists`, { field: 'name' });
    const now = this.clock();
    const user: UserRecord = {
      id: newId(),
      name: input.name,
      displayName: input.displayName ?? null,
      email: input.email ?? null,
      passwordHash: input.password ? await hashPassword(input.password, this.settings.bcryptRounds) : null,
      groups: [...new Set(input.groups ?? [])],
      disabled: false,
      failedLogins: 0,
      lockedUntil: null,
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.users.insert(user);
    return user;
  }

  async getUser(name: string): Promise<UserRecord> {
    const u = await this.store.users.byName(name);
    if (!u) throw new NotFoundError(`user ${name} not found`, { user: name });
    return u;
  }

  listUsers(opts: { after?: string; limit: number }): Promise<Page<UserRecord>> {
    return this.store.users.list(opts);
  }

  /** Changes a user; a new password or disabling ends the user's sessions. */
  async updateUser(name: string, patch: { password?: string; displayName?: string | null; email?: string | null; groups?: string[]; disabled?: boolean }): Promise<UserRecord> {
    const u = await this.getUser(name);
    for (const [i, g] of (patch.groups ?? []).entries()) if (!GROUP_NAME.test(g)) throw new InputError('group names are letters, digits, ".", "_", "@", ":" or "-"', { field: `groups[${i}]` });
    if (patch.password !== undefined) checkPasswordPolicy(patch.password, this.settings.minPasswordLength);
    await this.store.users.update(
      u.id,
      {
        ...(patch.password !== undefined ? { passwordHash: await hashPassword(patch.password, this.settings.bcryptRounds), failedLogins: 0, lockedUntil: null } : {}),
        ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
        ...(patch.email !== undefined ? { email: patch.email } : {}),
        ...(patch.groups !== undefined ? { groups: [...new Set(patch.groups)] } : {}),
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      },
      this.clock(),
    );
    if (patch.password !== undefined || patch.disabled === true) await this.store.tokens.deleteSessionsOf(u.id);
    this.cache.clear();
    return (await this.store.users.byId(u.id))!;
  }

  async unlockUser(name: string): Promise<UserRecord> {
    const u = await this.getUser(name);
    await this.store.users.update(u.id, { failedLogins: 0, lockedUntil: null }, this.clock());
    return (await this.store.users.byId(u.id))!;
  }

  async deleteUser(name: string): Promise<UserRecord> {
    const u = await this.getUser(name);
    await this.store.transaction(async (tx) => {
      await tx.tokens.deleteSessionsOf(u.id);
      await tx.tokens.deleteOfUser(u.id);
      await tx.roles.deleteBindingsOfSubject('user', u.name);
      await tx.users.delete(u.id);
    });
    this.cache.clear();
    return u;
  }

  /**
   * Creates the first administrator when there are no users yet (PATROL_ADMIN_PASSWORD on first
   * serve). Returns the user, or undefined when users exist already.
   */
  async bootstrapAdmin(name: string, password: string): Promise<UserRecord | undefined> {
    if ((await this.store.users.count()) > 0) return undefined;
    const user = await this.createUser({ name, password });
    await this.rbac.bind({ subjectKind: 'user', subject: user.name, role: 'admin', namespace: '*' }, 'bootstrap');
    return user;
  }

  // ---- login and sessions

  /**
   * Checks a password login. Failures count towards a lockout; a locked account is refused
   * without looking at the password; unknown users cost the same time as known ones.
   */
  async login(name: string, password: string, from: From): Promise<SessionStart> {
    const now = this.clock();
    const user = await this.store.users.byName(name);
    if (user?.lockedUntil && user.lockedUntil > now) {
      const seconds = Math.ceil((user.lockedUntil - now) / 1000);
      throw new RateLimitedError(`account ${name} is locked after ${this.settings.maxFailedLogins} failed logins; try again in ${Math.ceil(seconds / 60)} minute(s) or ask an administrator to unlock it`, { code: 'account-locked', retryAfterSeconds: seconds });
    }
    const ok = await verifyPassword(password, user?.passwordHash ?? null, this.settings.bcryptRounds);
    if (!user || !ok) {
      if (user) {
        const failures = await this.store.users.recordFailedLogin(user.id, now);
        if (failures >= this.settings.maxFailedLogins) await this.store.users.update(user.id, { failedLogins: 0, lockedUntil: now + this.settings.lockoutMs }, now);
      }
      throw new UnauthenticatedError('wrong user name or password', { code: 'invalid-credentials' });
    }
    if (user.disabled) throw new AccessDeniedError(`account ${name} is disabled`);
    await this.store.users.update(user.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: now }, now);
    const sessionId = randomSecret(32);
    const csrfToken = randomSecret(32);
    const expiresAt = now + this.settings.sessionIdleMs;
    await this.store.tokens.insertSession({
      idHash: sha256(sessionId),
      userId: user.id,
      csrfToken,
      createdAt: now,
      expiresAt,
      absoluteExpiresAt: now + this.settings.sessionAbsoluteMs,
      lastSeenAt: now,
      ip: from.ip,
      userAgent: from.userAgent?.slice(0, 512) ?? null,
    });
    return { sessionId, csrfToken, expiresAt, user };
  }

  async logout(sessionIdHash: string): Promise<void> {
    await this.store.tokens.deleteSession(sessionIdHash);
  }

  /** The actor of a session cookie, or undefined when the session does not exist or ended. */
  async authenticateSession(sessionId: string): Promise<Actor | undefined> {
    const idHash = sha256(sessionId);
    const s = await this.store.tokens.session(idHash);
    const now = this.clock();
    if (!s) return undefined;
    if (s.expiresAt <= now || s.absoluteExpiresAt <= now) {
      await this.store.tokens.deleteSession(idHash);
      return undefined;
    }
    const user = await this.store.users.byId(s.userId);
    if (!user || user.disabled) return undefined;
    if (now - s.lastSeenAt > TOUCH_INTERVAL_MS) await this.store.tokens.extendSession(idHash, Math.min(now + this.settings.sessionIdleMs, s.absoluteExpiresAt), now);
    return { userId: user.id, name: user.name, groups: user.groups, via: 'session', csrfToken: s.csrfToken, sessionIdHash: idHash, grants: await this.rbac.grantsFor(user) };
  }

  /** Whether `given` is the CSRF token of the session (constant time). */
  checkCsrf(actor: Actor, given: string | undefined): boolean {
    return actor.csrfToken !== undefined && given !== undefined && safeEqual(actor.csrfToken, given);
  }

  // ---- API tokens

  /** The actor of a bearer token; throws when the token is unknown, revoked or expired. */
  async authenticateToken(token: string): Promise<Actor> {
    if (!token.startsWith(TOKEN_PREFIX)) throw new UnauthenticatedError('invalid API token');
    const hash = sha256(token);
    const now = this.clock();
    const cached = this.cache.get(hash, now);
    if (cached) return cached;
    const t = await this.store.tokens.byHash(hash);
    if (!t || t.revokedAt !== null) throw new UnauthenticatedError('invalid API token');
    if (t.expiresAt !== null && t.expiresAt <= now) throw new UnauthenticatedError(`API token ${t.name} expired at ${new Date(t.expiresAt).toISOString()}`, { code: 'token-expired' });
    const user = await this.store.users.byId(t.userId);
    if (!user || user.disabled) throw new UnauthenticatedError('invalid API token');
    if (t.lastUsedAt === null || now - t.lastUsedAt > TOUCH_INTERVAL_MS) await this.store.tokens.touch(t.id, now);
    const actor: Actor = { userId: user.id, name: user.name, groups: user.groups, via: 'token', tokenId: t.id, grants: await this.rbac.grantsFor(user, t.scopes) };
    this.cache.set(hash, actor, now, t.expiresAt);
    return actor;
  }

  /**
   * Creates a token for `user`. Scopes must be permissions the creator holds (a token never
   * grants more than the caller could do); the secret is returned once and stored hashed.
   */
  async createToken(user: UserRecord, input: { name: string; scopes?: string[] | null; expiresInDays?: number | null }, creator: Actor): Promise<{ token: string; record: ApiTokenRecord }> {
    if (!/^[\w .:@-]{1,100}$/.test(input.name)) throw new InputError('token name must be 1-100 letters, digits, spaces or . _ : @ -', { field: 'name' });
    const scopes = input.scopes ?? null;
    if (scopes) {
      scopes.forEach((s, i) => {
        if (!isPermission(s)) throw new InputError(`unknown permission "${s}"; permissions: ${PERMISSION_NAMES.join(', ')}`, { field: `scopes[${i}]` });
        if (creator.userId === user.id && !creator.grants.any(s as Permission)) throw new AccessDeniedError(`a token cannot be scoped to ${s}: you do not hold it`, { field: `scopes[${i}]` });
      });
    } else if (creator.via === 'token' && creator.userId === user.id) {
      // A scoped token must not mint an unscoped one.
      throw new InputError('a token created with a token must list its scopes', { field: 'scopes' });
    }
    const now = this.clock();
    const ttl = input.expiresInDays === null ? null : (input.expiresInDays ?? this.settings.tokenDefaultTtlMs / 86_400_000) * 86_400_000;
    if (ttl !== null && (ttl <= 0 || ttl > this.settings.tokenMaxTtlMs)) throw new InputError(`expiresInDays must be between 1 and ${Math.floor(this.settings.tokenMaxTtlMs / 86_400_000)}`, { field: 'expiresInDays' });
    if (ttl === null && creator.userId === user.id) throw new InputError('personal tokens must expire (give expiresInDays)', { field: 'expiresInDays' });
    const token = newApiToken();
    const record: ApiTokenRecord = {
      id: newId(),
      userId: user.id,
      name: input.name,
      tokenHash: sha256(token),
      scopes: scopes ? [...new Set(scopes)].sort() : null,
      expiresAt: ttl === null ? null : now + ttl,
      createdBy: creator.name,
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.store.tokens.insert(record);
    return { token, record };
  }

  listTokens(opts: { userId?: string; before?: string; limit: number }): Promise<Page<ApiTokenRecord>> {
    return this.store.tokens.list(opts);
  }

  async getToken(id: string): Promise<ApiTokenRecord> {
    const t = await this.store.tokens.get(id);
    if (!t) throw new NotFoundError(`token ${id} not found`, { token: id });
    return t;
  }

  async revokeToken(id: string): Promise<ApiTokenRecord> {
    const t = await this.getToken(id);
    if (t.revokedAt !== null) throw new ConflictError(`token ${id} is already revoked`);
    await this.store.tokens.revoke(id, this.clock());
    this.cache.clear();
    return (await this.store.tokens.get(id))!;
  }
}
