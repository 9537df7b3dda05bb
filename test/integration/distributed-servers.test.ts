import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { assertBuilt, REPO } from '../support/cli.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

// Two `patrol serve` and two `patrol worker` processes on one PostgreSQL and one Redis: a schedule
// due every 3 seconds fires exactly once per due time however many servers run, its runs are
// executed by the workers, and both servers serve the API and /metrics.

let pg: PostgresServer;
let redis: RedisServer;
let dir: string;
let env: Record<string, string>;
let store: Store;
const procs: { name: string; proc: ResultPromise; log: string }[] = [];
const urls: string[] = [];

function start(name: string, args: string[]) {
  const log = join(dir, `${name}.log`);
  const proc = execa('node', [join(REPO, 'bin/patrol.js'), ...args], { env: { ...env, PATROL_HOME: join(dir, name) }, stdout: { file: log }, stderr: { file: `${log}.err` }, reject: false });
  procs.push({ name, proc, log });
}

function logs(): string {
  return procs.map((p) => `--- ${p.name}\n${[p.log, `${p.log}.err`].filter(existsSync).map((f) => readFileSync(f, 'utf8').slice(-1200)).join('\n')}`).join('\n');
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'patrol-servers-'));
  pg = await startPostgres();
  await pg.createDatabase('patrol');
  redis = await startRedis();
  env = {
    DATABASE_URL: pg.urlFor('patrol'),
    REDIS_URL: redis.url,
    PATROL_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    PATROL_SECRET_KEY: randomBytes(32).toString('base64'),
    PATROL_ADMIN_PASSWORD: 'admin-password-1',
    PATROL_BCRYPT_ROUNDS: '4',
  };
  start('server-1', ['serve', '--listen', '127.0.0.1:0']);
  // The second server starts once the first has migrated the database.
  await until('server-1 listening', async () => /Patrol (http:\/\/\S+)/.exec(readFileSync(join(dir, 'server-1.log.err'), 'utf8'))?.[1]);
  start('server-2', ['serve', '--listen', '127.0.0.1:0']);
  start('worker-1', ['worker', '--concurrency', '2']);
  start('worker-2', ['worker', '--concurrency', '2']);
  for (const s of ['server-1', 'server-2']) urls.push(await until(`${s} listening`, async () => /Patrol (http:\/\/\S+)/.exec(readFileSync(join(dir, `${s}.log.err`), 'utf8'))?.[1]));
  store = await openStore({ url: env.DATABASE_URL!, migrate: false });
  await until('two workers and two servers registered', async () => {
    const live = await store.workers.live(Date.now() - 5000);
    return live.filter((w) => w.role === 'worker').length === 2 && live.filter((w) => w.role === 'server').length === 2;
  });
}, 180_000);

afterAll(async () => {
  for (const p of procs) p.proc.kill('SIGKILL');
  await Promise.allSettled(procs.map((p) => p.proc));
  await store?.close();
  await redis?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function adminToken(url: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password-1' }) });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const created = await fetch(`${url}/api/v1/me/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name: 'test', expiresInDays: 1 }) });
  return ((await created.json()) as { token: string }).token;
}

test('a schedule fires exactly once per due time with two servers; workers run its runs', async () => {
  const token = await adminToken(urls[0]!);
  const api = async (url: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  await api(urls[0]!, 'POST', '/api/v1/workflows', {
    yaml: 'apiVersion: patrol.dev/v1\nkind: Workflow\nmetadata: { name: tick }\nspec:\n  steps:\n    - { name: work, type: shell, with: { command: [sh, -c, "echo ran on $PATROL_RUN_ID"] } }\n',
  });
  // Through the other server: both see the same database.
  const schedule = await api(urls[1]!, 'POST', '/api/v1/schedules', { name: 'every-3s', workflow: 'tick', cron: '*/3 * * * * *', timezone: 'UTC', misfire: 'skip', overlap: 'queue' });
  const firings = await until('6 firings', async () => {
    const f = await store.firings.list(schedule.id, 100);
    return f.filter((x) => x.outcome === 'fired').length >= 6 ? f : undefined;
  }, 90_000);
  await api(urls[0]!, 'PATCH', `/api/v1/schedules/${schedule.id}`, { enabled: false });
  // One row per due time (the primary key) and every due time fired once, by one of the servers.
  const fired = firings.filter((f) => f.outcome === 'fired');
  expect(new Set(fired.map((f) => f.dueAt)).size).toBe(fired.length);
  const dues = fired.map((f) => f.dueAt).sort((a, b) => a - b);
  for (let i = 1; i < dues.length; i++) expect(dues[i]! - dues[i - 1]!).toBe(3000);
  const runIds = fired.map((f) => f.runId!);
  expect(new Set(runIds).size).toBe(runIds.length);
  // The runs complete on the workers, not on the servers.
  await until('the runs to finish', async () => (await Promise.all(runIds.map((id) => store.runs.getRun(id)))).every((r) => r?.status === 'succeeded'), 60_000);
  const workers = new Set((await store.workers.live(Date.now() - 10_000)).filter((w) => w.role === 'worker').map((w) => w.id));
  for (const id of runIds) {
    const attempts = await store.runs.listAttempts(id);
    expect(attempts).toHaveLength(1);
    expect(workers.has(attempts[0]!.owner!)).toBe(true);
  }
  // Both servers serve metrics, and the firings show up as scheduler activity.
  let firedByServers = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('patrol_schedule_firings_total');
    firedByServers += Number(/patrol_schedule_firings_total\{outcome="fired"\} (\d+)/.exec(text)?.[1] ?? 0);
  }
  expect(firedByServers).toBeGreaterThanOrEqual(fired.length);
  const ready = await (await fetch(`${urls[1]}/readyz`)).json();
  expect(ready).toMatchObject({ status: 'ready', checks: { database: { ok: true }, redis: { ok: true }, workers: { ok: true } } });
}, 180_000);
