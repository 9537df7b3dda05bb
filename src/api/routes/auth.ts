import { z } from 'zod';
import type { Request, Response } from 'express';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { pageOf, pagingQuery, ulidParam } from '../schemas/common.js';
import { createdTokenSchema, loginResponseSchema, meSchema, tokenCreateBody, tokenJson, tokenSchema, userJson } from '../schemas/auth.js';
import { DEFAULT_LIMIT, pageJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { NotFoundError, UnauthenticatedError } from '../../errors/index.js';
import { SESSION_COOKIE, CSRF_COOKIE } from '../cookies.js';
import { verifyPassword } from '../../auth/passwords.js';

/** Login and logout (console sessions), the caller's identity and permissions, personal API tokens. */
export function authRoutes(deps: ApiDeps): AnyRoute[] {
  const secure = (req: Request) => deps.settings?.secureCookies ?? (deps.settings?.publicUrl?.startsWith('https:') || req.secure);
  const clearCookies = (req: Request, res: Response) => {
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: secure(req) });
    res.clearCookie(CSRF_COOKIE, { path: '/', sameSite: 'strict', secure: secure(req) });
  };
  return [
    defineRoute({
      method: 'post',
      path: `${V1}/auth/login`,
      tag: 'auth',
      summary: 'Sign in with a password: sets the session cookie (httpOnly, SameSite=Strict) and returns the CSRF token',
      description: `Rate limited per client address and user name; after ${deps.auth.settings.maxFailedLogins} failed attempts the account is locked for ${Math.round(deps.auth.settings.lockoutMs / 60_000)} minutes (429 account-locked).`,
      access: 'public',
      body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict(),
      response: loginResponseSchema,
      audit: { action: 'auth.login', resourceType: 'user' },
      async handler({ body, from, req, res, audit }) {
        audit.actor = body.username;
        audit.resourceId = body.username;
        const s = await deps.auth.login(body.username, body.password, from);
        const maxAge = deps.auth.settings.sessionAbsoluteMs;
        res.cookie(SESSION_COOKIE, s.sessionId, { httpOnly: true, sameSite: 'strict', secure: secure(req), path: '/', maxAge });
        // Readable by the console's JavaScript, which echoes it in X-CSRF-Token; useless to another site (SameSite, same-origin policy).
        res.cookie(CSRF_COOKIE, s.csrfToken, { httpOnly: false, sameSite: 'strict', secure: secure(req), path: '/', maxAge });
        return { user: userJson(s.user), csrfToken: s.csrfToken, expiresAt: s.expiresAt };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/auth/logout`,
      tag: 'auth',
      summary: 'End the current session and clear its cookies',
      access: 'authenticated',
      body: z.object({}).strict(),
      response: null,
      audit: { action: 'auth.logout', resourceType: 'user' },
      async handler({ actor, req, res, audit }) {
        audit.resourceId = actor.name;
        if (actor.sessionIdHash) await deps.auth.logout(actor.sessionIdHash);
        clearCookies(req, res);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/me`,
      tag: 'auth',
      summary: 'The caller: user, roles and permissions per namespace (the console shows or hides buttons by these)',
      access: 'authenticated',
      response: meSchema,
      async handler({ actor }) {
        const user = await deps.store.users.byId(actor.userId);
        if (!user) throw new UnauthenticatedError('the user no longer exists');
        const bindings = await deps.store.roles.bindingsFor(user.name, user.groups);
        const roles: Record<string, string[]> = {};
        for (const b of bindings) (roles[b.namespace] ??= []).push(b.role);
        for (const ns of Object.keys(roles)) roles[ns] = [...new Set(roles[ns])].sort();
        return { user: userJson(user), via: actor.via, permissions: actor.grants.toJSON(), roles, ...(actor.csrfToken ? { csrfToken: actor.csrfToken } : {}) };
      },
    }),
    defineRoute({
      method: 'put',
      path: `${V1}/me/password`,
      tag: 'auth',
      summary: 'Change your password (ends your other sessions)',
      access: 'authenticated',
      body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) }).strict(),
      response: null,
      audit: { action: 'users.password', resourceType: 'user' },
      async handler({ actor, body, audit }) {
        audit.resourceId = actor.name;
        const user = await deps.auth.getUser(actor.name);
        if (!(await verifyPassword(body.currentPassword, user.passwordHash, deps.auth.settings.bcryptRounds))) throw new UnauthenticatedError('the current password is wrong', { code: 'invalid-credentials' });
        await deps.auth.updateUser(actor.name, { password: body.newPassword });
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/me/tokens`,
      tag: 'tokens',
      summary: 'Your API tokens (never their secrets)',
      access: 'authenticated',
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(tokenSchema),
      async handler({ actor, query }) {
        const page = await deps.auth.listTokens({ userId: actor.userId, limit: query.limit ?? DEFAULT_LIMIT, ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}) });
        return pageJson(page, (t) => tokenJson(t));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/me/tokens`,
      tag: 'tokens',
      summary: 'Create an API token for yourself, optionally limited to some of your permissions; the secret is shown once',
      access: 'authenticated',
      body: tokenCreateBody,
      response: createdTokenSchema,
      status: 201,
      audit: { action: 'tokens.create', resourceType: 'token' },
      async handler({ actor, body, audit }) {
        const user = await deps.auth.getUser(actor.name);
        const { token, record } = await deps.auth.createToken(user, { name: body.name, scopes: body.scopes ?? null, ...(body.expiresInDays !== undefined ? { expiresInDays: body.expiresInDays } : {}) }, actor);
        audit.resourceId = record.id;
        audit.details = { name: record.name, user: user.name, scopes: record.scopes, expiresAt: record.expiresAt };
        return { ...tokenJson(record), token };
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/me/tokens/:id`,
      tag: 'tokens',
      summary: 'Revoke one of your API tokens',
      access: 'authenticated',
      params: z.object({ id: ulidParam }).strict(),
      response: tokenSchema,
      audit: { action: 'tokens.revoke', resourceType: 'token' },
      async handler({ actor, params, audit }) {
        audit.resourceId = params.id;
        const t = await deps.store.tokens.get(params.id);
        if (!t || t.userId !== actor.userId) throw new NotFoundError(`token ${params.id} not found among your tokens`);
        return tokenJson(await deps.auth.revokeToken(params.id));
      },
    }),
  ];
}

