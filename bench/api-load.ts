/**
 * The API under load: `patrol serve` (embedded mode, SQLite) with 100,000 runs and their findings
 * stored, autocannon from loopback at a fixed 200 requests/s per scenario.
 *   npx tsx bench/api-load.ts [--runs 100000] [--findings-per-run 3] [--rate 200] [--seconds 30]
 * Reports p50/p90/p99/max latency and errors per scenario, and the resident memory (VmRSS from
 * /proc/PID/status) of the serve process just after start, idle once settled, and under load.
 * Needs `npm run build` (it starts the real CLI).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { ulid } from 'ulid';
import { openStore } from '../src/store/open-store.js';
import { RbacService } from '../src/auth/rbac-service.js';
import { AuthService } from '../src/auth/auth-service.js';
import { Grants } from '../src/auth/grants.js';
import { PERMISSION_NAMES } from '../src/auth/permissions.js';
import { fingerprintOf } from '../src/findings/finding.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 100_000);
const FINDINGS_PER_RUN = arg('findings-per-run', 3);
const RATE = arg('rate', 200);
const SECONDS = arg('seconds', 30);
const REPO = resolve(import.meta.dirname, '..');

const CHECKS = ['host.disk.usage', 'host.disk.inodes', 'host.mem.usage', 'host.cpu.load', 'host.ntp.offset', 'db.pg.connections', 'app.health.status', 'k8s.pod.crashloop'];
const SEVERITIES = ['ok', 'ok', 'ok', 'info', 'warning', 'warning', 'critical', 'error'] as const;
const STATUSES = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled'] as const;

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function seed(home: string): Promise<{ token: string; midRunCursor: string; midFindingCursor: string }> {
  const store = await openStore({ url: join(home, 'patrol.db') });
  const started = Date.now();
  const definition = JSON.stringify({ apiVersion: 'patrol.dev/v1', kind: 'Workflow', metadata: { name: 'inspect-hosts', namespace: 'default', labels: {} }, spec: { params: [], steps: [{ name: 'inspect', type: 'inspect', with: { kind: 'host' }, needs: [], continueOnError: false }], finally: [] } });
  const t0 = Date.now() - 100 * 86_400_000;
  const step = (100 * 86_400_000) / RUNS;
  let midRun = '';
  let midFinding = '';
  for (let base = 0; base < RUNS; base += 2000) {
    await store.transaction(async (tx) => {
      const runs = [];
      const findings = [];
      for (let i = base; i < Math.min(base + 2000, RUNS); i++) {
        const at = Math.floor(t0 + i * step);
        const id = ulid(at).toLowerCase();
        if (i === Math.floor(RUNS / 2)) midRun = id;
        const status = STATUSES[i % STATUSES.length]!;
        runs.push({
          id,
          workflow: i % 10 === 0 ? 'remediate-disk' : 'inspect-hosts',
          namespace: i % 4 === 0 ? 'team-a' : 'default',
          definition,
          params: '{"inventory":"store:prod"}',
          status,
          reason: status === 'failed' ? 'step inspect failed' : null,
          error: null,
          concurrency_key: null,
          trigger: i % 3 === 0 ? 'schedule' : 'api',
          triggered_by: 'bench',
          retry_of: null,
          inspection: i % 10 === 0 ? null : 'nightly-hosts',
          labels: '{}',
          overrides: null,
          created_at: at,
          started_at: at + 10,
          finished_at: at + 60_000,
          deadline_at: null,
          cancel_requested_at: null,
          cancel_reason: null,
          owner: null,
          heartbeat_at: at,
          dry_run: 0,
        });
        for (let f = 0; f < FINDINGS_PER_RUN; f++) {
          const check = CHECKS[(i + f) % CHECKS.length]!;
          const host = `host-${(i * 7 + f) % 500}`;
          const fid = ulid(at + 1).toLowerCase();
          if (i === Math.floor(RUNS / 2) && f === 0) midFinding = fid;
          findings.push({
            id: fid,
            run_id: id,
            step: 'inspect',
            check_id: check,
            category: check.split('.')[0] === 'k8s' ? 'cluster' : check.split('.')[0]!,
            target: `${host}:/var`,
            host,
            severity: SEVERITIES[(i * 3 + f) % SEVERITIES.length]!,
            title: null,
            value: String((i * 13 + f) % 100),
            unit: '%',
            threshold: '80',
            message: `${check} on ${host} is ${(i * 13 + f) % 100}%`,
            evidence: JSON.stringify({ raw: 'Filesystem Size Used Avail Use% Mounted on', command: 'df -P /var' }),
            remediation: 'free space or grow the volume',
            remediation_workflow: null,
            labels: null,
            details: null,
            exemption: null,
            fingerprint: fingerprintOf(check, `${host}:/var`),
            created_at: at + 1,
          });
        }
      }
      // Kysely through the store's connection; SQLite caps bound variables per statement.
      for (let i = 0; i < runs.length; i += 200) await tx.db.insertInto('runs').values(runs.slice(i, i + 200)).execute();
      for (let i = 0; i < findings.length; i += 200) await tx.db.insertInto('findings').values(findings.slice(i, i + 200)).execute();
    });
  }
  const rbac = new RbacService(store);
  await rbac.ensureBuiltinRoles();
  const auth = new AuthService(store, rbac, { bcryptRounds: 4 });
  const user = await auth.createUser({ name: 'bench', password: null });
  await rbac.bind({ subjectKind: 'user', subject: 'bench', role: 'admin', namespace: '*' }, 'bench');
  const creator = { userId: '', name: 'bench', groups: [], via: 'token' as const, grants: new Grants([{ role: 'admin', namespace: '*' }], new Map([['admin', PERMISSION_NAMES]])) };
  const { token } = await auth.createToken(user, { name: 'bench', scopes: null, expiresInDays: 1 }, creator);
  await sql`analyze`.execute(store.db);
  await store.close();
  process.stderr.write(`seeded ${RUNS} runs and ${RUNS * FINDINGS_PER_RUN} findings in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return { token, midRunCursor: Buffer.from(midRun).toString('base64url'), midFindingCursor: Buffer.from(midFinding).toString('base64url') };
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'patrol-bench-api-'));
  try {
    const { token, midRunCursor, midFindingCursor } = await seed(home);
    const port = 18000 + Math.floor(Math.random() * 2000);
    const server = execa('node', [join(REPO, 'bin', 'patrol.js'), 'serve', '--listen', `127.0.0.1:${port}`], {
      env: { PATROL_HOME: home, PATROL_SECRET_KEY: randomBytes(32).toString('base64'), PATROL_LOG_LEVEL: 'warn', NO_COLOR: '1' },
      reject: false,
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 300) throw new Error('patrol serve did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const pid = server.pid!;
    await new Promise((r) => setTimeout(r, 3000));
    const rssStarted = rss(pid);
    // V8's memory reducer shrinks the heap after ~30 s without load: that is the idle footprint.
    await new Promise((r) => setTimeout(r, 35_000));
    const rssIdle = rss(pid);
    process.stderr.write(`RSS just started ${rssStarted} MiB, idle ${rssIdle} MiB\n`);

    const headers = { authorization: `Bearer ${token}` };
    const scenarios: [string, string][] = [
      ['GET /api/v1/runs (first page, 50)', '/api/v1/runs?limit=50'],
      ['GET /api/v1/runs (page in the middle)', `/api/v1/runs?limit=50&cursor=${midRunCursor}`],
      ['GET /api/v1/runs?status=failed&workflow=inspect-hosts', '/api/v1/runs?status=failed&workflow=inspect-hosts&limit=50'],
      ['GET /api/v1/findings (first page, 50)', '/api/v1/findings?limit=50'],
      ['GET /api/v1/findings (page in the middle)', `/api/v1/findings?limit=50&cursor=${midFindingCursor}`],
      ['GET /api/v1/findings?check=host.disk.*&severity=critical', '/api/v1/findings?check=host.disk.*&severity=critical&limit=50'],
    ];
    const rows: string[] = [];
    let peak = 0;
    for (const [name, path] of scenarios) {
      const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 500);
      const r = await autocannon({ url: `${url}${path}`, connections: 10, overallRate: RATE, duration: SECONDS, headers });
      clearInterval(sampler);
      const line = `| ${name} | ${Math.round((r.requests.total ?? 0) / SECONDS)} | ${r.latency.p50} | ${r.latency.p90} | ${r.latency.p99} | ${r.latency.max} | ${r.errors + r.timeouts + r.non2xx} |`;
      rows.push(line);
      process.stderr.write(`${line}\n`);
    }
    // Headroom: the same first page with no rate limit (4 connections back to back).
    const cap = await autocannon({ url: `${url}/api/v1/runs?limit=50`, connections: 4, duration: 10, headers });
    const capacity = `| GET /api/v1/runs, unthrottled (capacity) | ${Math.round(cap.requests.average)} | ${cap.latency.p50} | ${cap.latency.p90} | ${cap.latency.p99} | ${cap.latency.max} | ${cap.errors + cap.timeouts + cap.non2xx} |`;
    rows.push(capacity);
    process.stderr.write(`${capacity}\n`);
    const rssAfter = rss(pid);
    server.kill('SIGTERM');
    await server;
    process.stdout.write(
      [
        `API load: ${RUNS.toLocaleString('en')} runs, ${(RUNS * FINDINGS_PER_RUN).toLocaleString('en')} findings, ${RATE} req/s for ${SECONDS} s per scenario, 10 connections, loopback`,
        '',
        '| Scenario | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |',
        '|---|---|---|---|---|---|---|',
        ...rows,
        '',
        `RSS of patrol serve: ${rssStarted} MiB just started, ${rssIdle} MiB idle after 35 s, ${peak} MiB peak under load, ${rssAfter} MiB after load`,
        `Machine load average during the run (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
