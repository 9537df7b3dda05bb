import type { Router } from 'express';
import { pageOf } from '../../api/schemas/common.js';
import { bindingSchema, roleSchema, userSchema } from '../../api/schemas/auth.js';
import { PERMISSIONS, PERMISSION_NAMES } from '../../auth/permissions.js';
import { formProblem, page, type ConsoleDeps, type Ctx, type Form, type FormProblem } from '../console-context.js';
import { pagerLinks } from '../paging.js';

const groupsOf = (text: string) => text.split(/[\s,]+/).map((g) => g.trim()).filter(Boolean);

/** Users (create, edit, disable, unlock, delete), roles (custom sets of permissions) and role bindings. */
export function userPages(router: Router, deps: ConsoleDeps): void {
  // ---- users
  const users = async (c: Ctx, problem?: FormProblem, v?: Record<string, string>) => {
    c.require('users.manage');
    const list = await c.call('GET /api/v1/users', { query: { cursor: c.q('cursor'), limit: '100' } }, pageOf(userSchema));
    const roles = c.can('roles.manage') ? await c.call('GET /api/v1/roles', { query: { limit: '500' } }, pageOf(roleSchema)) : undefined;
    const now = Date.now();
    c.render(
      'users',
      {
        title: 'Users',
        users: list.items.map((u) => ({ ...u, locked: u.lockedUntil !== null && u.lockedUntil > now })),
        pager: pagerLinks(c, list.next),
        roles: roles?.items.map((r) => ({ name: r.name, selected: r.name === (v?.role ?? '') })),
        v: v ?? { name: '', displayName: '', email: '', groups: '', role: '', namespace: '*' },
        problem,
        field: problem?.field?.split('.')[0] ?? null,
      },
      problem?.status ?? 200,
    );
  };
  router.get('/users', page(deps, (c) => users(c)));
  router.post(
    '/users',
    page(deps, async (c) => {
      const f = c.form;
      const v = { name: f.str('name').trim(), displayName: f.str('displayName').trim(), email: f.str('email').trim(), groups: f.str('groups'), role: f.str('role'), namespace: f.str('namespace').trim() || '*' };
      try {
        await c.call(
          'POST /api/v1/users',
          { body: { name: v.name, ...(f.str('password') ? { password: f.str('password') } : {}), displayName: v.displayName || null, email: v.email || null, groups: groupsOf(v.groups) } },
          userSchema,
        );
        if (v.role) await c.call('POST /api/v1/role-bindings', { body: { subjectKind: 'user', subject: v.name, role: v.role, namespace: v.namespace } }, bindingSchema);
        c.redirect(`/users/${encodeURIComponent(v.name)}`, 'user-created');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await users(c, p, v);
      }
    }),
  );

  const user = async (c: Ctx, problem?: FormProblem) => {
    c.require('users.manage');
    const name = String(c.req.params.name);
    const u = await c.call('GET /api/v1/users/:name', { params: { name } }, userSchema);
    const canRoles = c.can('roles.manage');
    const [bindings, roles] = canRoles
      ? await Promise.all([c.call('GET /api/v1/role-bindings', { query: { subject: u.name, limit: '500' } }, pageOf(bindingSchema)), c.call('GET /api/v1/roles', { query: { limit: '500' } }, pageOf(roleSchema))])
      : [undefined, undefined];
    c.render(
      'user',
      {
        title: `User ${u.name}`,
        section: 'users',
        u,
        groups: u.groups.join(', '),
        locked: u.lockedUntil !== null && u.lockedUntil > Date.now(),
        self: u.name === c.actor.name,
        bindings: bindings?.items.filter((b) => b.subjectKind === 'user' || u.groups.includes(b.subject)),
        roles: roles?.items.map((r) => r.name),
        canRoles,
        problem,
        field: problem?.field?.split('.')[0] ?? null,
      },
      problem?.status ?? 200,
    );
  };
  router.get('/users/:name', page(deps, (c) => user(c)));
  router.post(
    '/users/:name',
    page(deps, async (c) => {
      const f = c.form;
      const name = String(c.req.params.name);
      try {
        await c.call(
          'PATCH /api/v1/users/:name',
          { params: { name }, body: { displayName: f.str('displayName').trim() || null, email: f.str('email').trim() || null, groups: groupsOf(f.str('groups')), disabled: f.str('disabled') === 'true', ...(f.str('password') ? { password: f.str('password') } : {}) } },
          userSchema,
        );
        c.redirect(`/users/${encodeURIComponent(name)}`, 'user-saved');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await user(c, p);
      }
    }),
  );
  router.post(
    '/users/:name/unlock',
    page(deps, async (c) => {
      const name = String(c.req.params.name);
      await c.call('POST /api/v1/users/:name/unlock', { params: { name }, body: {} }, userSchema);
      c.redirect(`/users/${encodeURIComponent(name)}`, 'user-unlocked');
    }),
  );
  router.post(
    '/users/:name/delete',
    page(deps, async (c) => {
      await c.run('DELETE /api/v1/users/:name', { params: { name: String(c.req.params.name) } });
      c.redirect('/users', 'user-deleted');
    }),
  );

  // ---- roles and bindings
  const roles = async (c: Ctx, problem?: FormProblem, v?: { name: string; description: string; permissions: string[] }) => {
    c.require('roles.manage');
    const [list, bindings] = await Promise.all([
      c.call('GET /api/v1/roles', { query: { limit: '500' } }, pageOf(roleSchema)),
      c.call('GET /api/v1/role-bindings', { query: { subject: c.q('subject'), role: c.q('role'), cursor: c.q('cursor'), limit: '200' } }, pageOf(bindingSchema)),
    ]);
    const chosen = new Set(v?.permissions ?? []);
    c.render(
      'roles',
      {
        title: 'Roles',
        roles: list.items,
        roleNames: list.items.map((r) => r.name),
        bindings: bindings.items,
        pager: pagerLinks(c, bindings.next),
        permissions: PERMISSION_NAMES.map((p) => ({ name: p, description: PERMISSIONS[p], checked: chosen.has(p) })),
        v: v ?? { name: '', description: '', permissions: [] },
        problem,
        field: problem?.field?.split('.')[0] ?? null,
      },
      problem?.status ?? 200,
    );
  };
  router.get('/roles', page(deps, (c) => roles(c)));
  router.post(
    '/roles',
    page(deps, async (c) => {
      const f = c.form;
      const v = { name: f.str('name').trim(), description: f.str('description').trim(), permissions: f.list('permissions') };
      try {
        await c.call('POST /api/v1/roles', { body: { name: v.name, description: v.description || null, permissions: v.permissions } }, roleSchema);
        c.redirect('/roles', 'role-created');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await roles(c, p, v);
      }
    }),
  );
  router.post(
    '/roles/:name/delete',
    page(deps, async (c) => {
      await c.run('DELETE /api/v1/roles/:name', { params: { name: String(c.req.params.name) } });
      c.redirect('/roles', 'role-deleted');
    }),
  );
  const back = (f: Form) => (/^\/users\/[^/]+$/.test(f.str('back')) ? f.str('back') : '/roles');
  router.post(
    '/role-bindings',
    page(deps, async (c) => {
      const f = c.form;
      try {
        await c.call('POST /api/v1/role-bindings', { body: { subjectKind: f.str('subjectKind') || 'user', subject: f.str('subject').trim(), role: f.str('role'), namespace: f.str('namespace').trim() || '*' } }, bindingSchema);
        c.redirect(back(f), 'binding-created');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        if (back(f) !== '/roles') {
          c.req.params.name = decodeURIComponent(back(f).slice('/users/'.length));
          await user(c, p);
        } else await roles(c, p);
      }
    }),
  );
  router.post(
    '/role-bindings/:id/delete',
    page(deps, async (c) => {
      await c.run('DELETE /api/v1/role-bindings/:id', { params: { id: String(c.req.params.id) } });
      c.redirect(back(c.form), 'binding-deleted');
    }),
  );
}
