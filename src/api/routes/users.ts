import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { namespaceName, pageOf, pagingQuery, ulidParam } from '../schemas/common.js';
import { bindingJson, bindingSchema, createdTokenSchema, roleJson, roleSchema, tokenCreateBody, tokenJson, tokenSchema, userJson, userSchema } from '../schemas/auth.js';
import { DEFAULT_LIMIT, pageJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { ConflictError } from '../../errors/index.js';

const userName = z.string().min(1).max(64);
const userParams = z.object({ name: userName }).strict();
const groups = z.array(z.string().min(1).max(128)).max(100);
const permissionList = z.array(z.string().max(64)).max(100);

/** Users, roles, role bindings and everybody's API tokens (administration). */
export function userRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    // ---- users
    defineRoute({
      method: 'get',
      path: `${V1}/users`,
      tag: 'users',
      summary: 'Users by name',
      access: 'users.manage',
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(userSchema),
      async handler({ query }) {
        return pageJson(await deps.auth.listUsers({ limit: query.limit ?? DEFAULT_LIMIT, ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}) }), userJson);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/users`,
      tag: 'users',
      summary: 'Create a user (without a password: a service account that uses API tokens)',
      access: 'users.manage',
      body: z.object({ name: userName, password: z.string().min(1).max(1024).optional(), displayName: z.string().max(200).nullable().optional(), email: z.email().max(254).nullable().optional(), groups: groups.optional() }).strict(),
      response: userSchema,
      status: 201,
      audit: { action: 'users.create', resourceType: 'user' },
      async handler({ body, audit }) {
        audit.resourceId = body.name;
        audit.details = { groups: body.groups ?? [], withPassword: body.password !== undefined };
        return userJson(await deps.auth.createUser(body));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/users/:name`,
      tag: 'users',
      summary: 'A user',
      access: 'users.manage',
      params: userParams,
      response: userSchema,
      async handler({ params }) {
        return userJson(await deps.auth.getUser(params.name));
      },
    }),
    defineRoute({
      method: 'patch',
      path: `${V1}/users/:name`,
      tag: 'users',
      summary: 'Change a user: password, groups, details, or disable (a new password or disabling ends the sessions)',
      access: 'users.manage',
      params: userParams,
      body: z.object({ password: z.string().min(1).max(1024).optional(), displayName: z.string().max(200).nullable().optional(), email: z.email().max(254).nullable().optional(), groups: groups.optional(), disabled: z.boolean().optional() }).strict(),
      response: userSchema,
      audit: { action: 'users.update', resourceType: 'user' },
      async handler({ params, body, actor, audit }) {
        audit.resourceId = params.name;
        audit.details = { changed: Object.keys(body) };
        if (body.disabled === true && params.name === actor.name) throw new ConflictError('you cannot disable yourself');
        return userJson(await deps.auth.updateUser(params.name, body));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/users/:name/unlock`,
      tag: 'users',
      summary: 'Unlock a user locked out after failed logins',
      access: 'users.manage',
      params: userParams,
      body: z.object({}).strict(),
      response: userSchema,
      audit: { action: 'users.unlock', resourceType: 'user' },
      async handler({ params, audit }) {
        audit.resourceId = params.name;
        return userJson(await deps.auth.unlockUser(params.name));
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/users/:name`,
      tag: 'users',
      summary: 'Delete a user with their tokens, sessions and bindings',
      access: 'users.manage',
      params: userParams,
      response: null,
      audit: { action: 'users.delete', resourceType: 'user' },
      async handler({ params, actor, audit }) {
        audit.resourceId = params.name;
        if (params.name === actor.name) throw new ConflictError('you cannot delete yourself');
        await deps.auth.deleteUser(params.name);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/users/:name/tokens`,
      tag: 'tokens',
      summary: 'Create an API token for a user (service accounts); tokens of others may be unscoped and not expire',
      access: 'tokens.manage',
      params: userParams,
      body: tokenCreateBody.extend({ expiresInDays: z.number().int().min(1).max(730).nullable().optional() }).strict(),
      response: createdTokenSchema,
      status: 201,
      audit: { action: 'tokens.create', resourceType: 'token' },
      async handler({ params, body, actor, audit }) {
        const user = await deps.auth.getUser(params.name);
        const { token, record } = await deps.auth.createToken(user, { name: body.name, scopes: body.scopes ?? null, ...(body.expiresInDays !== undefined ? { expiresInDays: body.expiresInDays } : {}) }, actor);
        audit.resourceId = record.id;
        audit.details = { name: record.name, user: user.name, scopes: record.scopes, expiresAt: record.expiresAt };
        return { ...tokenJson(record), token };
      },
    }),
    // ---- tokens of everybody
    defineRoute({
      method: 'get',
      path: `${V1}/tokens`,
      tag: 'tokens',
      summary: "Everybody's API tokens (never their secrets), newest first",
      access: 'tokens.manage',
      query: z.object({ user: userName.optional(), ...pagingQuery }).strict(),
      response: pageOf(tokenSchema),
      async handler({ query }) {
        const userId = query.user ? (await deps.auth.getUser(query.user)).id : undefined;
        return pageJson(await deps.auth.listTokens({ limit: query.limit ?? DEFAULT_LIMIT, ...(userId ? { userId } : {}), ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}) }), (t) => tokenJson(t));
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/tokens/:id`,
      tag: 'tokens',
      summary: 'Revoke any API token',
      access: 'tokens.manage',
      params: z.object({ id: ulidParam }).strict(),
      response: tokenSchema,
      audit: { action: 'tokens.revoke', resourceType: 'token' },
      async handler({ params, audit }) {
        audit.resourceId = params.id;
        return tokenJson(await deps.auth.revokeToken(params.id));
      },
    }),
    // ---- roles
    defineRoute({
      method: 'get',
      path: `${V1}/roles`,
      tag: 'roles',
      summary: 'Roles (built-in and custom) with their permissions',
      access: 'roles.manage',
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(roleSchema),
      async handler({ query }) {
        return pageJson(await deps.rbac.listRoles({ limit: query.limit ?? DEFAULT_LIMIT, ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}) }), roleJson);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/roles`,
      tag: 'roles',
      summary: 'Create a custom role: any set of permissions',
      access: 'roles.manage',
      body: z.object({ name: z.string().min(1).max(63), description: z.string().max(500).nullable().optional(), permissions: permissionList }).strict(),
      response: roleSchema,
      status: 201,
      audit: { action: 'roles.create', resourceType: 'role' },
      async handler({ body, audit }) {
        audit.resourceId = body.name;
        audit.details = { permissions: body.permissions };
        return roleJson(await deps.rbac.createRole(body));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/roles/:name`,
      tag: 'roles',
      summary: 'A role',
      access: 'roles.manage',
      params: z.object({ name: z.string().min(1).max(63) }).strict(),
      response: roleSchema,
      async handler({ params }) {
        return roleJson(await deps.rbac.getRole(params.name));
      },
    }),
    defineRoute({
      method: 'patch',
      path: `${V1}/roles/:name`,
      tag: 'roles',
      summary: 'Change a custom role (built-in roles cannot change)',
      access: 'roles.manage',
      params: z.object({ name: z.string().min(1).max(63) }).strict(),
      body: z.object({ description: z.string().max(500).nullable().optional(), permissions: permissionList.optional() }).strict(),
      response: roleSchema,
      audit: { action: 'roles.update', resourceType: 'role' },
      async handler({ params, body, audit }) {
        audit.resourceId = params.name;
        audit.details = { ...(body.permissions ? { permissions: body.permissions } : {}) };
        return roleJson(await deps.rbac.updateRole(params.name, body));
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/roles/:name`,
      tag: 'roles',
      summary: 'Delete a custom role that is not bound',
      access: 'roles.manage',
      params: z.object({ name: z.string().min(1).max(63) }).strict(),
      response: null,
      audit: { action: 'roles.delete', resourceType: 'role' },
      async handler({ params, audit }) {
        audit.resourceId = params.name;
        await deps.rbac.deleteRole(params.name);
      },
    }),
    // ---- bindings
    defineRoute({
      method: 'get',
      path: `${V1}/role-bindings`,
      tag: 'roles',
      summary: 'Role bindings: which user or group holds which role in which namespace',
      access: 'roles.manage',
      query: z.object({ subject: z.string().max(128).optional(), role: z.string().max(63).optional(), namespace: z.union([namespaceName, z.literal('*')]).optional(), ...pagingQuery }).strict(),
      response: pageOf(bindingSchema),
      async handler({ query }) {
        const page = await deps.rbac.listBindings({
          limit: query.limit ?? DEFAULT_LIMIT,
          ...(query.subject ? { subject: query.subject } : {}),
          ...(query.role ? { role: query.role } : {}),
          ...(query.namespace ? { namespace: query.namespace } : {}),
          ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
        });
        return pageJson(page, bindingJson);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/role-bindings`,
      tag: 'roles',
      summary: 'Bind a role to a user or group in a namespace ("*" = every namespace and the global resources)',
      access: 'roles.manage',
      body: z.object({ subjectKind: z.enum(['user', 'group']), subject: z.string().min(1).max(128), role: z.string().min(1).max(63), namespace: z.union([namespaceName, z.literal('*')]) }).strict(),
      response: bindingSchema,
      status: 201,
      audit: { action: 'roles.bind', resourceType: 'role-binding' },
      async handler({ body, actor, audit }) {
        audit.namespace = body.namespace;
        audit.details = { subject: `${body.subjectKind}:${body.subject}`, role: body.role };
        const b = await deps.rbac.bind(body, actor.name);
        audit.resourceId = b.id;
        return bindingJson(b);
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/role-bindings/:id`,
      tag: 'roles',
      summary: 'Remove a role binding',
      access: 'roles.manage',
      params: z.object({ id: ulidParam }).strict(),
      response: null,
      audit: { action: 'roles.unbind', resourceType: 'role-binding' },
      async handler({ params, audit }) {
        audit.resourceId = params.id;
        const b = await deps.rbac.unbind(params.id);
        audit.namespace = b.namespace;
        audit.details = { subject: `${b.subjectKind}:${b.subject}`, role: b.role };
      },
    }),
  ];
}
