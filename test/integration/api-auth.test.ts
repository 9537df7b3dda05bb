import { Writable } from 'node:stream';
import pino from 'pino';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { sha256 } from '../../src/auth/secrets.js';
import { newId } from '../../src/util/ids.js';

let t: TestServer;
let serverLog = '';

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      serverLog += String(chunk);
      cb();
    },
  });
  t = await startTestServer({
    logger: pino({ level: 'debug' }, sink),
    auth: { maxFailedLogins: 3, lockoutMs: 60_000 },
    api: { loginAttemptsPerMinute: 6 },
  });
}, 60_000);

afterAll(async () => {
  for (const r of await t.server.runtime.store.runs.activeRuns()) await t.server.runtime.engine.cancel(r.id).catch(() => undefined);
  await t?.close();
});

function cookiesOf(res: { headers: Headers }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    out[pair!.slice(0, i)] = pair!.slice(i + 1);
  }
  return out;
}

test('console sessions: httpOnly SameSite cookie, CSRF token required on unsafe requests, logout ends it', async () => {
  await t.userWithRoles('carol', ['operator'], { password: 'carol-password-1' });
  const login = await t.call('POST', '/api/v1/auth/login', { body: { username: 'carol', password: 'carol-password-1' } });
  expect(login.status).toBe(200);
  const raw = login.headers.getSetCookie();
  const session = raw.find((c) => c.startsWith('patrol_session='))!;
  expect(session).toMatch(/HttpOnly/i);
  expect(session).toMatch(/SameSite=Strict/i);
  expect(session).toMatch(/Path=\//);
  expect(raw.find((c) => c.startsWith('patrol_csrf='))).not.toMatch(/HttpOnly/i);
  const cookies = cookiesOf(login);
  expect(login.body.csrfToken).toBe(cookies.patrol_csrf);
  expect(login.body.user).toMatchObject({ name: 'carol', hasPassword: true });
  expect(JSON.stringify(login.body)).not.toContain('$2');
  const cookie = `patrol_session=${cookies.patrol_session}; patrol_csrf=${cookies.patrol_csrf}`;

  const me = await t.call('GET', '/api/v1/me', { headers: { cookie } });
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ via: 'session', csrfToken: login.body.csrfToken, user: { name: 'carol' } });
  expect(me.body.permissions['runs.trigger']).toBe('*');

  const silence = { matchers: ['host="web1"'], duration: '1h', comment: 'maintenance' };
  const noCsrf = await t.call('POST', '/api/v1/silences', { headers: { cookie }, body: silence });
  expect(noCsrf.status).toBe(403);
  expect(noCsrf.body.error.code).toBe('csrf-failed');
  const wrongCsrf = await t.call('POST', '/api/v1/silences', { headers: { cookie, 'x-csrf-token': 'nope' }, body: silence });
  expect(wrongCsrf.status).toBe(403);
  const ok = await t.call('POST', '/api/v1/silences', { headers: { cookie, 'x-csrf-token': login.body.csrfToken }, body: silence });
  expect(ok.status).toBe(201);
  expect(ok.body.createdBy).toBe('carol');
  // Safe methods need no CSRF token.
  expect((await t.call('GET', '/api/v1/silences', { headers: { cookie } })).status).toBe(200);

  const out = await t.call('POST', '/api/v1/auth/logout', { headers: { cookie, 'x-csrf-token': login.body.csrfToken }, body: {} });
  expect(out.status).toBe(204);
  expect(out.headers.getSetCookie().some((c) => /^patrol_session=;/.test(c))).toBe(true);
  expect((await t.call('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(401);
  // Only the hash of the session id is stored.
  const rows = await t.server.runtime.store.db.selectFrom('sessions').selectAll().execute();
  expect(JSON.stringify(rows)).not.toContain(cookies.patrol_session!);
});

test('failed logins lock the account; locked accounts are refused even with the right password; unlock works; all audited', async () => {
  await t.userWithRoles('dave', ['viewer'], { password: 'dave-password-1' });
  const attempt = (password: string) => t.call('POST', '/api/v1/auth/login', { body: { username: 'dave', password }, headers: { 'user-agent': 'lockout-test' } });
  for (let i = 0; i < 3; i++) {
    const r = await attempt('wrong-password');
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: 'invalid-credentials', message: 'wrong user name or password' });
  }
  const locked = await attempt('dave-password-1');
  expect(locked.status).toBe(429);
  expect(locked.body.error.code).toBe('account-locked');
  expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  const unlock = await t.call('POST', '/api/v1/users/dave/unlock', { token: t.adminToken, body: {} });
  expect(unlock.status).toBe(200);
  expect((await attempt('dave-password-1')).status).toBe(200);
  // Unknown users get the same answer as wrong passwords.
  const unknown = await t.call('POST', '/api/v1/auth/login', { body: { username: 'nobody', password: 'whatever-1' } });
  expect(unknown.status).toBe(401);
  expect(unknown.body.error).toEqual({ code: 'invalid-credentials', message: 'wrong user name or password' });

  const audit = await t.call('GET', '/api/v1/audit?action=auth.login&actor=dave&limit=20', { token: t.adminToken });
  const outcomes = audit.body.items.map((e: { outcome: string }) => e.outcome).reverse();
  expect(outcomes).toEqual(['failure', 'failure', 'failure', 'failure', 'success']);
  const last = audit.body.items[0];
  expect(last).toMatchObject({ actor: 'dave', action: 'auth.login', resourceType: 'user', resourceId: 'dave', ip: expect.stringMatching(/127\.0\.0\.1/), userAgent: 'lockout-test' });
  expect(JSON.stringify(audit.body)).not.toContain('dave-password-1');
  expect(JSON.stringify(audit.body)).not.toContain('wrong-password');
  const unlocked = await t.call('GET', '/api/v1/audit?action=users.unlock', { token: t.adminToken });
  expect(unlocked.body.items[0]).toMatchObject({ actor: 'admin', resourceId: 'dave', outcome: 'success' });
});

test('login attempts are rate limited per client and user name', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await t.call('POST', '/api/v1/auth/login', { body: { username: 'mallory', password: `guess-${i}-xxxx` } })).status);
  expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
  expect(statuses.slice(6)).toEqual([429, 429]);
  const r = await t.call('POST', '/api/v1/auth/login', { body: { username: 'mallory', password: 'x' } });
  expect(r.body.error.code).toBe('rate-limited');
});

test('API tokens: hashed, scoped to a subset of the holder, expiring, revocable', async () => {
  const adminScoped = await t.call('POST', '/api/v1/me/tokens', { token: t.adminToken, body: { name: 'read-only', scopes: ['runs.read'], expiresInDays: 1 } });
  expect(adminScoped.status).toBe(201);
  const secret: string = adminScoped.body.token;
  expect(secret).toMatch(/^ptk_[\w-]{43}$/);
  const stored = await t.server.runtime.store.db.selectFrom('api_tokens').selectAll().execute();
  expect(JSON.stringify(stored)).not.toContain(secret);
  expect(stored.some((r) => r.token_hash === sha256(secret))).toBe(true);
  // Listing never shows the secret.
  expect(JSON.stringify((await t.call('GET', '/api/v1/me/tokens', { token: t.adminToken })).body)).not.toContain(secret);

  expect((await t.call('GET', '/api/v1/runs', { token: secret })).status).toBe(200);
  const denied = await t.call('GET', '/api/v1/credentials', { token: secret });
  expect(denied.status).toBe(403);
  expect(denied.body.error.message).toContain('credentials.read');
  expect((await t.call('GET', '/api/v1/me', { token: secret })).body.permissions).toEqual({ 'runs.read': '*' });
  // A scoped token cannot mint a broader one.
  const widen = await t.call('POST', '/api/v1/me/tokens', { token: secret, body: { name: 'wider', scopes: ['credentials.write'], expiresInDays: 1 } });
  expect(widen.status).toBe(403);

  const viewer = await t.userWithRoles('erin', ['viewer']);
  const tooMuch = await t.call('POST', '/api/v1/me/tokens', { token: viewer, body: { name: 'x', scopes: ['credentials.write'], expiresInDays: 1 } });
  expect(tooMuch.status).toBe(403);
  expect(tooMuch.body.error.field).toBe('scopes[0]');
  const unknownScope = await t.call('POST', '/api/v1/me/tokens', { token: viewer, body: { name: 'x', scopes: ['runs.everything'], expiresInDays: 1 } });
  expect(unknownScope.status).toBe(400);

  // An expired token is refused with a clear message.
  const expired = `ptk_${'e'.repeat(43)}`;
  const user = await t.server.auth.getUser('erin');
  await t.server.runtime.store.tokens.insert({ id: newId(), userId: user.id, name: 'old', tokenHash: sha256(expired), scopes: null, expiresAt: Date.now() - 1000, createdBy: 'test', createdAt: Date.now() - 86_400_000, lastUsedAt: null, revokedAt: null });
  const res = await t.call('GET', '/api/v1/runs', { token: expired });
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('token-expired');
  expect(res.headers.get('www-authenticate')).toContain('Bearer');

  const revoked = await t.call('DELETE', `/api/v1/me/tokens/${adminScoped.body.id}`, { token: t.adminToken });
  expect(revoked.status).toBe(200);
  expect(revoked.body.revokedAt).not.toBeNull();
  expect((await t.call('GET', '/api/v1/runs', { token: secret })).status).toBe(401);
});

test('passwords are stored as bcrypt hashes and never returned', async () => {
  const created = await t.call('POST', '/api/v1/users', { token: t.adminToken, body: { name: 'frank', password: 'frank-password-1' } });
  expect(created.status).toBe(201);
  expect(JSON.stringify(created.body)).not.toContain('frank-password-1');
  const row = await t.server.runtime.store.db.selectFrom('users').select('password_hash').where('name', '=', 'frank').executeTakeFirstOrThrow();
  expect(row.password_hash).toMatch(/^\$2[aby]\$\d\d\$/);
  const weak = await t.call('POST', '/api/v1/users', { token: t.adminToken, body: { name: 'weak', password: 'short' } });
  expect(weak.status).toBe(400);
  expect(weak.body.error.field).toBe('password');
});

test('credential values are write-only: never in responses, errors, the audit log or the server log', async () => {
  const secret = 'Sup3r-Secret-Value-42';
  const put = await t.call('PUT', '/api/v1/credentials/db-main', { token: t.adminToken, body: { type: 'password', fields: { username: 'app', password: secret }, description: 'main db' } });
  expect(put.status).toBe(200);
  expect(put.body).toEqual({ name: 'db-main', type: 'password', description: 'main db', username: 'app', fieldNames: ['password', 'username'], createdAt: expect.any(Number), updatedAt: expect.any(Number) });
  const bad = await t.call('PUT', '/api/v1/credentials/db-bad', { token: t.adminToken, body: { type: 'ssh-key', fields: { password: secret } } });
  expect(bad.status).toBe(400);
  expect(bad.text).not.toContain(secret);
  const wrongType = await t.call('PUT', '/api/v1/credentials/db-bad', { token: t.adminToken, body: { type: 'password', fields: { password: 42 } } });
  expect(wrongType.status).toBe(400);
  expect((await t.call('GET', '/api/v1/credentials/db-main', { token: t.adminToken })).text).not.toContain(secret);
  expect((await t.call('GET', '/api/v1/credentials', { token: t.adminToken })).text).not.toContain(secret);
  const audit = await t.call('GET', '/api/v1/audit?resourceType=credential', { token: t.adminToken });
  expect(audit.body.items[0]).toMatchObject({ action: 'credentials.write', resourceId: 'db-bad', outcome: 'failure' });
  expect(audit.body.items.find((e: { resourceId: string; outcome: string }) => e.resourceId === 'db-main' && e.outcome === 'success').details).toMatchObject({ type: 'password', fieldNames: ['password', 'username'] });
  const exported = await fetch(`${t.url}/api/v1/audit/export?format=jsonl`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  const lines = (await exported.text()).trim().split('\n');
  expect(lines.length).toBeGreaterThan(3);
  expect(lines.join('\n')).not.toContain(secret);
  // A run using the credential: its value is masked in logs and outputs.
  const wf = `apiVersion: patrol.dev/v1
kind: Workflow
metadata: { name: uses-secret }
spec:
  params:
    - { name: pw, type: string, secret: true }
  steps:
    - name: echo
      type: shell
      with: { command: [sh, -c, "echo the password is \${{ params.pw }}"] }
`;
  const run = await t.call('POST', '/api/v1/runs', { token: t.adminToken, body: { yaml: wf, params: { pw: secret } } });
  expect(run.status).toBe(201);
  expect(run.body.params.pw).toBe('********');
  await t.server.runtime.engine.waitFor(run.body.id, { timeoutMs: 20_000 });
  await t.server.runtime.engine.flushLogs();
  const logs = await t.call('GET', `/api/v1/runs/${run.body.id}/logs`, { token: t.adminToken });
  expect(logs.body.items.length).toBeGreaterThan(0);
  const detail = await t.call('GET', `/api/v1/runs/${run.body.id}`, { token: t.adminToken });
  expect(detail.body.run.params.pw).toBe('********');
  for (const text of [logs.text, detail.text, serverLog]) expect(text).not.toContain(secret);
  expect(serverLog.length).toBeGreaterThan(0);
});

test('helmet headers, no stack traces, request ids', async () => {
  const res = await t.call('GET', '/api/v1/runs/zzzzzzzzzzzzzzzzzzzzzzzzzz', { token: t.adminToken });
  expect(res.status).toBe(404);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(res.headers.get('x-powered-by')).toBeNull();
  expect(res.headers.get('x-request-id')).toMatch(/[\w-]+/);
  expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
});
