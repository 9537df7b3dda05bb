import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from './api-server.js';
import type { AnyRoute } from '../../src/api/route.js';
import { routeKey } from '../../src/api/route.js';
import { newId } from '../../src/util/ids.js';
import { isTerminalRun } from '../../src/engine/run-states.js';

/** One concrete, valid request for a route (fixtures created fresh when the route consumes them). */
export interface SampleRequest {
  path: string;
  body?: unknown;
  /** Status expected when the caller may call the route. @defaultValue the route's own */
  status?: number;
}

/** Who is calling: their user name and token (fixtures such as "my token" need them). */
export interface Caller {
  name: string;
  token?: string;
  password: string;
}

export type Sample = (caller: Caller) => Promise<SampleRequest>;

export const PASSWORD = 'sample-password-1';

export const WORKFLOW = (name: string, ns = 'default', command = 'true') => `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: ${name}, namespace: ${ns} }
spec:
  params:
    - { name: token, type: string, secret: true, default: "s3cr3t-param-value" }
  steps:
    - name: work
      type: shell
      with: { command: [sh, -c, "${command}"] }
`;

const APPROVAL_WORKFLOW = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: needs-approval }
spec:
  steps:
    - name: plan
      type: shell
      with: { command: [echo, "would restart 3 services"] }
    - name: approve
      type: approval
      needs: [plan]
      with: { message: Restart services, plan: "\${{ steps.plan.outputs.stdout }}", approvers: { roles: [approver] }, timeout: 1h }
`;

/**
 * Fixtures for the route samples (a finished run with findings, a failed run, a report, an
 * alert, a stored workflow and inventory, a schedule...) and one sample per route.
 */
export async function buildSamples(t: TestServer): Promise<Record<string, Sample>> {
  const admin = t.adminToken;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await t.call(method, path, { token: admin, ...(body !== undefined ? { body } : {}) });
    if (r.status >= 300) throw new Error(`fixture ${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  const waitRun = async (id: string) => {
    for (let i = 0; i < 400; i++) {
      const r = await t.server.runtime.store.runs.getRun(id);
      if (r && isTerminalRun(r.status)) return r;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`run ${id} did not finish`);
  };
  let n = 0;
  const uniq = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

  await call('POST', '/api/v1/workflows', { yaml: WORKFLOW('sample') });
  await call('POST', '/api/v1/workflows', { yaml: WORKFLOW('fails', 'default', 'echo failing; exit 3') });
  await call('POST', '/api/v1/workflows', { yaml: APPROVAL_WORKFLOW });
  const engine = t.server.runtime.engine;
  const store = t.server.runtime.store;
  const doneRun = await engine.trigger((await t.server.workflows.get('default', 'sample')).definition, { inspection: 'nightly', triggeredBy: 'admin' });
  await waitRun(doneRun.id);
  const now = Date.now();
  const findingId = newId();
  await store.findings.insert([
    { id: findingId, runId: doneRun.id, step: 'work', check: 'host.disk.usage', category: 'host', target: 'web1:/var', host: 'web1', severity: 'warning', value: 85, unit: '%', threshold: 80, message: '/var is 85% full', fingerprint: 'abcdef0123456789abcdef01', createdAt: now },
  ]);
  await store.remediations.insertDecision({ id: newId(), inspectionRunId: doneRun.id, findingId, fingerprint: 'abcdef0123456789abcdef01', check: 'host.disk.usage', target: 'web1:/var', environment: 'staging', decision: 'skipped', reason: 'circuit breaker open', runId: null, decidedAt: now });
  const reportFile = join(t.home, 'report.html');
  writeFileSync(reportFile, '<html><body>report</body></html>');
  await store.reports.upsert({ runId: doneRun.id, inspection: 'nightly', score: 87.5, grade: 'B', counts: { bySeverity: { ok: 0, info: 0, warning: 1, critical: 0, error: 0 }, findings: 1, targets: 1 }, status: 'succeeded', files: { html: reportFile }, createdAt: now });
  await store.alerts.upsert([
    { fingerprint: 'alert-fp-1', inspection: 'nightly', rule: 'disk', state: 'firing', labels: { severity: 'warning', host: 'web1' }, annotations: { summary: 'disk' }, findingFingerprint: 'abcdef0123456789abcdef01', check: 'host.disk.usage', target: 'web1:/var', host: 'web1', severity: 'warning', startsAt: now, endsAt: null, lastSeenAt: now, lastRunId: doneRun.id, notified: {}, silencedBy: [], updatedAt: now },
  ]);
  const failedRun = async () => waitRun((await engine.trigger((await t.server.workflows.get('default', 'fails')).definition, {})).id);
  const pendingApproval = async () => {
    const run = await engine.trigger((await t.server.workflows.get('default', 'needs-approval')).definition, {});
    for (let i = 0; i < 400; i++) {
      const page = await store.approvals.list({ runId: run.id, status: ['pending'] });
      if (page.items[0]) return page.items[0];
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('no approval appeared');
  };
  // A run waiting for an approval is active without holding an execution slot.
  const activeRun = async () => (await pendingApproval()).runId;
  const someApproval = (await pendingApproval()).id;
  await call('POST', '/api/v1/inventories', { name: 'prod', format: 'ini', content: '[web]\nweb1 ansible_host=10.0.0.1\n' });
  const schedule = await call('POST', '/api/v1/schedules', { name: 'nightly', workflow: 'sample', cron: '0 3 * * *', timezone: 'Europe/Paris' });
  await call('PUT', '/api/v1/credentials/ssh-main', { type: 'password', fields: { username: 'ops', password: 'fixture-secret-1' } });
  await call('POST', '/api/v1/users', { name: 'target-user', password: 'target-password-1' });
  await call('POST', '/api/v1/roles', { name: 'auditor', permissions: ['audit.read'] });
  const userToken = async (user: string) => (await call('POST', `/api/v1/users/${user}/tokens`, { name: uniq('t'), expiresInDays: 1 })).id as string;

  const samples: Record<string, Sample> = {
    'GET /healthz': async () => ({ path: '/healthz' }),
    'GET /readyz': async () => ({ path: '/readyz' }),
    'GET /api/v1/openapi.json': async () => ({ path: '/api/v1/openapi.json' }),
    'GET /api/v1/permissions': async () => ({ path: '/api/v1/permissions' }),
    'POST /api/v1/auth/login': async () => {
      const name = uniq('login');
      await call('POST', '/api/v1/users', { name, password: PASSWORD });
      return { path: '/api/v1/auth/login', body: { username: name, password: PASSWORD } };
    },
    'POST /api/v1/auth/logout': async () => ({ path: '/api/v1/auth/logout', body: {} }),
    'GET /api/v1/me': async () => ({ path: '/api/v1/me' }),
    'PUT /api/v1/me/password': async (c) => ({ path: '/api/v1/me/password', body: { currentPassword: c.password, newPassword: c.password } }),
    'GET /api/v1/me/tokens': async () => ({ path: '/api/v1/me/tokens' }),
    'POST /api/v1/me/tokens': async () => ({ path: '/api/v1/me/tokens', body: { name: uniq('mine'), scopes: [], expiresInDays: 7 } }),
    'DELETE /api/v1/me/tokens/:id': async (c) => ({ path: `/api/v1/me/tokens/${c.name ? await userToken(c.name) : newId()}` }),
    'GET /api/v1/step-types': async () => ({ path: '/api/v1/step-types?limit=100' }),
    'GET /api/v1/workflows': async () => ({ path: '/api/v1/workflows?limit=3' }),
    'POST /api/v1/workflows/validate': async () => ({ path: '/api/v1/workflows/validate', body: { yaml: WORKFLOW('checked') } }),
    'POST /api/v1/workflows': async () => ({ path: '/api/v1/workflows', body: { yaml: WORKFLOW(uniq('wf')) } }),
    'GET /api/v1/workflows/:namespace/:name': async () => ({ path: '/api/v1/workflows/default/sample' }),
    'PUT /api/v1/workflows/:namespace/:name': async () => ({ path: '/api/v1/workflows/default/sample', body: { yaml: WORKFLOW('sample') } }),
    'DELETE /api/v1/workflows/:namespace/:name': async () => {
      const name = uniq('gone');
      await call('POST', '/api/v1/workflows', { yaml: WORKFLOW(name) });
      return { path: `/api/v1/workflows/default/${name}` };
    },
    'GET /api/v1/workflows/:namespace/:name/versions': async () => ({ path: '/api/v1/workflows/default/sample/versions' }),
    'GET /api/v1/runs': async () => ({ path: '/api/v1/runs?limit=5&status=succeeded,failed' }),
    'POST /api/v1/runs': async () => ({ path: '/api/v1/runs', body: { workflow: 'sample', params: {} } }),
    'GET /api/v1/runs/:id': async () => ({ path: `/api/v1/runs/${doneRun.id}` }),
    'GET /api/v1/runs/:id/definition': async () => ({ path: `/api/v1/runs/${doneRun.id}/definition` }),
    'POST /api/v1/runs/:id/cancel': async () => ({ path: `/api/v1/runs/${await activeRun()}/cancel`, body: { reason: 'sample' } }),
    'POST /api/v1/runs/:id/retry': async () => ({ path: `/api/v1/runs/${(await failedRun()).id}/retry`, body: {} }),
    'GET /api/v1/runs/:id/logs': async () => ({ path: `/api/v1/runs/${doneRun.id}/logs?limit=10` }),
    'GET /api/v1/runs/:id/logs/stream': async () => ({ path: `/api/v1/runs/${doneRun.id}/logs/stream` }),
    'GET /api/v1/runs/:id/summary': async () => ({ path: `/api/v1/runs/${doneRun.id}/summary` }),
    'GET /api/v1/runs/:id/deliveries': async () => ({ path: `/api/v1/runs/${doneRun.id}/deliveries` }),
    'GET /api/v1/approvals': async () => ({ path: '/api/v1/approvals?status=pending' }),
    'GET /api/v1/approvals/:id': async () => ({ path: `/api/v1/approvals/${someApproval}` }),
    'POST /api/v1/approvals/:id/approve': async () => ({ path: `/api/v1/approvals/${(await pendingApproval()).id}/approve`, body: { comment: 'ok' } }),
    'POST /api/v1/approvals/:id/reject': async () => ({ path: `/api/v1/approvals/${(await pendingApproval()).id}/reject`, body: { comment: 'not now' } }),
    'GET /api/v1/schedules': async () => ({ path: '/api/v1/schedules' }),
    'POST /api/v1/schedules': async () => ({ path: '/api/v1/schedules', body: { name: uniq('sched'), workflow: 'sample', cron: '*/5 * * * *' } }),
    'GET /api/v1/schedules/:id': async () => ({ path: `/api/v1/schedules/${schedule.id}` }),
    'PATCH /api/v1/schedules/:id': async () => ({ path: `/api/v1/schedules/${schedule.id}`, body: { enabled: true } }),
    'DELETE /api/v1/schedules/:id': async () => ({ path: `/api/v1/schedules/${(await call('POST', '/api/v1/schedules', { name: uniq('del'), workflow: 'sample', cron: '0 * * * *' })).id}` }),
    'GET /api/v1/findings': async () => ({ path: '/api/v1/findings?check=host.disk.*&severity=warning,critical' }),
    'GET /api/v1/findings/:id': async () => ({ path: `/api/v1/findings/${findingId}` }),
    'GET /api/v1/findings/:id/history': async () => ({ path: `/api/v1/findings/${findingId}/history` }),
    'GET /api/v1/remediations/decisions': async () => ({ path: '/api/v1/remediations/decisions?check=host.disk.*&decision=skipped' }),
    'GET /api/v1/inspections': async () => ({ path: '/api/v1/inspections' }),
    'GET /api/v1/inspections/:name/runs': async () => ({ path: '/api/v1/inspections/nightly/runs' }),
    'GET /api/v1/reports': async () => ({ path: '/api/v1/reports' }),
    'GET /api/v1/reports/:runId': async () => ({ path: `/api/v1/reports/${doneRun.id}` }),
    'GET /api/v1/reports/:runId/html': async () => ({ path: `/api/v1/reports/${doneRun.id}/html` }),
    'POST /api/v1/reports/:runId/send': async () => ({ path: `/api/v1/reports/${doneRun.id}/send`, body: { to: ['ops@example.com'] } }),
    'GET /api/v1/alerts': async () => ({ path: '/api/v1/alerts?state=firing' }),
    'GET /api/v1/silences': async () => ({ path: '/api/v1/silences?all=true' }),
    'POST /api/v1/silences': async () => ({ path: '/api/v1/silences', body: { matchers: ['host="web1"', { name: 'severity', op: '=~', value: 'warn.*' }], duration: '2h', comment: 'maintenance' } }),
    'DELETE /api/v1/silences/:id': async () => ({ path: `/api/v1/silences/${(await call('POST', '/api/v1/silences', { matchers: ['host="x"'], duration: '1h', comment: 'c' })).id}` }),
    'GET /api/v1/credentials': async () => ({ path: '/api/v1/credentials' }),
    'POST /api/v1/credentials': async () => ({ path: '/api/v1/credentials', body: { name: uniq('cred'), type: 'token', fields: { token: 'posted-secret-value' } } }),
    'GET /api/v1/credentials/:name': async () => ({ path: '/api/v1/credentials/ssh-main' }),
    'PUT /api/v1/credentials/:name': async () => ({ path: '/api/v1/credentials/ssh-main', body: { type: 'password', fields: { username: 'ops', password: 'fixture-secret-1' } } }),
    'DELETE /api/v1/credentials/:name': async () => {
      const name = uniq('cred');
      await call('PUT', `/api/v1/credentials/${name}`, { type: 'token', fields: { token: 'doomed-secret' } });
      return { path: `/api/v1/credentials/${name}` };
    },
    'GET /api/v1/inventories': async () => ({ path: '/api/v1/inventories' }),
    'POST /api/v1/inventories': async () => ({ path: '/api/v1/inventories', body: { name: uniq('inv'), format: 'yaml', content: 'all:\n  hosts:\n    web1: {}\n' } }),
    'GET /api/v1/inventories/:namespace/:name': async () => ({ path: '/api/v1/inventories/default/prod' }),
    'PUT /api/v1/inventories/:namespace/:name': async () => ({ path: '/api/v1/inventories/default/prod', body: { format: 'ini', content: '[web]\nweb1 ansible_host=10.0.0.1\n' } }),
    'DELETE /api/v1/inventories/:namespace/:name': async () => {
      const name = uniq('inv');
      await call('POST', '/api/v1/inventories', { name, format: 'ini', content: 'web1\n' });
      return { path: `/api/v1/inventories/default/${name}` };
    },
    'GET /api/v1/inventories/:namespace/:name/versions': async () => ({ path: '/api/v1/inventories/default/prod/versions' }),
    'GET /api/v1/users': async () => ({ path: '/api/v1/users' }),
    'POST /api/v1/users': async () => ({ path: '/api/v1/users', body: { name: uniq('user'), password: 'a-long-password', groups: ['ops'] } }),
    'GET /api/v1/users/:name': async () => ({ path: '/api/v1/users/target-user' }),
    'PATCH /api/v1/users/:name': async () => ({ path: '/api/v1/users/target-user', body: { displayName: 'Target', groups: ['ops'] } }),
    'POST /api/v1/users/:name/unlock': async () => ({ path: '/api/v1/users/target-user/unlock', body: {} }),
    'DELETE /api/v1/users/:name': async () => {
      const name = uniq('user');
      await call('POST', '/api/v1/users', { name });
      return { path: `/api/v1/users/${name}` };
    },
    'POST /api/v1/users/:name/tokens': async () => ({ path: '/api/v1/users/target-user/tokens', body: { name: uniq('svc'), scopes: ['runs.read'], expiresInDays: 30 } }),
    'GET /api/v1/tokens': async () => ({ path: '/api/v1/tokens?user=target-user' }),
    'DELETE /api/v1/tokens/:id': async () => ({ path: `/api/v1/tokens/${await userToken('target-user')}` }),
    'GET /api/v1/roles': async () => ({ path: '/api/v1/roles' }),
    'POST /api/v1/roles': async () => ({ path: '/api/v1/roles', body: { name: uniq('role'), permissions: ['runs.read', 'findings.read'] } }),
    'GET /api/v1/roles/:name': async () => ({ path: '/api/v1/roles/operator' }),
    'PATCH /api/v1/roles/:name': async () => ({ path: '/api/v1/roles/auditor', body: { description: 'reads the audit log' } }),
    'DELETE /api/v1/roles/:name': async () => {
      const name = uniq('role');
      await call('POST', '/api/v1/roles', { name, permissions: [] });
      return { path: `/api/v1/roles/${name}` };
    },
    'GET /api/v1/role-bindings': async () => ({ path: '/api/v1/role-bindings?role=admin' }),
    'POST /api/v1/role-bindings': async () => ({ path: '/api/v1/role-bindings', body: { subjectKind: 'group', subject: uniq('grp'), role: 'viewer', namespace: 'team-a' } }),
    'DELETE /api/v1/role-bindings/:id': async () => ({ path: `/api/v1/role-bindings/${(await call('POST', '/api/v1/role-bindings', { subjectKind: 'group', subject: uniq('grp'), role: 'viewer', namespace: '*' })).id}` }),
    'GET /api/v1/audit': async () => ({ path: '/api/v1/audit?action=runs.&limit=5' }),
    'GET /api/v1/audit/export': async () => ({ path: '/api/v1/audit/export?format=csv' }),
  };
  return samples;
}

/** Route keys of the table that have no sample, and samples naming no route. */
export function sampleCoverage(routes: readonly AnyRoute[], samples: Record<string, Sample>): { missing: string[]; unknown: string[] } {
  const keys = new Set(routes.map(routeKey));
  return { missing: [...keys].filter((k) => !samples[k]), unknown: Object.keys(samples).filter((k) => !keys.has(k)) };
}
