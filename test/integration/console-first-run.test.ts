import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patrol, startServe, type ServeProcess } from '../support/cli.js';

// A fresh embedded install as the README starts it: `patrol serve` with no users and no
// configuration. Opening the address shows the login page, which says how to create the first
// administrator; after `patrol users add NAME --admin` that user signs in to the dashboard.

let home: string;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'patrol-first-run-'));
  serve = await startServe({ home, env: { PATROL_BCRYPT_ROUNDS: '4', PATROL_LOG_LEVEL: 'warn' } });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** The cookies a response sets, as a Cookie header value. */
const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

test('opening the server shows the login page, then the first administrator signs in', async () => {
  const url = serve!.url;
  const root = await fetch(`${url}/`, { redirect: 'manual' });
  expect(root.status).toBe(303);
  expect(root.headers.get('location')).toBe('/login?next=%2F');
  const first = await (await fetch(`${url}/login?next=%2F`)).text();
  expect(first).toContain('id="login-form"');
  expect(first).toContain('id="no-users"');
  expect(first).toContain('patrol users add NAME --admin');

  const added = await patrol(['users', 'add', 'root', '--admin', '--password-stdin'], { home, input: 'root-password-1\n', env: { PATROL_BCRYPT_ROUNDS: '4' } });
  expect({ exitCode: added.exitCode, stderr: added.stderr }).toEqual({ exitCode: 0, stderr: expect.any(String) });

  const form = await fetch(`${url}/login?next=%2F`);
  const html = await form.text();
  expect(html).not.toContain('id="no-users"');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  expect(csrf).toBeTruthy();
  const signIn = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(form) },
    body: new URLSearchParams({ _csrf: csrf!, next: '/', username: 'root', password: 'root-password-1' }).toString(),
  });
  expect(signIn.status).toBe(303);
  expect(signIn.headers.get('location')).toBe('/');
  const dashboard = await fetch(`${url}/`, { headers: { cookie: cookiesOf(signIn) } });
  expect(dashboard.status).toBe(200);
  const page = await dashboard.text();
  expect(page).toContain('id="summary"');
  expect(page).toContain('root');
});
