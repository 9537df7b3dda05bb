import { z } from 'zod';
import { epochMs } from './common.js';
import type { UserRecord } from '../../store/users-repository.js';
import type { ApiTokenRecord } from '../../store/tokens-repository.js';
import type { RoleRecord, RoleBindingRecord } from '../../store/roles-repository.js';

export const userSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    displayName: z.string().nullable(),
    email: z.string().nullable(),
    groups: z.array(z.string()),
    disabled: z.boolean(),
    /** Whether the user can sign in with a password (service accounts use tokens only). */
    hasPassword: z.boolean(),
    lockedUntil: epochMs.nullable(),
    lastLoginAt: epochMs.nullable(),
    createdAt: epochMs,
    updatedAt: epochMs,
  })
  .meta({ id: 'User' });

export const tokenSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    name: z.string(),
    /** Permissions the token is limited to; null = all of its user's. */
    scopes: z.array(z.string()).nullable(),
    expiresAt: epochMs.nullable(),
    expired: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: epochMs,
    lastUsedAt: epochMs.nullable(),
    revokedAt: epochMs.nullable(),
  })
  .meta({ id: 'ApiToken' });

/** A token as created: the only time its secret is shown. */
export const createdTokenSchema = tokenSchema.extend({ token: z.string().meta({ description: 'the secret; shown once, store it now' }) }).meta({ id: 'CreatedApiToken' });

export const roleSchema = z
  .object({ name: z.string(), description: z.string().nullable(), permissions: z.array(z.string()), builtin: z.boolean(), createdAt: epochMs, updatedAt: epochMs })
  .meta({ id: 'Role' });

export const bindingSchema = z
  .object({ id: z.string(), subjectKind: z.enum(['user', 'group']), subject: z.string(), role: z.string(), namespace: z.string(), createdBy: z.string().nullable(), createdAt: epochMs })
  .meta({ id: 'RoleBinding' });

export const meSchema = z
  .object({
    user: userSchema,
    via: z.enum(['session', 'token']),
    /** Each permission held, with where: "*" or a list of namespaces. */
    permissions: z.record(z.string(), z.union([z.literal('*'), z.array(z.string())])),
    /** Role names per namespace ("*" = every namespace). */
    roles: z.record(z.string(), z.array(z.string())),
    /** For sessions: the token to send in X-CSRF-Token on unsafe requests. */
    csrfToken: z.string().optional(),
  })
  .meta({ id: 'Me' });

export const loginResponseSchema = z.object({ user: userSchema, csrfToken: z.string(), expiresAt: epochMs }).meta({ id: 'Login' });

export function userJson(u: UserRecord): z.infer<typeof userSchema> {
  return {
    id: u.id,
    name: u.name,
    displayName: u.displayName,
    email: u.email,
    groups: u.groups,
    disabled: u.disabled,
    hasPassword: u.passwordHash !== null,
    lockedUntil: u.lockedUntil !== null && u.lockedUntil > Date.now() ? u.lockedUntil : null,
    lastLoginAt: u.lastLoginAt,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

export function tokenJson(t: ApiTokenRecord, now = Date.now()): z.infer<typeof tokenSchema> {
  return {
    id: t.id,
    userId: t.userId,
    name: t.name,
    scopes: t.scopes,
    expiresAt: t.expiresAt,
    expired: t.expiresAt !== null && t.expiresAt <= now,
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

export function roleJson(r: RoleRecord): z.infer<typeof roleSchema> {
  return { name: r.name, description: r.description, permissions: r.permissions, builtin: r.builtin, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

export function bindingJson(b: RoleBindingRecord): z.infer<typeof bindingSchema> {
  return { id: b.id, subjectKind: b.subjectKind, subject: b.subject, role: b.role, namespace: b.namespace, createdBy: b.createdBy, createdAt: b.createdAt };
}

export const tokenCreateBody = z
  .object({
    name: z.string().min(1).max(100),
    /** Permissions to limit the token to (a subset of yours); omit for all of them. */
    scopes: z.array(z.string().max(64)).max(64).nullable().optional(),
    /** Days until the token expires (default 90). */
    expiresInDays: z.number().int().min(1).max(730).optional(),
  })
  .strict();
