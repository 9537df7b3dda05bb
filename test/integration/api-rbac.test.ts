import { startTestServer, type TestServer } from '../support/api-server.js';
import { buildSamples, PASSWORD, sampleCoverage, WORKFLOW, type Sample } from '../support/api-samples.js';
import { routeKey, type Access, type AnyRoute } from '../../src/api/route.js';
import { BUILTIN_ROLES } from '../../src/auth/builtin-roles.js';
import { PERMISSION_NAMES } from '../../src/auth/permissions.js';

/**
 * The expected permission of every route, written out by hand (not derived from the route
 * table): a route added without an entry here, or with a different permission, fails the test.
 */
const EXPECTED: Record<string, Access> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /api/v1/openapi.json': 'public',
  'GET /api/v1/permissions': 'authenticated',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'authenticated',
  'GET /api/v1/me': 'authenticated',
  'PUT /api/v1/me/password': 'authenticated',
  'GET /api/v1/me/tokens': 'authenticated',
  'POST /api/v1/me/tokens': 'authenticated',
  'DELETE /api/v1/me/tokens/:id': 'authenticated',
  'GET /api/v1/step-types': 'workflows.read',
  'GET /api/v1/workflows': 'workflows.read',
  'POST /api/v1/workflows/validate': 'workflows.read',
  'POST /api/v1/workflows': 'workflows.edit',
  'GET /api/v1/workflows/:namespace/:name': 'workflows.read',
  'PUT /api/v1/workflows/:namespace/:name': 'workflows.edit',
  'DELETE /api/v1/workflows/:namespace/:name': 'workflows.edit',
  'GET /api/v1/workflows/:namespace/:name/versions': 'workflows.read',
  'GET /api/v1/runs': 'runs.read',
  'POST /api/v1/runs': 'runs.trigger',
  'GET /api/v1/runs/:id': 'runs.read',
  'GET /api/v1/runs/:id/definition': 'runs.read',
  'POST /api/v1/runs/:id/cancel': 'runs.cancel',
  'POST /api/v1/runs/:id/retry': 'runs.retry',
  'GET /api/v1/runs/:id/logs': 'runs.read',
  'GET /api/v1/runs/:id/logs/stream': 'runs.read',
  'GET /api/v1/runs/:id/summary': 'findings.read',
  'GET /api/v1/runs/:id/deliveries': 'runs.read',
  'GET /api/v1/approvals': 'approvals.read',
  'GET /api/v1/approvals/:id': 'approvals.read',
  'POST /api/v1/approvals/:id/approve': 'approvals.decide',
  'POST /api/v1/approvals/:id/reject': 'approvals.decide',
  'GET /api/v1/schedules': 'schedules.read',
  'POST /api/v1/schedules': 'schedules.edit',
  'GET /api/v1/schedules/:id': 'schedules.read',
  'PATCH /api/v1/schedules/:id': 'schedules.edit',
  'DELETE /api/v1/schedules/:id': 'schedules.edit',
  'GET /api/v1/findings': 'findings.read',
  'GET /api/v1/findings/:id': 'findings.read',
  'GET /api/v1/findings/:id/history': 'findings.read',
  'GET /api/v1/remediations/decisions': 'findings.read',
  'GET /api/v1/inspections': 'findings.read',
  'GET /api/v1/inspections/:name/runs': 'findings.read',
  'GET /api/v1/reports': 'reports.read',
  'GET /api/v1/reports/:runId': 'reports.read',
  'GET /api/v1/reports/:runId/html': 'reports.read',
  'POST /api/v1/reports/:runId/send': 'reports.send',
  'GET /api/v1/alerts': 'alerts.read',
  'GET /api/v1/silences': 'alerts.read',
  'POST /api/v1/silences': 'silences.edit',
  'DELETE /api/v1/silences/:id': 'silences.edit',
  'GET /api/v1/credentials': 'credentials.read',
  'POST /api/v1/credentials': 'credentials.write',
  'GET /api/v1/credentials/:name': 'credentials.read',
  'PUT /api/v1/credentials/:name': 'credentials.write',
  'DELETE /api/v1/credentials/:name': 'credentials.write',
  'GET /api/v1/inventories': 'inventories.read',
  'POST /api/v1/inventories': 'inventories.edit',
  'GET /api/v1/inventories/:namespace/:name': 'inventories.read',
  'PUT /api/v1/inventories/:namespace/:name': 'inventories.edit',
  'DELETE /api/v1/inventories/:namespace/:name': 'inventories.edit',
  'GET /api/v1/inventories/:namespace/:name/versions': 'inventories.read',
  'GET /api/v1/users': 'users.manage',
  'POST /api/v1/users': 'users.manage',
  'GET /api/v1/users/:name': 'users.manage',
  'PATCH /api/v1/users/:name': 'users.manage',
  'POST /api/v1/users/:name/unlock': 'users.manage',
  'DELETE /api/v1/users/:name': 'users.manage',
  'POST /api/v1/users/:name/tokens': 'tokens.manage',
  'GET /api/v1/tokens': 'tokens.manage',
  'DELETE /api/v1/tokens/:id': 'tokens.manage',
  'GET /api/v1/roles': 'roles.manage',
  'POST /api/v1/roles': 'roles.manage',
  'GET /api/v1/roles/:name': 'roles.manage',
  'PATCH /api/v1/roles/:name': 'roles.manage',
  'DELETE /api/v1/roles/:name': 'roles.manage',
  'GET /api/v1/role-bindings': 'roles.manage',
  'POST /api/v1/role-bindings': 'roles.manage',
  'DELETE /api/v1/role-bindings/:id': 'roles.manage',
  'GET /api/v1/audit': 'audit.read',
  'GET /api/v1/audit/export': 'audit.read',
};

const READ = ['runs.read', 'workflows.read', 'approvals.read', 'schedules.read', 'findings.read', 'reports.read', 'alerts.read', 'inventories.read'];
/** The built-in roles, also written out by hand. */
const ROLE_PERMISSIONS: Record<string, string[]> = {
  viewer: READ,
  operator: [...READ, 'runs.trigger', 'runs.cancel', 'runs.retry', 'silences.edit', 'reports.send', 'credentials.read'],
  approver: [...READ, 'approvals.decide'],
  admin: [...PERMISSION_NAMES],
};
/** A custom role: only the audit log and runs. */
const CUSTOM = ['audit.read', 'runs.read'];

let t: TestServer;
let samples: Record<string, Sample>;
const callers: Record<string, { token: string; name: string; perms: string[] }> = {};

beforeAll(async () => {
  t = await startTestServer({ hooks: { reports: { send: async () => ({ deliveries: [{ channel: 'report-email', destination: 'ops@example.com', status: 'sent' }] }) } } });
  samples = await buildSamples(t);
  await t.server.rbac.createRole({ name: 'custom-auditor', permissions: CUSTOM });
  for (const role of [...Object.keys(ROLE_PERMISSIONS), 'custom-auditor']) {
    const name = `u-${role}`;
    callers[role] = { name, token: await t.userWithRoles(name, [role], { password: PASSWORD }), perms: role === 'custom-auditor' ? CUSTOM : ROLE_PERMISSIONS[role]! };
  }
  callers.none = { name: 'u-none', token: await t.userWithRoles('u-none', [], { password: PASSWORD }), perms: [] };
}, 120_000);

afterAll(async () => {
  for (const r of await t.server.runtime.store.runs.activeRuns()) await t.server.runtime.engine.cancel(r.id).catch(() => undefined);
  await t?.close();
});

test('the built-in roles hold exactly the expected permissions', () => {
  for (const [role, perms] of Object.entries(ROLE_PERMISSIONS)) expect([...BUILTIN_ROLES[role]!.permissions].sort()).toEqual([...perms].sort());
  expect(Object.keys(BUILTIN_ROLES).sort()).toEqual(Object.keys(ROLE_PERMISSIONS).sort());
});

test('every route is in the expected map with the same permission, and has a sample', () => {
  const routes = t.server.api.routes;
  const actual = Object.fromEntries(routes.map((r) => [routeKey(r), r.access]));
  expect(actual).toEqual(EXPECTED);
  expect(sampleCoverage(routes, samples)).toEqual({ missing: [], unknown: [] });
});

function successStatus(r: AnyRoute): number {
  return r.status ?? (r.response === null ? 204 : 200);
}

test('every route with every role: allowed -> 2xx, missing permission -> 403, anonymous -> 401', async () => {
  const mismatches: string[] = [];
  let checked = 0;
  for (const route of t.server.api.routes) {
    const key = routeKey(route);
    for (const who of ['anonymous', 'none', 'viewer', 'operator', 'approver', 'admin', 'custom-auditor']) {
      const caller = callers[who];
      const sample = await samples[key]!(caller ? { name: caller.name, token: caller.token, password: PASSWORD } : { name: '', password: PASSWORD });
      let expected: number;
      if (route.access === 'public') expected = sample.status ?? successStatus(route);
      else if (!caller) expected = 401;
      else if (route.access === 'authenticated' || caller.perms.includes(route.access)) expected = sample.status ?? successStatus(route);
      else expected = 403;
      const res = await t.call(route.method.toUpperCase(), sample.path, { ...(caller ? { token: caller.token } : {}), ...(sample.body !== undefined ? { body: sample.body } : {}) });
      checked++;
      if (res.status !== expected) mismatches.push(`${key} as ${who}: expected ${expected}, got ${res.status} ${res.text.slice(0, 200)}`);
      else if (expected >= 400) {
        // Denials use the one error format.
        if (typeof res.body?.error?.code !== 'string' || typeof res.body?.error?.message !== 'string') mismatches.push(`${key} as ${who}: ${res.status} without the error format: ${res.text.slice(0, 200)}`);
      }
    }
  }
  expect(mismatches).toEqual([]);
  expect(checked).toBe(t.server.api.routes.length * 7);
}, 600_000);

test('bindings are per namespace: an operator of team-a runs and sees only team-a', async () => {
  const call = (m: string, p: string, body?: unknown, token = t.adminToken) => t.call(m, p, { token, ...(body !== undefined ? { body } : {}) });
  expect((await call('POST', '/api/v1/workflows', { yaml: WORKFLOW('job', 'team-a') })).status).toBe(201);
  expect((await call('POST', '/api/v1/workflows', { yaml: WORKFLOW('job', 'team-b') })).status).toBe(201);
  const token = await t.userWithRoles('team-a-op', ['operator:team-a']);
  const mine = await call('POST', '/api/v1/runs', { workflow: 'job', namespace: 'team-a' }, token);
  expect(mine.status).toBe(201);
  const other = await call('POST', '/api/v1/runs', { workflow: 'job', namespace: 'team-b' }, token);
  expect(other.status).toBe(403);
  expect(other.body.error.message).toContain('runs.trigger in namespace team-b');
  const theirs = await call('POST', '/api/v1/runs', { workflow: 'job', namespace: 'team-b' });
  expect((await call('GET', `/api/v1/runs/${theirs.body.id}`, undefined, token)).status).toBe(403);
  const list = await call('GET', '/api/v1/runs?limit=100', undefined, token);
  expect(list.status).toBe(200);
  expect(list.body.items.length).toBeGreaterThan(0);
  expect(new Set(list.body.items.map((r: { namespace: string }) => r.namespace))).toEqual(new Set(['team-a']));
  expect((await call('GET', '/api/v1/runs?namespace=team-b', undefined, token)).status).toBe(403);
  // Global resources need a binding for every namespace.
  expect((await call('GET', '/api/v1/credentials', undefined, token)).status).toBe(403);
  const me = await call('GET', '/api/v1/me', undefined, token);
  expect(me.body.permissions['runs.trigger']).toEqual(['team-a']);
  expect(me.body.roles).toEqual({ 'team-a': ['operator'] });
});

test('group bindings apply to the members of the group', async () => {
  await t.server.rbac.bind({ subjectKind: 'group', subject: 'sre', role: 'approver', namespace: '*' }, 'test');
  const token = await t.userWithRoles('grouped', [], { groups: ['sre'] });
  const me = await t.call('GET', '/api/v1/me', { token });
  expect(me.body.permissions['approvals.decide']).toBe('*');
  expect((await t.call('GET', '/api/v1/approvals', { token })).status).toBe(200);
  expect((await t.call('GET', '/api/v1/users', { token })).status).toBe(403);
});
