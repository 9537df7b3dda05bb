import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { REPO } from '../support/cli.js';
import { PatrolClient } from '../../src/api-client/api-client.js';
import { newId } from '../../src/util/ids.js';
import { fingerprintOf } from '../../src/findings/finding.js';
import type { ApprovalRecord } from '../../src/store/approvals-repository.js';

let t: TestServer;
let client: PatrolClient;
const announced: { id: string; link: string }[] = [];

beforeAll(async () => {
  t = await startTestServer({
    api: { publicUrl: 'https://patrol.example.com', streamPollMs: 100 },
    hooks: {
      approvalNotifier: {
        async notify(a: ApprovalRecord, link: string) {
          announced.push({ id: a.id, link });
          return { test: { ok: true } };
        },
      },
    },
  });
  client = new PatrolClient({ baseUrl: t.url, token: t.adminToken });
}, 60_000);

afterAll(async () => {
  for (const r of await t.server.runtime.store.runs.activeRuns()) await t.server.runtime.engine.cancel(r.id).catch(() => undefined);
  await t?.close();
});

const api = (method: string, path: string, body?: unknown, token = t.adminToken) => t.call(method, path, { token, ...(body !== undefined ? { body } : {}) });

async function waitStatus(id: string, done = (s: string) => ['succeeded', 'failed', 'cancelled', 'timed-out'].includes(s), timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await api('GET', `/api/v1/runs/${id}`);
    if (done(d.body.run.status)) return d.body;
    if (Date.now() > deadline) throw new Error(`run ${id} is still ${d.body.run.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const wf = (name: string, steps: string, extra = '') => `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: ${name} }
spec:
${extra}  steps:
${steps}`;

test('live logs over SSE: lines arrive while the run works, a reconnect with Last-Event-ID resumes without gaps, end closes', async () => {
  const text = wf('chatty', `    - name: talk
      type: shell
      with: { command: [sh, -c, "for i in $(seq 1 30); do echo line $i; sleep 0.05; done"] }
`);
  const run = await api('POST', '/api/v1/runs', { yaml: text });
  expect(run.status).toBe(201);
  const first: { id: string; message: string }[] = [];
  const ctl = new AbortController();
  try {
    for await (const ev of client.events(`/api/v1/runs/${run.body.id}/logs/stream`, { signal: ctl.signal })) {
      if (ev.event === 'log') first.push({ id: ev.id!, message: JSON.parse(ev.data).message });
      if (first.length === 5) {
        ctl.abort();
        break;
      }
    }
  } catch {
    // Aborted on purpose.
  }
  expect(first.map((l) => l.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  // The run is still going: the first lines came live.
  const mid = await api('GET', `/api/v1/runs/${run.body.id}`);
  expect(['running', 'queued']).toContain(mid.body.run.status);

  const rest: { id: string; message: string }[] = [];
  let end: any;
  for await (const ev of client.events(`/api/v1/runs/${run.body.id}/logs/stream`, { lastEventId: first[4]!.id })) {
    if (ev.event === 'log') rest.push({ id: ev.id!, message: JSON.parse(ev.data).message });
    if (ev.event === 'end') end = JSON.parse(ev.data);
  }
  expect([...first, ...rest].map((l) => l.message)).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
  const ids = [...first, ...rest].map((l) => Number(l.id));
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  expect(end).toEqual({ status: 'succeeded', reason: null });

  // Paged reads: cursor pages cover everything once; tail gives the last lines.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await api('GET', `/api/v1/runs/${run.body.id}/logs?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.body.items.length).toBeLessThanOrEqual(7);
    seen.push(...page.body.items.map((l: { message: string }) => l.message));
    cursor = page.body.next;
  } while (cursor);
  expect(seen).toHaveLength(30);
  const tail = await api('GET', `/api/v1/runs/${run.body.id}/logs?tail=3`);
  expect(tail.body.items.map((l: { message: string }) => l.message)).toEqual(['line 28', 'line 29', 'line 30']);
  const sse = await fetch(`${t.url}/api/v1/runs/${run.body.id}/logs/stream?tail=2`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(sse.headers.get('content-type')).toContain('text/event-stream');
  const body = await sse.text();
  expect(body).toContain('"message":"line 30"');
  expect(body).not.toContain('"message":"line 28"');
  expect(body).toMatch(/event: end\ndata: \{"status":"succeeded"/);

  // Paging back from a line: the lines just before it, oldest first.
  const [id28] = tail.body.items.map((l: { id: number }) => l.id);
  const back = await api('GET', `/api/v1/runs/${run.body.id}/logs?before=${id28}&limit=2`);
  expect({ lines: back.body.items.map((l: { message: string }) => l.message), next: back.body.next }).toEqual({ lines: ['line 26', 'line 27'], next: null });
  expect((await api('GET', `/api/v1/runs/${run.body.id}/logs?before=${id28}&tail=2`)).body.error).toMatchObject({ field: 'query.before' });

  // A follower far behind skips to the newest lines, told how many it missed; batches are arrays.
  const fast = await (await fetch(`${t.url}/api/v1/runs/${run.body.id}/logs/stream?maxBacklog=5&batch=true`, { headers: { authorization: `Bearer ${t.adminToken}` } })).text();
  const events = [...fast.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) }));
  expect(events.map((e) => e.event)).toEqual(['skipped', 'lines', 'end']);
  expect(events[0]!.data).toMatchObject({ after: null, count: 25 });
  expect(events[1]!.data.map((l: { message: string }) => l.message)).toEqual(['line 26', 'line 27', 'line 28', 'line 29', 'line 30']);
});

test('trigger with params, cancel, retry from the failure; each audited', async () => {
  const sleepy = wf('sleepy', `    - name: nap
      type: shell
      with: { command: [sleep, "30"] }
`);
  const run = await api('POST', '/api/v1/runs', { yaml: sleepy, labels: { ticket: 'OPS-1' } });
  expect(run.body.labels).toMatchObject({ ticket: 'OPS-1', 'patrol.dev/workflow-version': '1' });
  await waitStatus(run.body.id, (s) => s === 'running');
  const cancel = await api('POST', `/api/v1/runs/${run.body.id.slice(0, 20)}/cancel`, { reason: 'wrong window' });
  expect(cancel.status).toBe(202);
  const done = await waitStatus(run.body.id);
  expect(done.run.status).toBe('cancelled');
  const again = await api('POST', `/api/v1/runs/${run.body.id}/cancel`, {});
  expect(again.status).toBe(409);

  const flaky = wf(
    'flaky',
    `    - name: first
      type: noop
      with: { value: "\${{ params.n }}" }
    - name: second
      type: shell
      needs: [first]
      with: { command: [sh, -c, "test -e ${join(t.home, 'ok')}"] }
`,
    '  params:\n    - { name: n, type: number }\n',
  );
  const bad = await api('POST', '/api/v1/runs', { yaml: flaky, params: { n: 'x' }, paramsFromStrings: true });
  expect(bad.status).toBe(400);
  const failed = await api('POST', '/api/v1/runs', { yaml: flaky, params: { n: '7' }, paramsFromStrings: true });
  expect(failed.status).toBe(201);
  expect(failed.body.params).toEqual({ n: 7 });
  expect((await waitStatus(failed.body.id)).run.status).toBe('failed');
  expect((await api('POST', `/api/v1/runs/${failed.body.id}/retry`, { onlyFailedTargets: true })).status).toBe(409);
  writeFileSync(join(t.home, 'ok'), '');
  const retry = await api('POST', `/api/v1/runs/${failed.body.id}/retry`, {});
  expect(retry.status).toBe(201);
  expect(retry.body.retryOf).toBe(failed.body.id);
  const retried = await waitStatus(retry.body.id);
  expect(retried.run.status).toBe('succeeded');
  expect(retried.steps.find((s: { name: string }) => s.name === 'first').reusedFrom).toBe(failed.body.id);

  const audit = await api('GET', '/api/v1/audit?action=runs.&limit=100');
  const actions = audit.body.items.map((e: { action: string; resourceId: string; outcome: string }) => `${e.action}:${e.resourceId}:${e.outcome}`);
  expect(actions).toContain(`runs.cancel:${run.body.id}:success`);
  expect(actions).toContain(`runs.cancel:${run.body.id}:failure`);
  expect(actions).toContain(`runs.retry:${retry.body.id}:success`);
  expect(actions).toContain(`runs.trigger:${failed.body.id}:success`);
  const csv = await fetch(`${t.url}/api/v1/audit/export?format=csv&action=runs.`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  const lines = (await csv.text()).trim().split('\r\n');
  expect(lines[0]).toBe('id,at,actor,actor_kind,action,resource_type,resource_id,namespace,ip,user_agent,outcome,details');
  expect(lines.length).toBe(audit.body.items.length + 1);
});

test('a stored inventory drives an ansible step on any worker, and retry reruns only the failed host', async () => {
  const dir = join(t.home, 'markers');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'b.fail'), '');
  const inv = '[web]\na ansible_connection=local ansible_python_interpreter=/usr/bin/python3\nb ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n';
  expect((await api('POST', '/api/v1/inventories', { name: 'local', format: 'ini', content: inv })).status).toBe(201);
  const play = wf('play', `    - name: play
      type: ansible
      with:
        playbook: ${join(REPO, 'test/fixtures/ansible/fail-where-marked.yml')}
        inventory: store:local
        extraVars: { marker: "${dir}/{{ inventory_hostname }}.fail" }
`);
  const first = await api('POST', '/api/v1/runs', { yaml: play });
  const d1 = await waitStatus(first.body.id, undefined, 120_000);
  expect(d1.run.status).toBe('failed');
  expect(d1.steps[0].outputs.failedHosts).toEqual(['b']);
  const logs = await api('GET', `/api/v1/runs/${first.body.id}/logs?limit=200`);
  expect(logs.text).toContain('inventory store:local: default/local version 1 (ini)');
  rmSync(join(dir, 'b.fail'));
  const retry = await api('POST', `/api/v1/runs/${first.body.id}/retry`, { onlyFailedTargets: true });
  expect(retry.status).toBe(201);
  expect(retry.body.overrides).toEqual({ play: { limit: ['b'] } });
  const d2 = await waitStatus(retry.body.id, undefined, 120_000);
  expect(d2.run.status).toBe('succeeded');
  expect(Object.keys(d2.steps[0].outputs.recap)).toEqual(['b']);
  // A missing stored inventory fails clearly.
  const missing = await api('POST', '/api/v1/runs', { yaml: play.replace('store:local', 'store:nope').replace('name: play }', 'name: play2 }') });
  const d3 = await waitStatus(missing.body.id, undefined, 60_000);
  expect(d3.steps[0].error).toMatchObject({ code: 'inventory-not-found', message: expect.stringContaining('stored inventory default/nope not found') });
}, 240_000);

test('approvals over the API: plan and link, only listed approvers decide, reject needs a comment, decisions and announcements audited', async () => {
  const text = wf('change', `    - name: plan
      type: shell
      with: { command: [echo, "--- a/sshd_config\\n+++ b/sshd_config\\n-PermitRootLogin yes\\n+PermitRootLogin no"] }
    - name: approve
      type: approval
      needs: [plan]
      with: { message: Harden sshd, plan: "\${{ steps.plan.outputs.stdout }}", approvers: { roles: [approver] }, timeout: 1h }
    - name: apply
      type: noop
      needs: [approve]
      with: { value: "by \${{ steps.approve.outputs.by }}: \${{ steps.approve.outputs.comment }}" }
`);
  const run = await api('POST', '/api/v1/runs', { yaml: text });
  await waitStatus(run.body.id, (s) => s === 'waiting');
  const list = await api('GET', `/api/v1/approvals?status=pending&run=${run.body.id}`);
  const approval = list.body.items[0];
  expect(approval).toMatchObject({ status: 'pending', message: 'Harden sshd', url: `https://patrol.example.com/approvals/${approval.id}`, approvers: { users: [], roles: ['approver'] }, mayDecide: true });
  expect(approval.plan).toContain('+PermitRootLogin no');

  // Announced once, with the link to the approval screen, before anyone decides.
  for (let i = 0; i < 50 && !announced.some((a) => a.id === approval.id); i++) await new Promise((r) => setTimeout(r, 100));
  expect(announced.filter((a) => a.id === approval.id)).toEqual([{ id: approval.id, link: `https://patrol.example.com/approvals/${approval.id}` }]);
  // Holding approvals.decide is not enough: the approval lists its approvers.
  await t.server.rbac.createRole({ name: 'decider', permissions: ['approvals.read', 'approvals.decide'] });
  const outsider = await t.userWithRoles('outsider', ['decider']);
  expect((await api('GET', `/api/v1/approvals/${approval.id}`, undefined, outsider)).body.mayDecide).toBe(false);
  const refused = await api('POST', `/api/v1/approvals/${approval.id}/approve`, {}, outsider);
  expect(refused.status).toBe(403);
  const approver = await t.userWithRoles('alice', ['approver']);
  const noComment = await api('POST', `/api/v1/approvals/${approval.id}/reject`, {}, approver);
  expect(noComment.status).toBe(400);
  expect(noComment.body.error.field).toBe('body.comment');
  const ok = await api('POST', `/api/v1/approvals/${approval.id}/approve`, { comment: 'diff reviewed' }, approver);
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ status: 'approved', decidedBy: 'alice', comment: 'diff reviewed', mayDecide: false });
  const done = await waitStatus(run.body.id);
  expect(done.run.status).toBe('succeeded');
  await new Promise((r) => setTimeout(r, 2500));
  expect(announced.filter((a) => a.id === approval.id)).toHaveLength(1);
  expect(done.steps.find((s: { name: string }) => s.name === 'apply').outputs).toEqual({ value: 'by alice: diff reviewed' });
  expect((await api('POST', `/api/v1/approvals/${approval.id}/reject`, { comment: 'late' }, approver)).status).toBe(409);

  const audit = await api('GET', `/api/v1/audit?resourceType=approval&resourceId=${approval.id}`);
  const entries = audit.body.items.map((e: { action: string; actor: string; outcome: string }) => `${e.action} ${e.actor} ${e.outcome}`);
  expect(entries.sort()).toEqual(['approvals.approve alice success', 'approvals.approve outsider denied', 'approvals.notify system success', 'approvals.reject alice failure', 'approvals.reject alice failure']);
  expect(audit.body.items.find((e: { action: string; actor: string }) => e.action === 'approvals.approve' && e.actor === 'alice').details.comment).toBe('diff reviewed');
});

test('workflows: create, versions, validation with positions, built-ins read-only', async () => {
  const v1 = wf('deploy', `    - name: go
      type: noop
      with: { value: one }
`);
  expect((await api('POST', '/api/v1/workflows', { yaml: v1 })).status).toBe(201);
  expect((await api('POST', '/api/v1/workflows', { yaml: v1 })).status).toBe(409);
  const same = await api('PUT', '/api/v1/workflows/default/deploy', { yaml: v1 });
  expect(same.body).toMatchObject({ version: 1, created: false });
  const v2 = await api('PUT', '/api/v1/workflows/default/deploy', { yaml: v1.replace('one', 'two') });
  expect(v2.body).toMatchObject({ version: 2, created: true, source: 'stored', steps: [{ name: 'go', type: 'noop', phase: 'main', needs: [] }] });
  const versions = await api('GET', '/api/v1/workflows/default/deploy/versions');
  expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  expect((await api('GET', '/api/v1/workflows/default/deploy?version=1')).body.yaml).toContain('value: one');
  const mismatch = await api('PUT', '/api/v1/workflows/default/other', { yaml: v1 });
  expect(mismatch.status).toBe(400);
  const run = await api('POST', '/api/v1/runs', { workflow: 'deploy', version: 1 });
  expect(run.body.labels['patrol.dev/workflow-version']).toBe('1');

  const broken = 'apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: broken }\nspec:\n  steps:\n    - name: a\n      type: noop\n      needs: [zz]\n';
  const v = await api('POST', '/api/v1/workflows/validate', { yaml: broken });
  expect(v.body.valid).toBe(false);
  expect(v.body.issues[0]).toMatchObject({ line: 8, rule: 'unknown-need', path: 'spec.steps[0].needs[0]' });
  expect(v.body.issues[0].formatted).toMatch(/^8:\d+: spec.steps\[0\].needs\[0\]: step "a" needs unknown step "zz"/);
  const create = await api('POST', '/api/v1/workflows', { yaml: broken });
  expect(create.status).toBe(422);
  expect(create.body.error).toMatchObject({ code: 'unprocessable', field: 'body.yaml', issues: [{ line: 8, rule: 'unknown-need' }] });

  const all = await api('GET', '/api/v1/workflows?limit=500');
  const builtin = all.body.items.find((w: { name: string }) => w.name === 'inspect-hosts');
  expect(builtin).toMatchObject({ source: 'builtin', version: 0 });
  const doc = await api('GET', `/api/v1/workflows/${builtin.namespace}/inspect-hosts`);
  expect(doc.body.params.map((p: { name: string }) => p.name)).toContain('inventory');
  expect((await api('PUT', `/api/v1/workflows/${builtin.namespace}/inspect-hosts`, { yaml: doc.body.yaml })).status).toBe(409);
  // Paging covers every workflow once.
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await api('GET', `/api/v1/workflows?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    names.push(...page.body.items.map((w: { namespace: string; name: string }) => `${w.namespace}/${w.name}`));
    cursor = page.body.next;
  } while (cursor);
  expect(names).toEqual(all.body.items.map((w: { namespace: string; name: string }) => `${w.namespace}/${w.name}`));
  expect((await api('DELETE', '/api/v1/workflows/default/deploy')).status).toBe(204);
  expect((await api('GET', '/api/v1/workflows/default/deploy')).status).toBe(404);
});

test('schedules validate cron, time zone and workflow; disabling clears the next run', async () => {
  await api('POST', '/api/v1/workflows', { yaml: wf('nightly-job', '    - name: x\n      type: noop\n      with: { value: 1 }\n') });
  const badCron = await api('POST', '/api/v1/schedules', { name: 's1', workflow: 'nightly-job', cron: 'every day' });
  expect(badCron.status).toBe(400);
  expect(badCron.body.error.field).toBe('body.cron');
  const badTz = await api('POST', '/api/v1/schedules', { name: 's1', workflow: 'nightly-job', cron: '0 3 * * *', timezone: 'Mars/Olympus' });
  expect(badTz.body.error.field).toBe('body.timezone');
  const noWf = await api('POST', '/api/v1/schedules', { name: 's1', workflow: 'nope', cron: '0 3 * * *' });
  expect(noWf.body.error.field).toBe('body.workflow');
  const s = await api('POST', '/api/v1/schedules', { name: 's1', workflow: 'nightly-job', cron: '0 3 * * *', timezone: 'Asia/Shanghai', params: { a: 1 } });
  expect(s.status).toBe(201);
  expect(new Date(s.body.nextRunAt).getUTCHours()).toBe(19);
  const off = await api('PATCH', `/api/v1/schedules/${s.body.id}`, { enabled: false });
  expect(off.body).toMatchObject({ enabled: false, nextRunAt: null });
  expect(s.body).toMatchObject({ misfire: 'run-once', overlap: 'skip', inspection: null, labels: {} });
  const policy = await api('PATCH', `/api/v1/schedules/${s.body.id}`, { misfire: 'skip', overlap: 'queue', inspection: 'nightly', labels: { team: 'ops' } });
  expect(policy.body).toMatchObject({ misfire: 'skip', overlap: 'queue', inspection: 'nightly', labels: { team: 'ops' } });
  expect((await api('PATCH', `/api/v1/schedules/${s.body.id}`, { overlap: 'sometimes' })).body.error.field).toBe('body.overlap');
});

test('findings: query by check glob, severity, target, host, run and time, paged without gaps; history by fingerprint', async () => {
  const store = t.server.runtime.store;
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const r = await api('POST', '/api/v1/runs', { yaml: wf('inspection-run', '    - name: x\n      type: noop\n      with: { value: 1 }\n'), inspection: 'fleet' });
    runs.push(r.body.id as string);
    await waitStatus(r.body.id);
  }
  const rows = [];
  const base = Date.now();
  for (const [ri, runId] of runs.entries()) {
    for (const [check, sev] of [['host.disk.usage', 'critical'], ['host.disk.inodes', 'warning'], ['host.mem.usage', 'ok'], ['db.pg.conn', 'warning']] as const) {
      for (const host of ['web1', 'web2']) {
        rows.push({ id: newId(), runId, step: 'x', check, category: check.startsWith('db') ? ('db' as const) : ('host' as const), target: `${host}:/`, host, severity: sev, message: `${check} on ${host}`, fingerprint: fingerprintOf(check, `${host}:/`), createdAt: base + ri });
      }
    }
  }
  await store.findings.insert(rows);
  const q = async (query: string) => (await api('GET', `/api/v1/findings?${query}`)).body;
  expect((await q('check=host.disk.*&limit=500')).items).toHaveLength(12);
  expect((await q('check=host.*.usage&limit=500')).items).toHaveLength(12);
  expect((await q('severity=critical,warning&limit=500')).items).toHaveLength(18);
  expect((await q(`run=${runs[0]}&host=web2&limit=500`)).items).toHaveLength(4);
  expect((await q('target=web1:*&category=db&limit=500')).items).toHaveLength(3);
  expect((await q('inspection=fleet&limit=500')).items).toHaveLength(24);
  expect((await q(`until=${base - 60_000}`)).items).toHaveLength(0);
  expect((await q(`since=${new Date(base - 60_000).toISOString()}&limit=500`)).items.length).toBeGreaterThanOrEqual(24);
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await q(`inspection=fleet&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...page.items.map((f: { id: string }) => f.id));
    cursor = page.next;
  } while (cursor);
  expect(ids).toHaveLength(24);
  expect(new Set(ids).size).toBe(24);
  expect([...ids].sort().reverse()).toEqual(ids);
  const one = (await q('check=host.disk.usage&host=web1&limit=1')).items[0];
  const history = await api('GET', `/api/v1/findings/${one.id}/history`);
  expect(history.body.items.map((f: { runId: string }) => f.runId)).toEqual([...runs].reverse());
  const inspections = await api('GET', '/api/v1/inspections');
  expect(inspections.body.items.find((i: { name: string }) => i.name === 'fleet')).toMatchObject({ latestRun: { id: runs[2] }, grade: expect.any(String) });
  const summary = await api('GET', `/api/v1/runs/${runs[2]}/summary`);
  expect(summary.body).toMatchObject({ inspection: 'fleet', findings: 8, previous: { run: runs[1] }, counts: { bySeverity: { critical: 2, warning: 4, ok: 2 } } });
  expect(summary.body.top[0].severity).toBe('critical');
});

test('runs list: filters and keyset pages without duplicates or gaps', async () => {
  const all: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await api('GET', `/api/v1/runs?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    all.push(...page.body.items.map((r: { id: string }) => r.id));
    cursor = page.body.next;
  } while (cursor);
  const total = (await api('GET', '/api/v1/runs?limit=500')).body.items.map((r: { id: string }) => r.id);
  expect(all).toEqual(total);
  expect(new Set(all).size).toBe(all.length);
  const failed = await api('GET', '/api/v1/runs?status=failed&limit=500');
  expect(failed.body.items.every((r: { status: string }) => r.status === 'failed')).toBe(true);
  const byWorkflow = await api('GET', '/api/v1/runs?workflow=flaky');
  expect(byWorkflow.body.items.length).toBe(2);
  expect((await api('GET', `/api/v1/runs?since=${Date.now() + 60_000}`)).body.items).toEqual([]);
  expect(existsSync(t.home)).toBe(true);
});
