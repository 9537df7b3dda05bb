import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol, assertBuilt, startServe, type ServeProcess } from '../support/cli.js';

// `patrol serve` as a real process, and the CLI in client mode (PATROL_SERVER) against it.

let home: string;
let serve: ServeProcess | undefined;
let url: string;
let token: string;

const WF = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: hello }
spec:
  params:
    - { name: n, type: number, default: 2 }
  steps:
    - name: say
      type: shell
      with: { command: [sh, -c, "for i in $(seq 1 \${{ params.n }}); do echo line $i; sleep 0.1; done"] }
    - name: after
      type: noop
      needs: [say]
      with: { value: "said \${{ params.n }}" }
`;

const APPROVAL = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: gated }
spec:
  steps:
    - name: approve
      type: approval
      with: { message: Go ahead?, plan: "restart nginx", timeout: 1h }
    - name: after
      type: noop
      needs: [approve]
      with: { value: "by \${{ steps.approve.outputs.by }}" }
`;

beforeAll(async () => {
  assertBuilt();
  home = mkdtempSync(join(tmpdir(), 'patrol-serve-'));
  writeFileSync(join(home, 'wf.yaml'), WF);
  writeFileSync(join(home, 'fail.yaml'), WF.replace('name: hello', 'name: failing').replace('sleep 0.1; done', 'sleep 0.1; done; exit 4'));
  writeFileSync(join(home, 'bad.yaml'), WF.replace('type: noop', 'type: nope'));
  writeFileSync(join(home, 'gated.yaml'), APPROVAL);
  serve = await startServe({ home, env: { PATROL_ADMIN_PASSWORD: 'admin-password-1', PATROL_BCRYPT_ROUNDS: '4', PATROL_LOG_LEVEL: 'warn' } });
  url = serve.url;
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password-1' }) });
  expect(login.status).toBe(200);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const created = await fetch(`${url}/api/v1/me/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name: 'cli', expiresInDays: 1 }) });
  expect(created.status).toBe(201);
  token = ((await created.json()) as { token: string }).token;
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  rmSync(home, { recursive: true, force: true });
});

const remote = (args: string[], env: Record<string, string> = {}) => patrol(args, { home, env: { PATROL_SERVER: url, PATROL_TOKEN: token, ...env } });
const local = (args: string[]) => patrol(args, { home });

test('health and readiness', async () => {
  expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ready', checks: { store: { ok: true } } });
  // A probe leaves checks out by name; names that match no check are ignored (one probe for both modes).
  const some = (await (await fetch(`${url}/readyz?exclude=store,workers`)).json()) as { checks: Record<string, unknown> };
  expect(Object.keys(some.checks)).not.toContain('store');
});

test('the web console is served at / next to the API (docs/console.md)', async () => {
  // What someone opening the server's address sees: the login page, then the dashboard.
  const root = await fetch(`${url}/`, { redirect: 'manual' });
  expect(root.status).toBe(303);
  expect(root.headers.get('location')).toBe('/login?next=%2F');
  const page = await fetch(`${url}/runs`, { redirect: 'manual' });
  expect(page.status).toBe(303);
  expect(page.headers.get('location')).toBe('/login?next=%2Fruns');
  const login = await fetch(`${url}/login`);
  expect(login.status).toBe(200);
  expect(await login.text()).toContain('id="login-form"');
  expect((await fetch(`${url}/static/console.js`)).status).toBe(200);
  expect(serve!.stderr()).toContain(`console ${url}/`);
});

test('client mode runs, lists, shows and prints logs like the embedded mode, with the same exit codes', async () => {
  const run = await remote(['run', join(home, 'wf.yaml'), '-p', 'n=3', '--json']);
  expect(run.exitCode).toBe(0);
  const out = JSON.parse(run.stdout);
  expect(out).toMatchObject({ workflow: 'hello', status: 'succeeded', params: { n: 3 } });
  expect(out.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['say:succeeded', 'after:succeeded']);
  expect(out.steps[1].outputs).toEqual({ value: 'said 3' });

  const progress = await remote(['run', join(home, 'wf.yaml')]);
  expect(progress.exitCode).toBe(0);
  expect(progress.stderr).toMatch(/run \w{26}\s+hello/);
  expect(progress.stderr).toMatch(/say\s+succeeded/);
  expect(progress.stderr).toContain('succeeded in');

  const failed = await remote(['run', join(home, 'fail.yaml')]);
  expect(failed.exitCode).toBe(1);
  const invalid = await remote(['run', join(home, 'bad.yaml')]);
  expect(invalid.exitCode).toBe(2);
  expect(invalid.stderr).toMatch(new RegExp(`${join(home, 'bad.yaml').replace(/[/.]/g, '\\$&')}:\\d+:\\d+: spec.steps\\[1\\].type: unknown step type "nope"`));

  // Same output through the server and straight from the store.
  const showRemote = await remote(['runs', 'show', out.id.slice(0, 10), '--json']);
  const showLocal = await local(['runs', 'show', out.id, '--json']);
  expect(showRemote.exitCode).toBe(0);
  const strip = (s: string) => {
    const j = JSON.parse(s);
    j.attempts = j.attempts.map((a: Record<string, unknown>) => ({ step: a.step, attempt: a.attempt, status: a.status }));
    return j;
  };
  expect(strip(showRemote.stdout)).toEqual(strip(showLocal.stdout));
  const listRemote = await remote(['runs', 'list', '--json', '--limit', '2']);
  const listLocal = await local(['runs', 'list', '--json', '--limit', '2']);
  expect(JSON.parse(listRemote.stdout)).toEqual(JSON.parse(listLocal.stdout));
  const table = await remote(['runs', 'list', '--limit', '2']);
  expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+STARTED\s+DURATION\s+REASON$/);
  expect(table.stdout).toContain('more: patrol runs list --before ');
  const next = /--before (\w+)/.exec(table.stdout)![1]!;
  expect((await remote(['runs', 'list', '--json', '--before', next])).exitCode).toBe(0);

  const logsRemote = await remote(['logs', out.id]);
  const logsLocal = await local(['logs', out.id]);
  expect(logsRemote.stdout).toBe(logsLocal.stdout);
  expect(logsRemote.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\S+ /, ''))).toEqual(['say line 1', 'say line 2', 'say line 3']);
});

test('logs --follow streams a live run over SSE until it ends', async () => {
  const res = await fetch(`${url}/api/v1/runs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ workflow: 'hello', params: { n: 15 } }) });
  const run = (await res.json()) as { id: string };
  const started = Date.now();
  const follow = await remote(['logs', run.id, '--follow']);
  expect(follow.exitCode).toBe(0);
  expect(Date.now() - started).toBeGreaterThan(800);
  expect(follow.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, ''))).toEqual(Array.from({ length: 15 }, (_, i) => `say line ${i + 1}`));
});

test('approvals, cancel and credentials in client mode', async () => {
  // Secrets are read from standard input (not the command line) and go only to the server.
  const gated = remote(['run', join(home, 'gated.yaml'), '--json']);
  let id = '';
  for (let i = 0; i < 100 && !id; i++) {
    const list = await remote(['approvals', 'list', '--json']);
    id = JSON.parse(list.stdout).items[0]?.id ?? '';
    if (!id) await new Promise((r) => setTimeout(r, 200));
  }
  expect(id).not.toBe('');
  const show = await remote(['approvals', 'show', id]);
  expect(show.stdout).toContain('restart nginx');
  expect(show.stdout).toContain(`link      ${url}/approvals/${id}`);
  expect((await remote(['approvals', 'reject', id])).exitCode).toBe(2);
  const ok = await remote(['approvals', 'approve', id, '-m', 'fine']);
  expect(ok.stdout).toContain(`approval ${id} approved by admin`);
  const finished = await gated;
  expect(finished.exitCode).toBe(0);
  expect(JSON.parse(finished.stdout).steps[1].outputs).toEqual({ value: 'by admin' });

  const res = await fetch(`${url}/api/v1/runs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ workflow: 'hello', params: { n: 200 } }) });
  const run = (await res.json()) as { id: string };
  const cancel = await remote(['cancel', run.id]);
  expect(cancel.exitCode).toBe(0);
  expect(cancel.stdout).toContain(`${run.id} cancelled`);

  const add2 = await patrol(['credentials', 'add', 'web-key', '--type', 'token', '--field', 'token=-'], { home, input: 'tok-3cr3t-value\n', env: { PATROL_SERVER: url, PATROL_TOKEN: token } });
  expect(add2.exitCode).toBe(0);
  expect(add2.stdout).toBe('credential web-key (token) saved with fields token');
  const list = await remote(['credentials', 'list', '--json']);
  expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'web-key', type: 'token', fieldNames: ['token'] })]);
  expect(list.stdout).not.toContain('tok-3cr3t-value');
  const deleted = await remote(['credentials', 'delete', 'web-key']);
  expect({ exitCode: deleted.exitCode, stderr: deleted.stderr }).toEqual({ exitCode: 0, stderr: '' });
  expect((await remote(['credentials', 'delete', 'web-key'])).exitCode).toBe(2);
});

test('bad tokens and unreachable servers are clear errors (exit 2)', async () => {
  const bad = await remote(['runs', 'list'], { PATROL_TOKEN: 'ptk_nope' });
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toContain('error: invalid API token');
  const none = await remote(['runs', 'list'], { PATROL_SERVER: 'http://127.0.0.1:1' });
  expect(none.exitCode).toBe(2);
  expect(none.stderr).toContain('cannot reach the Patrol server at http://127.0.0.1:1');
  const notFound = await remote(['runs', 'show', 'zzzzzzzz']);
  expect(notFound.exitCode).toBe(2);
  expect(notFound.stderr).toContain('run zzzzzzzz not found');
});

test('SIGTERM stops the server gracefully', async () => {
  const started = Date.now();
  serve!.process.kill('SIGTERM');
  const res = await serve!.process;
  expect(res.exitCode).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  // The store is consistent for the embedded CLI afterwards.
  expect((await local(['runs', 'list', '--json'])).exitCode).toBe(0);
});
