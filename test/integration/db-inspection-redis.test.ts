import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { startRedis, type RedisServer } from '../support/redis.js';
import { cliHome, findingOf, type CliHome, type InspectionResult } from '../support/db-inspection.js';
import { patrol } from '../support/cli.js';
import { waitUntil } from '../support/local-servers.js';

/**
 * Redis inspection end to end through the real `patrol inspect db` CLI: a calm Redis and a busy
 * one with a tiny maxmemory (allkeys-lru) and maxclients 20. Run 1 is a quiet baseline; then the
 * test fills the busy one past maxmemory (evictions), opens clients up to and beyond maxclients
 * (rejected connections) and makes BGSAVE fail (its directory removed); run 2 sees it all; run 3
 * sees no new evictions or rejections since run 2 (counters since the previous run).
 */

const CALM_PW = 'calm-token-5d2e8f';
const BUSY_PW = 'busy-pw-a81c77';
let calm: RedisServer;
let busy: RedisServer;
let cli: CliHome;
let config: string;
const sockets: Socket[] = [];
let run1: InspectionResult;
let run2: InspectionResult;
let run3: InspectionResult;

function openClient(r: RedisServer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: r.host, port: r.port }, () => resolve(s));
    s.on('error', reject);
    // Read (and drop) what the server sends, so an error reply and its close are noticed.
    s.on('data', () => undefined);
    s.on('end', () => s.end());
  });
}

/** RESP for SET key value. */
const setCommand = (k: string, v: string) => `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;

beforeAll(async () => {
  calm = await startRedis({ password: CALM_PW });
  busy = await startRedis({ password: BUSY_PW, config: { maxmemory: '4mb', 'maxmemory-policy': 'allkeys-lru', maxclients: 20, 'enable-protected-configs': 'yes' } });
  cli = cliHome();
  await cli.addCredential('redis-calm', 'token', { token: CALM_PW });
  await cli.addCredential('redis-busy', 'password', { username: 'default', password: BUSY_PW });
  const db = (name: string, r: RedisServer | number, credential?: string) => ({ name, type: 'redis', host: '127.0.0.1', port: typeof r === 'number' ? r : r.port, ...(credential ? { credential } : {}) });
  config = cli.writeConfig('redis-inspection', {
    databases: [db('calm', calm, 'redis-calm'), db('busy', busy, 'redis-busy'), db('down-redis', 1, 'redis-calm'), db('noauth-redis', busy)],
  });
  await calm.cli(['SET', 'greeting', 'hello']);

  run1 = await cli.inspect(config);

  // --- Problems on the busy one.
  await busy.cli(['--pipe'], { input: Array.from({ length: 12_000 }, (_, i) => setCommand(`key:${i}`, 'v'.repeat(1000))).join('') });
  for (let i = 0; i < 17; i++) sockets.push(await openClient(busy));
  // Five more than the 3 free slots: Redis accepts and immediately drops the excess (rejected_connections).
  const extra = await Promise.all(Array.from({ length: 5 }, () => openClient(busy)));
  // The rejected ones are closed by the server after its error reply.
  await waitUntil('Redis to drop the excess clients', () => extra.filter((s) => s.readableEnded || s.destroyed).length >= 2);
  for (const s of extra) s.destroy();
  await waitUntil('rejected connections', async () => Number((await busy.info('stats').catch(() => ({ rejected_connections: '0' }))).rejected_connections) >= 2);
  await waitUntil('17 clients left', async () => Number((await busy.info('clients')).connected_clients) === 18); // 17 + the redis-cli asking
  // BGSAVE into a directory that no longer exists fails.
  const snapDir = join(busy.dir, 'snapshots');
  mkdirSync(snapDir);
  await busy.cli(['CONFIG', 'SET', 'dir', snapDir]);
  rmSync(snapDir, { recursive: true });
  await busy.cli(['BGSAVE']);
  await waitUntil('BGSAVE to fail', async () => {
    const p = await busy.info('persistence');
    return p.rdb_bgsave_in_progress === '0' && p.rdb_last_bgsave_status === 'err';
  });

  run2 = await cli.inspect(config);
  run3 = await cli.inspect(config);
}, 360_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await busy?.stop();
  await calm?.stop();
  cli?.remove();
});

const CHECKS = ['db.redis.memory', 'db.redis.evictions', 'db.redis.clients', 'db.redis.rejected_connections', 'db.redis.persistence'];

test('run 1 (baseline): every Redis check is ok on both servers; calm stays ok in every run', () => {
  for (const target of ['calm', 'busy']) for (const c of CHECKS) expect([c, target, findingOf(run1, c, target).severity]).toEqual([c, target, 'ok']);
  for (const r of [run2, run3]) for (const c of CHECKS) expect([c, findingOf(r, c, 'calm').severity]).toEqual([c, 'ok']);
  // No maxmemory on calm: compared with the host's memory, and said so.
  expect(findingOf(run1, 'db.redis.memory', 'calm').message).toContain('no maxmemory set');
});

test('memory vs maxmemory and evictions fire on the full instance', () => {
  const mem = findingOf(run2, 'db.redis.memory', 'busy');
  expect(mem.severity).toBe('critical');
  expect(mem.value as number).toBeGreaterThanOrEqual(90);
  expect(mem.message).toContain('maxmemory 4.0 MiB, policy allkeys-lru');
  const ev = findingOf(run2, 'db.redis.evictions', 'busy');
  expect(ev.severity).toBe('warning');
  expect(ev.value as number).toBeGreaterThan(1000);
  expect(ev.message).toContain('since the last run');
});

test('connected clients vs maxclients and rejected connections fire', () => {
  const cl = findingOf(run2, 'db.redis.clients', 'busy');
  expect(cl).toMatchObject({ severity: 'warning', value: 85 });
  expect(cl.message).toContain('17 of 20 clients connected');
  const rej = findingOf(run2, 'db.redis.rejected_connections', 'busy');
  expect(rej.severity).toBe('warning');
  expect(rej.value as number).toBeGreaterThanOrEqual(2);
});

test('a failed BGSAVE is a critical persistence error', () => {
  const p = findingOf(run2, 'db.redis.persistence', 'busy');
  expect(p).toMatchObject({ severity: 'critical', value: 1 });
  expect(p.message).toContain('rdb_last_bgsave_status:err');
  expect(p.evidence?.raw).toContain('rdb_last_bgsave_status:err');
  expect(p.evidence?.command).toMatch(/^redis-cli -h 127\.0\.0\.1 -p \d+ INFO all$/);
});

test('counters are judged since the previous run: no new evictions or rejections in run 3', () => {
  expect(findingOf(run3, 'db.redis.evictions', 'busy')).toMatchObject({ severity: 'ok', value: 0 });
  expect(findingOf(run3, 'db.redis.rejected_connections', 'busy')).toMatchObject({ severity: 'ok', value: 0 });
  // The states that persist still fire.
  expect(findingOf(run3, 'db.redis.memory', 'busy').severity).toBe('critical');
  expect(findingOf(run3, 'db.redis.persistence', 'busy').severity).toBe('critical');
});

test('unreachable server and missing credentials make every check an error with the reason', () => {
  const down = run1.findings.filter((f) => f.host === 'down-redis');
  expect(down).toHaveLength(CHECKS.length);
  expect(down.every((f) => f.severity === 'error' && f.message.includes('cannot connect to Redis at 127.0.0.1:1'))).toBe(true);
  const noauth = run1.findings.filter((f) => f.host === 'noauth-redis');
  expect(noauth).toHaveLength(CHECKS.length);
  expect(noauth.every((f) => f.severity === 'error' && f.message.includes('requires a password'))).toBe(true);
});

test('passwords and tokens never appear in the CLI output or in PATROL_HOME', () => {
  for (const pw of [CALM_PW, BUSY_PW]) {
    for (const r of [run1, run2, run3]) expect(`${r.stdout}${r.stderr}`).not.toContain(pw);
    expect(cli.filesContaining(pw)).toEqual([]);
  }
  console.log(`redis inspection durations: ${[run1, run2, run3].map((r) => `${r.durationMs} ms`).join(', ')}`);
});

test('secrets reach Ansible only in a 0600 extra-vars file of a 0700 work directory (not argv, not the inventory), removed after the run', async () => {
  const seen = new Map<string, { mode: number; dirMode: number; text: string }>();
  const work = join(cli.home, 'work');
  const scan = (dir: string) => {
    for (const e of existsSync(dir) ? readdirSync(dir) : []) {
      const p = join(dir, e);
      try {
        if (statSync(p).isDirectory()) scan(p);
        else if (e === 'extra-vars.json' && !seen.has(p)) seen.set(p, { mode: statSync(p).mode & 0o777, dirMode: statSync(dir).mode & 0o777, text: readFileSync(p, 'utf8') });
        else if (e === 'hosts.yml' && readFileSync(p, 'utf8').includes(BUSY_PW)) seen.set(`${p} (inventory)`, { mode: -1, dirMode: -1, text: '' });
      } catch {
        // Removed between readdir and stat: the run finished.
      }
    }
  };
  let done = false;
  const watcher = (async () => {
    while (!done) {
      scan(work);
      await delay(5);
    }
  })();
  const r = await cli.inspect(config);
  done = true;
  await watcher;
  const files = [...seen.entries()];
  expect(files.map(([p]) => p).filter((p) => p.endsWith('(inventory)'))).toEqual([]);
  expect(files.length).toBeGreaterThan(0);
  for (const [, f] of files) {
    expect([f.mode.toString(8), f.dirMode.toString(8)]).toEqual(['600', '700']);
    expect(JSON.parse(f.text).patrol_db_passwords).toEqual({ calm: CALM_PW, busy: BUSY_PW, 'down-redis': CALM_PW });
  }
  // Gone with the attempt's work directory.
  for (const [p] of files) expect(existsSync(p)).toBe(false);
  expect(cli.filesContaining(BUSY_PW)).toEqual([]);
  // The command line names the file; no secret (masked or not) is on it.
  const logs = await patrol(['logs', r.run], { home: cli.home });
  const cmd = String(logs.stdout).split('\n').find((l) => l.includes('running: ansible-playbook'))!;
  expect(cmd).toMatch(/--extra-vars @\S+\/extra-vars\.json/);
  expect(cmd).not.toContain('********');
  expect(cmd).not.toContain(BUSY_PW);
});

test('--limit selects databases by name', async () => {
  const r = await cli.inspect(config, ['-l', 'calm,down-*']);
  expect([...new Set(r.findings.map((f) => f.host))].sort()).toEqual(['calm', 'down-redis']);
  expect(findingOf(r, 'db.redis.memory', 'calm').severity).toBe('ok');
});
