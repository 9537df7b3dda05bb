import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { patrol } from '../support/cli.js';
import { startSshHosts, type SshHosts } from '../support/ssh-hosts.js';
import { makeTestCertificates, startTestApp, type TestApp } from '../support/test-app.js';

// `patrol inspect app` through the real CLI against real things: two OpenSSH hosts in network
// namespaces (processes, the kernel log, log directories and job status files are read there by
// playbooks/library/patrol_app.py), test HTTP applications on 127.0.0.1 (health, Prometheus
// metrics with HikariCP gauges, HTTPS with openssl-made certificates), a genuine OOM kill in a
// memory cgroup, and processes whose memory grows. One configuration holds a healthy application
// (every check quiet), a broken one (every check fires), one that only degrades across runs, and
// one that cannot be measured (error, never ok).

interface JsonFinding {
  check: string;
  target: string;
  host: string | null;
  severity: string;
  value: unknown;
  message: string;
  threshold: unknown;
  evidence?: { command?: string; raw?: string };
  details?: Record<string, unknown>;
}

const token = Math.random().toString(16).slice(2, 8);
let dir: string;
let home: string;
let fleet: SshHosts;
const apps: TestApp[] = [];
const children: ChildProcess[] = [];
let cgroups: { trend: string; trendRel: string; oom: string } | undefined;
let inventory: string;
let configFile: string;
let shop: TestApp, shopTls: TestApp, broken: TestApp, soonTls: TestApp, expiredTls: TestApp;
let closedPort: number;
const timings: Record<string, number> = {};

/** Python helper processes; their script names become their kernel names (comm). */
const SCRIPTS: Record<string, string> = {
  // Holds 8 MiB and sleeps: flat memory.
  [`shopweb-${token}`]: 'import time\nx = b"\\x01" * (8 << 20)\nwhile True:\n    time.sleep(3600)\n',
  // Grows 1 MiB every 0.25 s (written, so it is resident) up to 120 MiB: a leak within any window.
  [`leaky-${token}`]: 'import time\nx = []\nwhile True:\n    if len(x) < 120:\n        x.append(b"\\x01" * (1 << 20))\n    time.sleep(0.25)\n',
  // Flat, but grows by 16 MiB on each SIGUSR1: a leak seen only across runs.
  [`stepper-${token}`]: 'import signal, time\nx = [b"\\x01" * (4 << 20)]\ndef grow(*_):\n    x.append(b"\\x01" * (16 << 20))\nsignal.signal(signal.SIGUSR1, grow)\nwhile True:\n    time.sleep(3600)\n',
  // Allocates until the kernel kills it (run inside a small memory cgroup).
  [`oomv-${token}`]: 'import time\nx = []\nwhile True:\n    x.append(b"\\x01" * (4 << 20))\n    time.sleep(0.01)\n',
};

function script(name: string): string {
  return join(dir, 'bin', name);
}

/** Starts a long-running process inside a test host's namespaces (optionally in a cgroup). */
function startInHost(host: SshHosts['hosts'][number], argv: string[], cgroupDir?: string): ChildProcess {
  const inner = cgroupDir ? ['sh', '-c', 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', 'sh', cgroupDir, ...argv] : argv;
  const child = spawn('nsenter', ['-t', String(host.sshdPid), '-n', '-u', '-m', '--', ...inner], { stdio: 'ignore' });
  children.push(child);
  return child;
}

/** A memory cgroup this test may create children in: cgroup v2 (root) or the v1 memory hierarchy. */
function memoryCgroupParent(): { dir: string; rel: string; v2: boolean } {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers') && readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').includes('memory')) return { dir: '/sys/fs/cgroup', rel: '', v2: true };
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (!line || !existsSync('/sys/fs/cgroup/memory')) throw new Error('no memory cgroup controller (neither cgroup v2 with memory nor v1 memory)');
  const rel = line.split(':')[2]!.replace(/\/$/, '');
  return { dir: `/sys/fs/cgroup/memory${rel}`, rel, v2: false };
}

/**
 * `ip netns exec` gives each test host a fresh sysfs without cgroup mounts; a real host has them.
 * Mount the memory hierarchy inside the host's mount namespace (the same hierarchy as outside).
 */
async function mountCgroups(host: SshHosts['hosts'][number]): Promise<void> {
  const parent = memoryCgroupParent();
  const cmd = parent.v2
    ? 'mount -t cgroup2 cgroup2 /sys/fs/cgroup'
    : 'mount -t tmpfs cgroup-root /sys/fs/cgroup && mkdir /sys/fs/cgroup/memory && mount -t cgroup -o memory memory /sys/fs/cgroup/memory';
  await fleet.hostExec(host, ['sh', '-c', cmd]);
}

function makeCgroup(name: string, limitBytes?: number): { dir: string; rel: string } {
  const parent = memoryCgroupParent();
  const d = join(parent.dir, name);
  mkdirSync(d);
  if (limitBytes !== undefined) {
    if (parent.v2) {
      writeFileSync(join(d, 'memory.max'), String(limitBytes));
      if (existsSync(join(d, 'memory.swap.max'))) writeFileSync(join(d, 'memory.swap.max'), '0');
    } else writeFileSync(join(d, 'memory.limit_in_bytes'), String(limitBytes));
  }
  return { dir: d, rel: `${parent.rel}/${name}` };
}

async function freeClosedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function writeJob(file: string, content: Record<string, unknown>): void {
  writeFileSync(file, `${JSON.stringify(content)}\n`);
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function config(): Record<string, unknown> {
  const logs = join(dir, 'logs');
  const jobs = join(dir, 'jobs');
  return {
    apiVersion: 'patrol.dev/v1',
    kind: 'InspectionConfig',
    metadata: { name: 'app-test' },
    spec: {
      collection: { samples: 4, sampleInterval: 1, sectionTimeout: '20s' },
      // A baseline after 2 earlier runs, so three runs of the test are enough.
      // A short OOM window: this machine's kernel ring buffer is shared and busy, and "no kills" in a
      // log that does not reach back over the whole window is only info.
      checks: { 'app.job.duration': { minHistory: 2 }, 'app.process.oom_kills': { window: '15m' } },
      // app.process.memory has no default thresholds: give the leaking process one (MiB).
      overrides: [{ match: { targets: ['broken:proc:leaky@*'] }, checks: { 'app.process.memory': { warning: 5, critical: 500 } } }],
      applications: [
        {
          name: 'shop',
          hosts: ['targets'],
          health: [
            { url: `${shop.url}/health`, body: [{ jsonPath: '$.status', equals: 'UP' }] },
            { url: `${shopTls.url}/health`, caCert: join(dir, 'ca.pem'), maxLatency: '2s' },
          ],
          metrics: { url: `${shop.url}/metrics`, pools: [{ name: 'main', active: 'hikaricp_connections_active{pool="main"}', max: 'hikaricp_connections_max{pool="main"}', pending: 'hikaricp_connections_pending{pool="main"}' }] },
          processes: [{ name: 'web', match: `shopweb-${token}` }],
          logs: [{ path: join(logs, 'shop'), retentionDays: 7, maxSize: '10MiB', maxFileSize: '1MiB' }],
          batchJobs: [{ name: 'export', statusFile: join(jobs, 'shop-export.json'), maxDuration: '1h', maxAge: '26h' }],
        },
        {
          name: 'broken',
          hosts: ['host-2'],
          health: [
            { url: `${broken.url}/health` },
            { url: `${broken.url}/slow`, maxLatency: '400ms' },
            { url: `${broken.url}/wrong`, body: [{ jsonPath: '$.status', equals: 'UP' }, { contains: 'database' }] },
            { url: `${soonTls.url}/health`, caCert: join(dir, 'ca.pem') },
            { url: `${expiredTls.url}/health`, caCert: join(dir, 'ca.pem') },
          ],
          metrics: {
            url: `${broken.url}/metrics`,
            pools: [
              { name: 'main', active: 'hikaricp_connections_active{pool="main"}', max: 'hikaricp_connections_max{pool="main"}', pending: 'hikaricp_connections_pending{pool="main"}' },
              { name: 'batch', active: 'hikaricp_connections_active{pool="batch"}', max: 20 },
            ],
          },
          processes: [
            { name: 'leaky', match: `leaky-${token}` },
            { name: 'worker', match: `oomv-${token}` },
          ],
          logs: [
            { path: join(logs, 'old'), retentionDays: 7 },
            { path: join(logs, 'big'), maxSize: '1MiB' },
            { path: join(logs, 'unrotated'), maxFileSize: '2MiB' },
          ],
          batchJobs: [
            { name: 'slow', statusFile: join(jobs, 'slow.json'), maxDuration: '1h' },
            { name: 'stale', statusFile: join(jobs, 'stale.json'), maxAge: '26h' },
            { name: 'failing', statusFile: join(jobs, 'failing.json') },
            { name: 'missing', statusFile: join(jobs, 'missing.json') },
          ],
        },
        {
          name: 'trend',
          hosts: ['host-1'],
          processes: [{ name: 'stepper', cgroup: cgroups!.trendRel }],
          batchJobs: [{ name: 'nightly', statusFile: join(jobs, 'nightly.json') }],
        },
        {
          name: 'ghost',
          hosts: ['ghosts', 'nosuchhost'],
          health: [{ url: `http://127.0.0.1:${closedPort}/health`, timeout: '2s' }],
          tls: [{ url: `https://127.0.0.1:${closedPort}/`, timeout: '2s' }],
          metrics: { url: `http://127.0.0.1:${closedPort}/metrics`, timeout: '2s', pools: [{ name: 'main', active: 'hikaricp_connections_active', max: 10 }] },
          processes: [{ name: 'svc', match: 'ghost-service' }],
        },
      ],
    },
  };
}

beforeAll(async () => {
  const t0 = Date.now();
  dir = mkdtempSync('/tmp/patrol-apptest-');
  home = join(dir, 'home');
  mkdirSync(home);
  mkdirSync(join(dir, 'bin'));
  for (const [name, text] of Object.entries(SCRIPTS)) {
    writeFileSync(script(name), `#!/usr/bin/python3\n${text}`);
    chmodSync(script(name), 0o755);
  }
  const [hosts, certs] = await Promise.all([startSshHosts(2), makeTestCertificates(dir, [{ name: 'good', days: 90 }, { name: 'soon', days: 10 }, { name: 'expired', days: -1 }])]);
  fleet = hosts;
  [shop, shopTls, broken, soonTls, expiredTls] = await Promise.all([startTestApp(), startTestApp({ tls: certs.leaf('good') }), startTestApp(), startTestApp({ tls: certs.leaf('soon') }), startTestApp({ tls: certs.leaf('expired') })]);
  apps.push(shop, shopTls, broken, soonTls, expiredTls);
  closedPort = await freeClosedPort();

  // The broken application: every endpoint wrong in its own way, a saturated pool.
  broken.setHealth('/health', { status: 500, body: { status: 'DOWN' } });
  broken.setHealth('/slow', { latencyMs: 1000 });
  broken.setHealth('/wrong', { body: { status: 'DOWN', components: { db: { status: 'DOWN' } } } });
  broken.setPool('main', { active: 19, idle: 1, pending: 3, max: 20 });
  broken.setPool('batch', { active: 17, idle: 3, pending: 0, max: 20 });

  const [h1, h2] = fleet.hosts as [SshHosts['hosts'][number], SshHosts['hosts'][number]];
  await Promise.all(fleet.hosts.map(mountCgroups));
  const trend = makeCgroup(`patrol-trend-${token}`, 1 << 30);
  const oom = makeCgroup(`patrol-oom-${token}`, 48 << 20);
  cgroups = { trend: trend.dir, trendRel: trend.rel, oom: oom.dir };
  startInHost(h1, [script(`shopweb-${token}`)]);
  startInHost(h2, [script(`leaky-${token}`)]);
  startInHost(h1, [script(`stepper-${token}`)], trend.dir);
  // A genuine OOM kill: the victim allocates inside a 48 MiB memory cgroup until the kernel kills it.
  const victim = await fleet.hostExec(h2, ['sh', '-c', 'echo $$ > "$1/cgroup.procs" && exec "$2"', 'sh', oom.dir, script(`oomv-${token}`)], { allowFailure: true, timeoutMs: 20_000 });
  // Killed by SIGKILL: hostExec reports no exit code (-1), or 137 through a shell.
  if (victim.exitCode !== -1 && victim.exitCode !== 137) throw new Error(`the OOM victim should have been killed, it exited ${victim.exitCode}: ${victim.stderr}`);

  // Log directories (sparse files: sizes without using the disk).
  const logs = join(dir, 'logs');
  const file = (path: string, bytes: number, ageDays = 0) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '');
    truncateSync(path, bytes);
    const t = new Date(Date.now() - ageDays * 86_400_000);
    utimesSync(path, t, t);
  };
  file(join(logs, 'shop', 'shop.log'), 300 << 10);
  file(join(logs, 'shop', 'shop.log.1'), 900 << 10, 1);
  file(join(logs, 'shop', 'shop.log.2.gz'), 100 << 10, 2);
  file(join(logs, 'old', 'app.log'), 1000);
  for (const d of [10, 20, 30]) file(join(logs, 'old', 'archive', `app-${d}.log.gz`), 1000, d);
  file(join(logs, 'big', 'a.log'), 2 << 20);
  file(join(logs, 'big', 'a.log.1'), 1 << 20, 1);
  file(join(logs, 'unrotated', 'app.log'), 5 << 20);

  const jobs = join(dir, 'jobs');
  mkdirSync(jobs);
  writeJob(join(jobs, 'shop-export.json'), { status: 'success', lastSuccess: hoursAgo(1), durationSeconds: 120 });
  writeJob(join(jobs, 'slow.json'), { status: 'success', lastSuccess: hoursAgo(1), durationSeconds: 7200 });
  writeJob(join(jobs, 'stale.json'), { status: 'success', lastSuccess: hoursAgo(72), durationSeconds: 60 });
  writeJob(join(jobs, 'failing.json'), { status: 'failed', lastSuccess: hoursAgo(2), durationSeconds: 30 });
  writeJob(join(jobs, 'nightly.json'), { status: 'success', lastSuccess: hoursAgo(3), durationSeconds: 60 });

  inventory = join(dir, 'inventory.ini');
  writeFileSync(inventory, `${fleet.inventoryIni()}\n[ghosts]\nghost ansible_host=127.0.0.1 ansible_port=1\n`);
  configFile = join(dir, 'inspection.yaml');
  writeFileSync(configFile, JSON.stringify(config(), null, 2));
  timings.setupMs = Date.now() - t0;
}, 90_000);


afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(apps.map((a) => a.close()));
  await fleet?.stop();
  await delay(200);
  if (cgroups) {
    for (const d of [cgroups.trend, cgroups.oom]) {
      try {
        rmdirSync(d);
      } catch {
        // a process still exiting: the kernel frees the cgroup once empty; retry once
        await delay(500);
        try {
          rmdirSync(d);
        } catch {
          /* left for the machine's cleanup */
        }
      }
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function inspect(label: string): Promise<{ exitCode: number | undefined; findings: JsonFinding[]; doc: Record<string, unknown> }> {
  const t0 = Date.now();
  const r = await patrol(['inspect', 'app', '-i', inventory, '-c', configFile, '--json'], { home, timeoutMs: 110_000 });
  timings[label] = Date.now() - t0;
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`patrol inspect app exited ${r.exitCode}: ${String(r.stderr)}\n${String(r.stdout).slice(0, 2000)}`);
  const doc = JSON.parse(String(r.stdout)) as Record<string, unknown>;
  return { exitCode: r.exitCode, findings: doc.findings as JsonFinding[], doc };
}

function finder(findings: JsonFinding[]) {
  return (check: string, target: string): JsonFinding => {
    const f = findings.find((x) => x.check === check && x.target === target);
    if (!f) throw new Error(`no finding ${check} ${target}; findings of ${check}: ${findings.filter((x) => x.check === check).map((x) => `${x.target}=${x.severity}`).join(', ')}`);
    return f;
  };
}

let run1: JsonFinding[];

test('first run: the healthy application is all ok, every check fires on the broken one, the unmeasurable one is error', async () => {
  const { exitCode, findings, doc } = await inspect('run1Ms');
  run1 = findings;
  const get = finder(findings);
  const T = {
    shopHealth: `shop:${shop.url}/health`,
    shopTlsHealth: `shop:${shopTls.url}/health`,
    shopOrigin: `shop:https://127.0.0.1:${shopTls.port}`,
  };
  expect(exitCode).toBe(1);
  expect(doc.status).toBe('succeeded');
  expect((doc.counts as { targets: number }).targets).toBe(4);

  // ---- shop: every check has findings, and all of them are ok (OOM: info if even 15 min of kernel log were lost).
  const shopFindings = findings.filter((f) => f.target === 'shop' || f.target.startsWith('shop:'));
  const shortLog = (f: JsonFinding) => f.check === 'app.process.oom_kills' && f.severity === 'info' && /the kmsg log only goes back/.test(f.message);
  expect(shopFindings.filter((f) => f.severity !== 'ok' && !shortLog(f)).map((f) => `${f.check} ${f.target}: ${f.severity} ${f.message}`)).toEqual([]);
  expect(new Set(shopFindings.map((f) => f.check)).size).toBe(16);
  expect(get('app.health.status', T.shopHealth)).toMatchObject({ severity: 'ok', value: 200 });
  expect(get('app.health.body', T.shopHealth)).toMatchObject({ severity: 'ok', value: 0 });
  expect(get('app.health.latency', T.shopTlsHealth).severity).toBe('ok');
  const goodCert = get('app.tls.expiry', T.shopOrigin);
  expect(goodCert.value as number).toBeGreaterThan(88);
  expect(goodCert.message).toMatch(/CN=good\.patrol\.test issued by CN=Patrol Test App CA, O=Patrol Test expires in (89\.\d+|90) days \(\d{4}-/);
  expect(get('app.pool.saturation', 'shop:pool:main')).toMatchObject({ severity: 'ok', value: 20 });
  expect(get('app.pool.pending', 'shop:pool:main')).toMatchObject({ severity: 'ok', value: 0 });
  for (const h of ['host-1', 'host-2']) {
    expect(get('app.process.running', `shop:proc:web@${h}`)).toMatchObject({ severity: 'ok', value: 1, host: 'shop' });
    const mem = get('app.process.memory', `shop:proc:web@${h}`);
    expect(mem.value as number).toBeGreaterThan(8);
    expect(mem.value as number).toBeLessThan(40);
    expect(get('app.process.memory_leak', `shop:proc:web@${h}`).message).toMatch(/no steady rise/);
    const oomQuiet = get('app.process.oom_kills', `shop:proc:web@${h}`);
    expect(oomQuiet.value).toBe(0);
    expect(oomQuiet.severity === 'ok' || shortLog(oomQuiet)).toBe(true);
    expect(get('app.logs.size', `shop:${dir}/logs/shop@${h}`)).toMatchObject({ severity: 'ok', value: 12.7 });
    expect(get('app.logs.retention', `shop:${dir}/logs/shop@${h}`)).toMatchObject({ severity: 'ok', value: 0 });
    expect(get('app.logs.rotation', `shop:${dir}/logs/shop@${h}`)).toMatchObject({ severity: 'ok', value: 87.9 });
    expect(get('app.job.status', `shop:job:export@${h}`)).toMatchObject({ severity: 'ok', value: 'success' });
    expect(get('app.job.duration', `shop:job:export@${h}`)).toMatchObject({ severity: 'ok', value: 120 });
    expect(get('app.job.last_success', `shop:job:export@${h}`).severity).toBe('ok');
  }

  // ---- broken: each check fires on its sub-target, and stays quiet where that part is fine.
  const B = (path: string) => `broken:${broken.url}${path}`;
  expect(get('app.health.status', B('/health'))).toMatchObject({ severity: 'critical', value: 500 });
  expect(get('app.health.status', B('/slow'))).toMatchObject({ severity: 'ok', value: 200 });
  const slow = get('app.health.latency', B('/slow'));
  expect(slow.severity).toBe('critical');
  expect(slow.value as number).toBeGreaterThanOrEqual(1000);
  expect(slow.threshold).toMatchObject({ warning: 400, critical: 800, source: 'maxLatency' });
  expect(get('app.health.latency', B('/health')).severity).toBe('ok');
  const wrong = get('app.health.body', B('/wrong'));
  expect(wrong).toMatchObject({ severity: 'critical', value: 2 });
  expect(wrong.message).toContain('json $.status: expected to equal "UP", got "DOWN"');
  expect(wrong.message).toContain('body: expected to contain "database"');
  expect(get('app.health.status', B('/wrong')).severity).toBe('ok');
  const soon = get('app.tls.expiry', `broken:https://127.0.0.1:${soonTls.port}`);
  expect(soon.severity).toBe('warning');
  expect(soon.value as number).toBeGreaterThan(9);
  expect(soon.value as number).toBeLessThan(10.1);
  const expired = get('app.tls.expiry', `broken:https://127.0.0.1:${expiredTls.port}`);
  expect(expired.severity).toBe('critical');
  expect(expired.value as number).toBeLessThan(0);
  expect(expired.message).toMatch(/expired 1(\.0)? days? ago .*it does not verify: CERT_HAS_EXPIRED/);
  const expiredHealth = get('app.health.status', `broken:${expiredTls.url}/health`);
  expect(expiredHealth.severity).toBe('critical');
  expect(expiredHealth.message).toBe(`no response: GET ${expiredTls.url}/health: TLS handshake failed: certificate has expired (CERT_HAS_EXPIRED)`);
  expect(get('app.health.latency', `broken:${expiredTls.url}/health`).severity).toBe('error');
  expect(get('app.health.status', `broken:${soonTls.url}/health`).severity).toBe('ok');
  expect(get('app.pool.saturation', 'broken:pool:main')).toMatchObject({ severity: 'critical', value: 95 });
  expect(get('app.pool.saturation', 'broken:pool:batch')).toMatchObject({ severity: 'warning', value: 85 });
  expect(get('app.pool.pending', 'broken:pool:main')).toMatchObject({ severity: 'warning', value: 3 });
  expect(findings.some((f) => f.check === 'app.pool.pending' && f.target === 'broken:pool:batch')).toBe(false);
  const saturation = get('app.pool.saturation', 'broken:pool:main');
  expect(saturation.message).toBe('pool main: 19 of 20 connections active (95.0%), 3 threads waiting');
  expect(saturation.evidence?.raw).toContain('hikaricp_connections_active{pool="main",} 19.0');

  const leak = get('app.process.memory_leak', 'broken:proc:leaky@host-2');
  // 4 MiB/s on top of what it already holds: +12 MiB in the 3 s window is 10-50 % or more, depending on its size by then.
  expect(['warning', 'critical']).toContain(leak.severity);
  expect(leak.value as number).toBeGreaterThan(10);
  expect(leak.message).toMatch(/memory leak suspected: pid \d+ \(leaky-[0-9a-f]+\) rose in 3 of 3 intervals within 3 s/);
  expect(get('app.process.running', 'broken:proc:leaky@host-2')).toMatchObject({ severity: 'ok', value: 1 });
  expect(get('app.process.memory', 'broken:proc:leaky@host-2')).toMatchObject({ severity: 'warning', threshold: { direction: 'above', warning: 5, critical: 500 } });
  expect(get('app.process.oom_kills', 'broken:proc:leaky@host-2').value).toBe(0);
  const oom = get('app.process.oom_kills', 'broken:proc:worker@host-2');
  expect(oom).toMatchObject({ severity: 'warning', value: 1, host: 'broken' });
  expect(oom.message).toMatch(new RegExp(`1 OOM kill in the last 15 min, latest .* pid \\d+ \\(oomv-${token}\\) in cgroup .*patrol-oom-${token}`));
  expect(oom.evidence?.raw).toMatch(new RegExp(`Killed process \\d+ \\(oomv-${token}\\)`));
  expect(get('app.process.running', 'broken:proc:worker@host-2')).toMatchObject({ severity: 'critical', value: 0 });
  expect(get('app.process.memory', 'broken:proc:worker@host-2').severity).toBe('info');

  const L = (d: string) => `broken:${dir}/logs/${d}@host-2`;
  expect(get('app.logs.retention', L('old'))).toMatchObject({ severity: 'warning', value: 3 });
  expect(get('app.logs.retention', L('old')).message).toMatch(/3 files older than the 7-day retention/);
  expect(get('app.logs.size', L('old')).severity).toBe('ok');
  expect(get('app.logs.rotation', L('old')).severity).toBe('ok');
  expect(get('app.logs.size', L('big'))).toMatchObject({ severity: 'critical', value: 300 });
  expect(get('app.logs.rotation', L('big')).severity).toBe('ok');
  const unrotated = get('app.logs.rotation', L('unrotated'));
  expect(unrotated).toMatchObject({ severity: 'critical', value: 250 });
  expect(unrotated.message).toMatch(/largest file .*\/unrotated\/app\.log is 5\.0 MiB .*no rotated files: rotation looks missing/);
  expect(get('app.logs.size', L('unrotated')).severity).toBe('ok');

  const J = (j: string) => `broken:job:${j}@host-2`;
  expect(get('app.job.duration', J('slow'))).toMatchObject({ severity: 'critical', value: 7200 });
  expect(get('app.job.duration', J('slow')).message).toMatch(/took 2\.0 h, over its 60 min maxDuration/);
  expect(get('app.job.status', J('slow')).severity).toBe('ok');
  expect(get('app.job.last_success', J('stale')).severity).toBe('critical');
  expect(get('app.job.last_success', J('stale')).message).toMatch(/3\.0 days ago; older than its 26\.0 h maxAge/);
  expect(get('app.job.duration', J('stale')).severity).toBe('ok');
  expect(get('app.job.status', J('failing'))).toMatchObject({ severity: 'critical', value: 'failed' });
  for (const c of ['app.job.status', 'app.job.duration', 'app.job.last_success']) {
    const f = get(c, J('missing'));
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/missing\.json: .*No such file or directory/);
  }

  // ---- trend: quiet on the first run (not enough history).
  expect(findings.filter((f) => f.target.startsWith('trend:')).map((f) => `${f.check}=${f.severity}`).sort()).toEqual(
    ['app.job.duration=ok', 'app.job.last_success=ok', 'app.job.status=ok', 'app.process.memory=ok', 'app.process.memory_leak=ok', `app.process.oom_kills=${get('app.process.oom_kills', 'trend:proc:stepper@host-1').severity === 'info' ? 'info' : 'ok'}`, 'app.process.running=ok'].sort(),
  );

  // ---- ghost: nothing measurable; errors (or critical where "down" is the finding), never ok.
  const ghost = findings.filter((f) => f.target === 'ghost' || f.target.startsWith('ghost:'));
  // (Checks of things ghost does not configure, such as log directories, say "nothing to check".)
  expect(ghost.filter((f) => f.severity === 'ok' && !f.message.endsWith('nothing to check')).map((f) => `${f.check} ${f.target}: ${f.message}`)).toEqual([]);
  // latency, TLS, the pool, and 4 process checks on each of ghost (unreachable) and nosuchhost (no such host).
  expect(ghost.filter((f) => f.severity === 'error').length).toBe(11);
  expect(get('app.health.status', `ghost:http://127.0.0.1:${closedPort}/health`).message).toMatch(/ECONNREFUSED/);
  expect(get('app.health.latency', `ghost:http://127.0.0.1:${closedPort}/health`).severity).toBe('error');
  expect(get('app.tls.expiry', `ghost:https://127.0.0.1:${closedPort}`).severity).toBe('error');
  expect(get('app.pool.saturation', 'ghost:pool:main')).toMatchObject({ severity: 'error' });
  expect(get('app.process.running', 'ghost:proc:svc@ghost').message).toMatch(/unreachable/);
  expect(get('app.process.oom_kills', 'ghost:proc:svc@ghost').severity).toBe('error');
  expect(get('app.process.memory_leak', 'ghost:proc:svc@nosuchhost').message).toMatch(/"nosuchhost" in hosts of ghost matches no inventory host or group/);
  console.log(`app inspection run 1: ${findings.length} findings in ${timings.run1Ms} ms (setup ${timings.setupMs} ms)`);
});

test('later runs: memory rising across runs (a cgroup) and a job slower than its own median fire; steady ones stay quiet', async () => {
  expect(run1).toBeDefined();
  const stepperPid = () => Number(readFileSync(join(cgroups!.trend, 'cgroup.procs'), 'utf8').trim().split('\n')[0]);
  // Run 2: memory up, job as usual.
  process.kill(stepperPid(), 'SIGUSR1');
  await delay(300);
  const run2 = await inspect('run2Ms');
  expect(finder(run2.findings)('app.process.memory_leak', 'trend:proc:stepper@host-1').severity).toBe('ok');
  // Run 3: memory up again, the job took 3.5x its usual time.
  process.kill(stepperPid(), 'SIGUSR1');
  writeJob(join(dir, 'jobs', 'nightly.json'), { status: 'success', lastSuccess: hoursAgo(0.1), durationSeconds: 210 });
  await delay(300);
  const { findings } = await inspect('run3Ms');
  const get = finder(findings);

  const leak = get('app.process.memory_leak', 'trend:proc:stepper@host-1');
  expect(leak.severity).toBe('critical');
  expect(leak.message).toMatch(/within 3 s no steady rise .*; across the last 3 runs it rose in 2 of 2: .* \(\+\d+\.\d%\)/);
  expect((leak.details!.runs as { valuesMiB: number[] }).valuesMiB).toHaveLength(3);
  expect(get('app.process.memory', 'trend:proc:stepper@host-1').message).toMatch(/working set, \d+% of its 1\.0 GiB limit/);
  // The flat process has three runs of history too, and stays quiet.
  for (const h of ['host-1', 'host-2']) expect(get('app.process.memory_leak', `shop:proc:web@${h}`).message).toMatch(/across the last 3 runs no steady rise/);
  for (const h of ['host-1', 'host-2']) expect(get('app.process.memory_leak', `shop:proc:web@${h}`).severity).toBe('ok');

  const nightly = get('app.job.duration', 'trend:job:nightly@host-1');
  expect(nightly).toMatchObject({ severity: 'critical', value: 210 });
  expect(nightly.message).toMatch(/took 210 s, 3\.5x its median of 60 s over 2 earlier runs/);
  const export1 = get('app.job.duration', 'shop:job:export@host-1');
  expect(export1.severity).toBe('ok');
  expect(export1.message).toMatch(/1\.0x its median of 120 s over 2 earlier runs/);
  console.log(`app inspection: run 2 ${timings.run2Ms} ms, run 3 ${timings.run3Ms} ms`);
});
