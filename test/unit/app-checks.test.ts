import { CheckCatalog } from '../../src/inspections/check-catalog.js';
import { appChecks } from '../../src/inspections/checks/app/index.js';
import { measureRise } from '../../src/inspections/checks/app/memory-leak.js';
import { successTimes } from '../../src/inspections/checks/app/jobs.js';
import { certificateSeverity } from '../../src/inspections/checks/app/tls.js';
import { evaluateChecks } from '../../src/inspections/evaluate-checks.js';
import { inspectionConfigSchema } from '../../src/inspections/config/inspection-config.js';
import { applicationTargetSchema } from '../../src/inspections/collectors/app/app-targets.js';
import { normalizeJob, resolveHosts, buildHostParams } from '../../src/inspections/collectors/app/app-collector.js';
import type { HistoryPoint, FindingHistory } from '../../src/inspections/history.js';
import type { SectionEnvelope } from '../../src/inspections/measurement.js';
import type { FindingInput } from '../../src/findings/finding.js';
import type { HealthSection, JobsSection, LogsSection, OomSection, PoolsSection, ProcessesSection, TlsSection } from '../../src/inspections/collectors/app/app-sections.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const MIB = 1048576;
const DAY = 86_400_000;
const catalog = new CheckCatalog().register(...appChecks);

type Spec = Record<string, unknown>;

function cfg(spec: Spec = {}) {
  return inspectionConfigSchema.parse({ apiVersion: 'patrol.dev/v1', kind: 'InspectionConfig', metadata: { name: 't' }, spec });
}

function historyOf(points: Record<string, number[] | HistoryPoint[]>): FindingHistory {
  return {
    async values(check, target, opts) {
      const raw = points[`${check} ${target}`] ?? [];
      const list = raw.map((p, i) => (typeof p === 'number' ? { at: NOW - (raw.length - i) * 3_600_000, value: p, runId: `r${i}` } : p));
      return opts?.limit ? list.slice(-opts.limit) : list;
    },
    async last() {
      return undefined;
    },
  };
}

const EMPTY: Record<string, SectionEnvelope> = {
  health: { ok: true, data: { endpoints: [] } },
  tls: { ok: true, data: { certificates: [] } },
  pools: { ok: true, data: { url: null, parseErrors: 0, pools: [] } },
  processes: { ok: true, data: { items: [] } },
  oom: { ok: true, data: { items: [] } },
  logs: { ok: true, data: { items: [] } },
  jobs: { ok: true, data: { items: [] } },
};

async function evaluate(sections: Record<string, unknown>, opts: { spec?: Spec; history?: Record<string, number[] | HistoryPoint[]>; now?: number } = {}): Promise<FindingInput[]> {
  const env: Record<string, SectionEnvelope> = { ...EMPTY };
  for (const [k, v] of Object.entries(sections)) env[k] = { ok: true, data: v, command: `cmd ${k}`, raw: `raw ${k}` };
  return evaluateChecks({
    catalog,
    config: cfg(opts.spec),
    measurements: [{ collector: 'app', target: { name: 'shop', groups: ['prod'] }, sections: env }],
    history: historyOf(opts.history ?? {}),
    now: opts.now ?? NOW,
  });
}

function pick(findings: FindingInput[], check: string, target?: string): FindingInput {
  const f = findings.find((x) => x.check === check && (target === undefined || x.target === target));
  if (!f) throw new Error(`no ${check} ${target ?? ''}: ${findings.map((x) => `${x.check} ${x.target}`).join(', ')}`);
  return f;
}

// ---------------------------------------------------------------- health

type Endpoint = HealthSection['endpoints'][number];
const endpoint = (e: Partial<Endpoint>): Endpoint => ({
  url: 'https://shop/health',
  responded: true,
  status: 200,
  expectStatus: ['2xx'],
  latencyMs: 50,
  timeoutMs: 10_000,
  maxLatencyMs: null,
  error: null,
  errorCode: null,
  bodyChecks: 0,
  body: [],
  bodyExcerpt: '{"status":"UP"}',
  redirects: [],
  ...e,
});

describe('app.health.*', () => {
  test('a refused connection: status critical, latency and body error (not measured), never ok', async () => {
    const f = await evaluate({ health: { endpoints: [endpoint({ responded: false, status: null, latencyMs: null, error: 'GET https://shop/health: request failed: connect ECONNREFUSED', errorCode: 'connection', bodyChecks: 1 })] } });
    expect(pick(f, 'app.health.status')).toMatchObject({ severity: 'critical', target: 'shop:https://shop/health', value: null });
    expect(pick(f, 'app.health.latency')).toMatchObject({ severity: 'error' });
    expect(pick(f, 'app.health.body').severity).toBe('error');
  });

  test('a timeout is critical latency at the timeout', async () => {
    const f = await evaluate({ health: { endpoints: [endpoint({ responded: false, status: null, latencyMs: null, error: 'timed out after 3000 ms', errorCode: 'timeout', timeoutMs: 3000 })] } });
    expect(pick(f, 'app.health.latency')).toMatchObject({ severity: 'critical', value: 3000, message: 'https://shop/health: no response within 3000 ms (timed out)' });
  });

  test('status patterns; severity can be lowered per target', async () => {
    const sections = { health: { endpoints: [endpoint({ status: 503 }), endpoint({ url: 'https://shop/ready', status: 301, expectStatus: ['2xx', 301] })] } };
    let f = await evaluate(sections);
    expect(pick(f, 'app.health.status', 'shop:https://shop/health')).toMatchObject({ severity: 'critical', value: 503 });
    expect(pick(f, 'app.health.status', 'shop:https://shop/ready')).toMatchObject({ severity: 'ok', value: 301 });
    f = await evaluate(sections, { spec: { overrides: [{ match: { targets: ['shop:https://shop/health'] }, checks: { 'app.health.status': { severity: 'warning' } } }] } });
    expect(pick(f, 'app.health.status', 'shop:https://shop/health').severity).toBe('warning');
    f = await evaluate(sections, { spec: { checks: { 'app.health.status': { severity: 'loud' } } } });
    expect(pick(f, 'app.health.status')).toMatchObject({ severity: 'error', message: 'Health endpoint answers with an expected status: the check failed: setting "severity" must be info, warning or critical, not "loud"' });
  });

  test.each([
    [999, null, 'ok'],
    [1000, null, 'warning'],
    [2500, null, 'critical'],
    [150, 100, 'warning'],
    [200, 100, 'critical'],
    [99, 100, 'ok'],
  ])('latency %d ms with maxLatency %s is %s', async (latencyMs, maxLatencyMs, severity) => {
    const f = await evaluate({ health: { endpoints: [endpoint({ latencyMs, maxLatencyMs })] } });
    expect(pick(f, 'app.health.latency')).toMatchObject({ severity, value: latencyMs });
  });

  test('body checks: failures listed; endpoints without body checks not judged', async () => {
    const f = await evaluate({
      health: {
        endpoints: [
          endpoint({ bodyChecks: 2, body: [{ assertion: 'json $.status', passed: false, expected: 'to equal "UP"', actual: 'DOWN' }, { assertion: 'body', passed: true, expected: 'to contain "db"', actual: 'db' }] }),
          endpoint({ url: 'https://shop/other' }),
        ],
      },
    });
    expect(pick(f, 'app.health.body')).toMatchObject({ severity: 'critical', value: 1, message: 'https://shop/health: json $.status: expected to equal "UP", got "DOWN"' });
    expect(f.filter((x) => x.check === 'app.health.body')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- tls

describe('app.tls.expiry', () => {
  const cert = (days: number, authorized = true): TlsSection['certificates'][number] => ({
    origin: 'https://shop:443',
    urls: ['https://shop/health'],
    certificate: { subject: 'shop', issuer: 'CN=CA', subjectAltNames: [], validFrom: new Date(NOW - 80 * DAY).toISOString(), validTo: new Date(NOW + days * DAY).toISOString(), fingerprint256: 'AA', authorized, authorizationError: authorized ? null : 'CERT_HAS_EXPIRED' },
    error: null,
  });
  test.each([
    [90, 'ok'],
    [30.5, 'ok'],
    [29.9, 'warning'],
    [7.1, 'warning'],
    [6.9, 'critical'],
    [3, 'critical'],
    [-0.5, 'critical'],
  ])('%d days left is %s', async (days, severity) => {
    const f = await evaluate({ tls: { certificates: [cert(days, days > 0)] } });
    expect(pick(f, 'app.tls.expiry')).toMatchObject({ severity, value: Math.round(days * 10) / 10, target: 'shop:https://shop:443' });
  });
  test('expired is critical even when thresholds are lowered; unread is error', async () => {
    expect(certificateSeverity(-0.01, {})).toBe('critical');
    const f = await evaluate({ tls: { certificates: [cert(-2, false), { origin: 'https://down:443', urls: [], certificate: null, error: 'connect ECONNREFUSED' }] } }, { spec: { checks: { 'app.tls.expiry': { warning: 1, critical: 0 } } } });
    expect(pick(f, 'app.tls.expiry', 'shop:https://shop:443').message).toMatch(/expired 2 days ago .*it does not verify: CERT_HAS_EXPIRED/);
    expect(pick(f, 'app.tls.expiry', 'shop:https://shop:443').severity).toBe('critical');
    expect(pick(f, 'app.tls.expiry', 'shop:https://down:443')).toMatchObject({ severity: 'error', message: 'https://down:443: certificate not read: connect ECONNREFUSED' });
  });
});

// ---------------------------------------------------------------- pools

describe('app.pool.*', () => {
  const pool = (p: Partial<PoolsSection['pools'][number]>): PoolsSection['pools'][number] => ({ name: 'main', error: null, active: 2, max: 10, pending: 0, pendingConfigured: true, series: { active: 'a', max: 'm', pending: 'p' }, ...p });
  test.each([
    [7.99, 'ok'],
    [8, 'warning'],
    [9.5, 'critical'],
    [10, 'critical'],
  ])('active %d of 10 is %s', async (active, severity) => {
    const f = await evaluate({ pools: { url: 'u', parseErrors: 0, pools: [pool({ active })] } });
    expect(pick(f, 'app.pool.saturation')).toMatchObject({ severity, target: 'shop:pool:main' });
  });
  test('pending > 0 warns; pools without a pending series are not judged; an unreadable page is error for both', async () => {
    let f = await evaluate({ pools: { url: 'u', parseErrors: 0, pools: [pool({ pending: 1 }), pool({ name: 'b', pending: null, pendingConfigured: false })] } });
    expect(pick(f, 'app.pool.pending', 'shop:pool:main')).toMatchObject({ severity: 'warning', value: 1 });
    expect(f.filter((x) => x.check === 'app.pool.pending')).toHaveLength(1);
    f = await evaluate({ pools: { url: 'u', parseErrors: 0, pools: [pool({ error: 'metrics endpoint u answered 503', active: null, max: null, pending: null })] } });
    expect(pick(f, 'app.pool.saturation')).toMatchObject({ severity: 'error', message: 'pool main: not measured: metrics endpoint u answered 503' });
    expect(pick(f, 'app.pool.pending').severity).toBe('error');
  });
  test('thresholds per pool through overrides', async () => {
    const f = await evaluate({ pools: { url: 'u', parseErrors: 0, pools: [pool({ active: 9 })] } }, { spec: { overrides: [{ match: { targets: ['shop:pool:*'] }, checks: { 'app.pool.saturation': { warning: 95, critical: 99 } } }] } });
    expect(pick(f, 'app.pool.saturation').severity).toBe('ok');
  });
});

// ---------------------------------------------------------------- processes and leaks

type Proc = ProcessesSection['items'][number];
const proc = (samplesMiB: (number | null)[], extra: Partial<Proc> = {}): Proc => ({
  host: 'web-1',
  name: 'java',
  kind: 'process',
  selector: 'shop\\.jar',
  error: null,
  at: samplesMiB.map((_, i) => NOW - (samplesMiB.length - 1 - i) * 2000),
  total: samplesMiB.map((v) => (v === null ? null : v * MIB)),
  count: samplesMiB[samplesMiB.length - 1] === null ? 0 : 1,
  processes: samplesMiB[samplesMiB.length - 1] === null ? [] : [{ pid: 42, comm: 'java', cmdline: 'java -jar shop.jar', rss: samplesMiB.map((v) => (v === null ? null : v * MIB)) }],
  limitBytes: null,
  ...extra,
});
const T = 'shop:proc:java@web-1';

describe('the leak rule (measureRise)', () => {
  const rule = { minRisingFraction: 0.8, minGrowth: 5 };
  test.each([
    ['flat', [100, 100, 100, 100], false],
    ['noisy (GC sawtooth)', [100, 120, 95, 130, 100], false],
    ['tiny creep under the noise floor', [100, 101, 102, 103], false],
    ['steady rise', [100, 110, 125, 140], true],
    ['one dip in ten', [100, 110, 120, 115, 130, 140, 150, 160, 170, 180], true],
    ['two dips in six', [100, 110, 105, 120, 115, 130], false],
    ['falling', [140, 125, 110, 100], false],
  ])('%s', (_label, values, steady) => {
    expect(measureRise(values, rule)!.steady).toBe(steady);
  });
  test('fewer than three readings are not judged', () => {
    expect(measureRise([100, 200], rule)).toBeUndefined();
  });
});

describe('app.process.*', () => {
  test.each([
    ['flat', [100, 100, 100, 100], 'ok'],
    ['noisy', [100, 130, 95, 140, 100], 'ok'],
    ['creep', [100, 100.5, 101, 101.5], 'ok'],
    ['steady but small (3%)', [1000, 1010, 1020, 1030], 'ok'],
    ['steady 40%', [100, 110, 125, 140], 'warning'],
    ['steady 110%', [100, 130, 170, 210], 'critical'],
  ])('within the window: %s is %s', async (_l, samples, severity) => {
    const f = await evaluate({ processes: { items: [proc(samples)] } });
    expect(pick(f, 'app.process.memory_leak', T).severity).toBe(severity);
  });

  test('a process present in only some samples (restarted) is not judged within the window', async () => {
    const p = proc([100, 150, 200]);
    p.processes = [{ pid: 1, comm: 'java', cmdline: 'java', rss: [100 * MIB, null, null] }, { pid: 2, comm: 'java', cmdline: 'java', rss: [null, 150 * MIB, 200 * MIB] }];
    const f = await evaluate({ processes: { items: [p] } });
    expect(pick(f, 'app.process.memory_leak', T)).toMatchObject({ severity: 'ok' });
    expect(pick(f, 'app.process.memory_leak', T).message).toMatch(/too few to judge/);
  });

  test('a cgroup is judged on its working set', async () => {
    const f = await evaluate({ processes: { items: [proc([100, 120, 140], { kind: 'cgroup', selector: '/system.slice/shop.service', processes: [], limitBytes: 1024 * MIB })] } });
    expect(pick(f, 'app.process.memory_leak', T).message).toMatch(/cgroup \/system\.slice\/shop\.service rose in 2 of 2 intervals/);
    expect(pick(f, 'app.process.memory', T).message).toBe('java on web-1: 140 MiB working set, 14% of its 1.0 GiB limit');
  });

  test.each([
    ['rising across runs', [100, 110], 125, 'warning'],
    ['rising a lot', [100, 150], 300, 'critical'],
    ['up and down', [100, 150, 90], 200, 'ok'],
    ['flat', [100, 100, 100], 100, 'ok'],
    ['not enough runs', [100], 300, 'ok'],
  ])('across runs: %s', async (_l, earlier, now, severity) => {
    const f = await evaluate({ processes: { items: [proc([now, now, now])] } }, { history: { [`app.process.memory ${T}`]: earlier } });
    expect(pick(f, 'app.process.memory_leak', T).severity).toBe(severity);
  });

  test('only the last `runs` runs count', async () => {
    // Long ago it rose; lately it is flat.
    const earlier = [50, 60, 70, 80, 100, 100, 100, 100, 100];
    let f = await evaluate({ processes: { items: [proc([100, 100, 100])] } }, { history: { [`app.process.memory ${T}`]: earlier } });
    expect(pick(f, 'app.process.memory_leak', T).severity).toBe('ok');
    f = await evaluate({ processes: { items: [proc([100, 100, 100])] } }, { history: { [`app.process.memory ${T}`]: earlier }, spec: { checks: { 'app.process.memory_leak': { runs: 20, minRisingFraction: 0.4 } } } });
    expect(pick(f, 'app.process.memory_leak', T).severity).toBe('critical');
  });

  test('not running: running critical, memory and leak info (not ok); minCount per target', async () => {
    const f = await evaluate({ processes: { items: [proc([null, null, null]), proc([10, 10, 10], { name: 'worker' })] } }, { spec: { overrides: [{ match: { targets: ['*:proc:worker@*'] }, checks: { 'app.process.running': { minCount: 2 } } }] } });
    expect(pick(f, 'app.process.running', T)).toMatchObject({ severity: 'critical', value: 0 });
    expect(pick(f, 'app.process.memory', T).severity).toBe('info');
    expect(pick(f, 'app.process.memory_leak', T).severity).toBe('info');
    expect(pick(f, 'app.process.running', 'shop:proc:worker@web-1')).toMatchObject({ severity: 'critical', value: 1, threshold: { minCount: 2 } });
  });

  test('an item that could not be measured is error for every process check', async () => {
    const bad = proc([], { error: 'web-1: unreachable: ssh: connect to host web-1 port 22: Connection refused' });
    const f = await evaluate({ processes: { items: [bad] }, oom: { items: [{ host: 'web-1', name: 'java', error: 'unreachable', source: null, since: null, fromBoot: false, kills: [] }] } });
    for (const c of ['app.process.running', 'app.process.memory', 'app.process.memory_leak', 'app.process.oom_kills']) expect(pick(f, c, T).severity).toBe('error');
  });

  test('memory thresholds in MiB when configured', async () => {
    const f = await evaluate({ processes: { items: [proc([900, 900, 900])] } }, { spec: { checks: { 'app.process.memory': { warning: 800, critical: 1000 } } } });
    expect(pick(f, 'app.process.memory', T)).toMatchObject({ severity: 'warning', value: 900, unit: 'MiB' });
  });
});

describe('app.process.oom_kills', () => {
  const kill = (hoursAgo: number, pid = 1) => ({ at: NOW - hoursAgo * 3_600_000, pid, process: 'java', memcg: '/system.slice/shop.service', line: `Killed process ${pid} (java)` });
  const item = (kills: OomSection['items'][number]['kills'], since: number | null = NOW - 30 * DAY, fromBoot = false): OomSection['items'][number] => ({ host: 'web-1', name: 'java', error: null, source: 'kmsg', since, fromBoot, kills });
  test('kills within the window count; older ones do not', async () => {
    let f = await evaluate({ oom: { items: [item([kill(30), kill(2, 7)])] } });
    expect(pick(f, 'app.process.oom_kills', T)).toMatchObject({ severity: 'warning', value: 1 });
    expect(pick(f, 'app.process.oom_kills', T).evidence?.raw).toContain('Killed process 7 (java)');
    f = await evaluate({ oom: { items: [item([kill(3), kill(2), kill(1)])] } });
    expect(pick(f, 'app.process.oom_kills', T)).toMatchObject({ severity: 'critical', value: 3 });
    f = await evaluate({ oom: { items: [item([kill(3), kill(2), kill(1)])] } }, { spec: { checks: { 'app.process.oom_kills': { window: '90m' } } } });
    expect(pick(f, 'app.process.oom_kills', T)).toMatchObject({ severity: 'warning', value: 1 });
  });
  test('no kills is ok; no kills in a kernel log shorter than the window is only info', async () => {
    let f = await evaluate({ oom: { items: [item([])] } });
    expect(pick(f, 'app.process.oom_kills', T)).toMatchObject({ severity: 'ok', value: 0, message: 'java on web-1: no OOM kills in the last 24.0 h' });
    f = await evaluate({ oom: { items: [item([], NOW - 2 * 3_600_000)] } });
    expect(pick(f, 'app.process.oom_kills', T)).toMatchObject({ severity: 'info', value: 0, message: 'java on web-1: no OOM kills in the last 24.0 h (the kmsg log only goes back 2.0 h)' });
    // Booted 2 h ago with the whole log kept: complete.
    f = await evaluate({ oom: { items: [item([], NOW - 2 * 3_600_000, true)] } });
    expect(pick(f, 'app.process.oom_kills', T)).toMatchObject({ severity: 'ok', message: 'java on web-1: no OOM kills in the last 24.0 h' });
  });
});

// ---------------------------------------------------------------- logs

describe('app.logs.*', () => {
  const L = 'shop:/var/log/shop@web-1';
  const dir = (d: Partial<LogsSection['items'][number]>): LogsSection['items'][number] => ({
    host: 'web-1',
    path: '/var/log/shop',
    error: null,
    files: 3,
    totalBytes: 300 * MIB,
    largest: [{ path: '/var/log/shop/app.log', bytes: 200 * MIB, mtime: NOW }],
    oldest: { path: '/var/log/shop/app.log.2.gz', bytes: 10, mtime: NOW - 3 * DAY },
    rotatedFiles: 2,
    retentionDays: 7,
    expired: { count: 0, bytes: 0, examples: [] },
    partial: false,
    note: null,
    maxSizeBytes: 1024 * MIB,
    maxFileSizeBytes: 1024 * MIB,
    ...d,
  });
  test('all quiet', async () => {
    const f = await evaluate({ logs: { items: [dir({})] } });
    expect(['app.logs.size', 'app.logs.retention', 'app.logs.rotation'].map((c) => pick(f, c, L).severity)).toEqual(['ok', 'ok', 'ok']);
    expect(pick(f, 'app.logs.size', L).value).toBe(29.3);
  });
  test('size 80 % warning, 100 % critical; no maxSize reported, not judged', async () => {
    let f = await evaluate({ logs: { items: [dir({ totalBytes: 850 * MIB })] } });
    expect(pick(f, 'app.logs.size', L).severity).toBe('warning');
    f = await evaluate({ logs: { items: [dir({ totalBytes: 1100 * MIB })] } });
    expect(pick(f, 'app.logs.size', L).severity).toBe('critical');
    f = await evaluate({ logs: { items: [dir({ totalBytes: 9e12, maxSizeBytes: null })] } });
    expect(pick(f, 'app.logs.size', L)).toMatchObject({ severity: 'ok' });
    expect(pick(f, 'app.logs.size', L).value).toBeUndefined();
  });
  test('retention: files older than retentionDays', async () => {
    const f = await evaluate({ logs: { items: [dir({ expired: { count: 4, bytes: 40 * MIB, examples: [{ path: '/var/log/shop/old.log', bytes: 10 * MIB, mtime: NOW - 40 * DAY }] } })] } });
    expect(pick(f, 'app.logs.retention', L)).toMatchObject({ severity: 'warning', value: 4 });
    expect(pick(f, 'app.logs.retention', L).message).toBe('/var/log/shop on web-1: 4 files older than the 7-day retention (40.0 MiB); oldest file /var/log/shop/app.log.2.gz is 3.0 days old');
  });
  test('rotation: the largest file against maxFileSize', async () => {
    const f = await evaluate({ logs: { items: [dir({ largest: [{ path: '/var/log/shop/app.log', bytes: 2500 * MIB, mtime: NOW }], rotatedFiles: 0 })] } });
    expect(pick(f, 'app.logs.rotation', L)).toMatchObject({ severity: 'critical', value: 244.1 });
    expect(pick(f, 'app.logs.rotation', L).message).toMatch(/no rotated files: rotation looks missing/);
  });
  test('a walk cut short proves problems, never their absence; a missing directory is error', async () => {
    let f = await evaluate({ logs: { items: [dir({ partial: true, totalBytes: 10 * MIB })] } });
    expect(pick(f, 'app.logs.size', L).severity).toBe('error');
    expect(pick(f, 'app.logs.retention', L).severity).toBe('error');
    f = await evaluate({ logs: { items: [dir({ partial: true, totalBytes: 2000 * MIB })] } });
    expect(pick(f, 'app.logs.size', L).severity).toBe('critical');
    f = await evaluate({ logs: { items: [dir({ error: "cannot statx '/var/log/shop': No such file or directory" })] } });
    for (const c of ['app.logs.size', 'app.logs.retention', 'app.logs.rotation']) expect(pick(f, c, L).severity).toBe('error');
  });
});

// ---------------------------------------------------------------- jobs

describe('app.job.*', () => {
  const J = 'shop:job:export@web-1';
  const job = (j: Partial<JobsSection['items'][number]>): JobsSection['items'][number] => ({
    host: 'web-1',
    name: 'export',
    statusFile: '/var/lib/shop/export.json',
    error: null,
    status: 'success',
    lastSuccess: NOW - 3_600_000,
    durationSeconds: 100,
    mtime: NOW - 3_600_000,
    maxDurationSeconds: null,
    maxAgeSeconds: null,
    raw: '{}',
    ...j,
  });
  test.each([
    ['success', 'ok'],
    ['running', 'ok'],
    ['failed', 'critical'],
    ['error', 'critical'],
    ['paused', 'warning'],
  ])('status %s is %s', async (status, severity) => {
    const f = await evaluate({ jobs: { items: [job({ status })] } });
    expect(pick(f, 'app.job.status', J).severity).toBe(severity);
  });

  test('duration: SLA breach critical; own median 1.5x warning, 3x critical after minHistory runs', async () => {
    let f = await evaluate({ jobs: { items: [job({ durationSeconds: 4000, maxDurationSeconds: 3600 })] } });
    expect(pick(f, 'app.job.duration', J)).toMatchObject({ severity: 'critical', value: 4000 });
    const hist = { [`app.job.duration ${J}`]: [100, 110, 90, 100] };
    f = await evaluate({ jobs: { items: [job({ durationSeconds: 160 })] } }, { history: hist });
    expect(pick(f, 'app.job.duration', J)).toMatchObject({ severity: 'warning' });
    expect(pick(f, 'app.job.duration', J).message).toBe('job export on web-1: last run took 160 s, 1.6x its median of 100 s over 4 earlier runs');
    f = await evaluate({ jobs: { items: [job({ durationSeconds: 310 })] } }, { history: hist });
    expect(pick(f, 'app.job.duration', J).severity).toBe('critical');
    f = await evaluate({ jobs: { items: [job({ durationSeconds: 310 })] } }, { history: { [`app.job.duration ${J}`]: [100, 100] } });
    expect(pick(f, 'app.job.duration', J)).toMatchObject({ severity: 'ok' });
    expect(pick(f, 'app.job.duration', J).message).toMatch(/2 earlier runs, need 3 for a baseline/);
  });

  test('last success: SLA; never succeeded; the job rhythm from earlier runs', async () => {
    let f = await evaluate({ jobs: { items: [job({ lastSuccess: NOW - 30 * 3_600_000, maxAgeSeconds: 26 * 3600 })] } });
    expect(pick(f, 'app.job.last_success', J)).toMatchObject({ severity: 'critical', value: 30 });
    f = await evaluate({ jobs: { items: [job({ lastSuccess: null })] } });
    expect(pick(f, 'app.job.last_success', J).severity).toBe('critical');
    // Earlier runs saw successes every 24 h (each run hourly, recording the age then).
    const H = 3_600_000;
    const successes = [NOW - 75 * H, NOW - 51 * H, NOW - 27 * H];
    const points: HistoryPoint[] = [];
    for (let at = NOW - 74 * H; at < NOW; at += H) {
      const last = successes.filter((s) => s <= at).pop()!;
      points.push({ at, value: (at - last) / H, runId: String(at) });
    }
    expect(successTimes(points, NOW - 27 * H)).toEqual(successes);
    f = await evaluate({ jobs: { items: [job({ lastSuccess: NOW - 27 * H })] } }, { history: { [`app.job.last_success ${J}`]: points } });
    expect(pick(f, 'app.job.last_success', J)).toMatchObject({ severity: 'ok' });
    expect(pick(f, 'app.job.last_success', J).message).toMatch(/1\.1x its usual 24\.0 h between successes/);
    f = await evaluate({ jobs: { items: [job({ lastSuccess: NOW - 27 * H })] } }, { history: { [`app.job.last_success ${J}`]: points }, now: NOW + 20 * H });
    expect(pick(f, 'app.job.last_success', J).severity).toBe('warning');
    f = await evaluate({ jobs: { items: [job({ lastSuccess: NOW - 27 * H })] } }, { history: { [`app.job.last_success ${J}`]: points }, now: NOW + 50 * H });
    expect(pick(f, 'app.job.last_success', J).severity).toBe('critical');
  });

  test('an unreadable status file is error for all three job checks', async () => {
    const f = await evaluate({ jobs: { items: [job({ error: 'status file /var/lib/shop/export.json: No such file or directory', status: null, lastSuccess: null, durationSeconds: null })] } });
    for (const c of ['app.job.status', 'app.job.duration', 'app.job.last_success']) expect(pick(f, c, J).severity).toBe('error');
  });

  test('normalizeJob: the status file convention', () => {
    const limits = { maxDurationSeconds: null, maxAgeSeconds: null };
    const n = (content: unknown) => normalizeJob('h', 'j', '/s.json', { content, raw: '', mtime: 1 }, limits);
    expect(n({ status: 'SUCCESS', lastSuccess: '2026-05-31T10:00:00Z', durationSeconds: 12.5 })).toMatchObject({ error: null, status: 'success', lastSuccess: Date.parse('2026-05-31T10:00:00Z'), durationSeconds: 12.5 });
    expect(n({ lastSuccess: 1780000000 }).lastSuccess).toBe(1780000000000);
    expect(n({ lastSuccess: 1780000000123 }).lastSuccess).toBe(1780000000123);
    expect(n({ lastSuccess: 'yesterday' }).error).toBe('/s.json: "lastSuccess" must be an ISO 8601 time or epoch seconds, not "yesterday"');
    expect(n({ durationSeconds: '12' }).error).toBe('/s.json: "durationSeconds" must be a non-negative number, not "12"');
    expect(n({ status: 1 }).error).toMatch(/"status" must be a string/);
    expect(n({ other: 1 }).error).toBe('/s.json has none of "status", "lastSuccess", "durationSeconds"');
    expect(normalizeJob('h', 'j', '/s.json', { error: 'not JSON' }, limits).error).toBe('not JSON');
  });
});

// ---------------------------------------------------------------- config and placement

describe('application config', () => {
  const parse = (app: Record<string, unknown>) => applicationTargetSchema.safeParse({ name: 'shop', ...app });
  const messages = (app: Record<string, unknown>) => {
    const r = parse(app);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  test('rejects what cannot work, with the field named', () => {
    expect(messages({ hosts: ['web'], processes: [{ name: 'p', match: 'x', cgroup: '/y' }] })).toEqual(['processes.0: give either match (a command line regex) or cgroup, not both or neither']);
    expect(messages({ processes: [{ name: 'p', match: 'x' }] })).toEqual(['hosts: application shop has processes, logs or batch jobs: list the inventory hosts or groups it runs on in hosts']);
    expect(messages({ hosts: ['web'], logs: [{ path: '/l' }, { path: '/l' }] })).toEqual(['logs.1: log path "/l" appears twice in application shop']);
    expect(messages({ metrics: { url: 'http://x/metrics', pools: [{ name: 'p', active: 'm{pool=main}', max: 10 }] } })[0]).toMatch(/^metrics\.pools\.0\.active: "m\{pool=main\}" is not a series selector/);
    expect(messages({ health: [{ url: 'ftp://x/' }] })).toEqual(['health.0.url: scheme must be http or https, not ftp']);
    expect(messages({ health: [{ url: 'http://x/', body: [{ jsonPath: '$.a' }] }] })[0]).toMatch(/a body check is one of/);
    expect(messages({ hosts: ['web'], logs: [{ path: '/l', maxSize: 'lots' }] })[0]).toMatch(/"lots" is not a size/);
    expect(messages({ hosts: ['web'], batchJobs: [{ name: 'j', statusFile: 'rel.json' }] })).toEqual(['batchJobs.0.statusFile: must be an absolute path']);
  });
  test('a job with its own hosts needs no application hosts', () => {
    expect(messages({ batchJobs: [{ name: 'j', statusFile: '/s.json', hosts: ['batch-1'] }] })).toEqual([]);
  });
  test('hosts entries: names, groups, globs; what matches nothing is reported', () => {
    const inv = [
      { name: 'web-1', groups: ['web', 'prod'], vars: {} },
      { name: 'web-2', groups: ['web'], vars: {} },
      { name: 'db-1', groups: ['db'], vars: {} },
    ];
    expect(resolveHosts(['web'], inv)).toEqual({ hosts: ['web-1', 'web-2'], unmatched: [] });
    expect(resolveHosts(['db-*', 'prod', 'cache'], inv)).toEqual({ hosts: ['db-1', 'web-1'], unmatched: ['cache'] });
    const app = applicationTargetSchema.parse({ name: 'shop', hosts: ['web'], processes: [{ name: 'java', match: 'shop' }], logs: [{ path: '/var/log/shop', retentionDays: 7 }], batchJobs: [{ name: 'export', statusFile: '/s.json', hosts: ['db-1'] }] });
    const main = resolveHosts(app.hosts, inv);
    const params = buildHostParams([app], new Map([['shop', { ...main, jobHosts: new Map([['export', resolveHosts(['db-1'], inv)]]) }]]), { samples: 3, sampleInterval: 2 });
    expect([...params.keys()].sort()).toEqual(['db-1', 'web-1', 'web-2']);
    expect(params.get('web-1')).toEqual({ samples: 3, sample_interval: 2, processes: [{ app: 'shop', name: 'java', match: 'shop' }], logs: [{ app: 'shop', path: '/var/log/shop', retention_days: 7 }], jobs: [] });
    expect(params.get('db-1')!.jobs).toEqual([{ app: 'shop', name: 'export', status_file: '/s.json' }]);
  });
});
