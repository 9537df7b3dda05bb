import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';
import type { ApiTokensTable, SessionsTable } from './server-tables.js';
import type { Page } from './records.js';

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  /** sha256 hex of the secret; the secret itself is never stored. */
  tokenHash: string;
  /** Permissions the token is limited to; null = all of its user's. */
  scopes: string[] | null;
  expiresAt: number | null;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface SessionRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  absoluteExpiresAt: number;
  lastSeenAt: number;
  ip: string | null;
  userAgent: string | null;
}

/** API tokens (hashed) and console sessions (hashed ids). */
export class TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(t: ApiTokenRecord): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({
        id: t.id,
        user_id: t.userId,
        name: t.name,
        token_hash: t.tokenHash,
        scopes: t.scopes === null ? null : JSON.stringify(t.scopes),
        expires_at: t.expiresAt,
        created_by: t.createdBy,
        created_at: t.createdAt,
        last_used_at: t.lastUsedAt,
        revoked_at: t.revokedAt,
      })
      .execute();
  }

  async byHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return r ? toToken(r) : undefined;
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toToken(r) : undefined;
  }

  /** Newest first; of one user when `userId` is given. */
  async list(opts: { userId?: string; before?: string; limit: number }): Promise<Page<ApiTokenRecord>> {
    let q = this.db.selectFrom('api_tokens').selectAll().orderBy('id', 'desc').limit(opts.limit + 1);
    if (opts.userId !== undefined) q = q.where('user_id', '=', opts.userId);
    if (opts.before !== undefined) q = q.where('id', '<', opts.before);
    const rows = (await q.execute()).map(toToken);
    return rows.length > opts.limit ? { items: rows.slice(0, opts.limit), next: rows[opts.limit - 1]!.id } : { items: rows };
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const res = await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteOfUser(userId: string): Promise<void> {
    await this.db.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
  }

  async insertSession(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        user_id: s.userId,
        csrf_token: s.csrfToken,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        absolute_expires_at: s.absoluteExpiresAt,
        last_seen_at: s.lastSeenAt,
        ip: s.ip,
        user_agent: s.userAgent,
      })
      .execute();
  }

  async session(idHash: string): Promise<SessionRecord | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return r ? toSession(r) : undefined;
  }

  async extendSession(idHash: string, expiresAt: number, now: number): Promise<void> {
    await this.db.updateTable('sessions').set({ expires_at: expiresAt, last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOf(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toToken(r: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    tokenHash: r.token_hash,
    scopes: r.scopes === null ? null : (JSON.parse(r.scopes) as string[]),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

function toSession(r: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: r.id_hash,
    userId: r.user_id,
    csrfToken: r.csrf_token,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    absoluteExpiresAt: Number(r.absolute_expires_at),
    lastSeenAt: Number(r.last_seen_at),
    ip: r.ip,
    userAgent: r.user_agent,
  };
}
