import { parseQuantity } from '../../src/kubernetes/model/quantity.js';
import { isLatest, parseImage } from '../../src/kubernetes/model/images.js';
import { schedulingReasons } from '../../src/kubernetes/model/scheduling.js';
import { fireTimesBetween, lastFireTime, parseCron, validTimeZone } from '../../src/kubernetes/model/cron.js';
import { parseVersion } from '../../src/kubernetes/model/versions.js';
import { selectorMatches } from '../../src/kubernetes/model/label-selector.js';
import { exclusiveCpus, podResources, qosClass } from '../../src/kubernetes/model/pods.js';
import { parseHealth } from '../../src/kubernetes/inspect/probes.js';
import { ProblemSet } from '../../src/kubernetes/inspect/problems.js';
import { retryAfterMs } from '../../src/kubernetes/client/api-client.js';
import type { Pod } from '../../src/kubernetes/model/types.js';

describe('quantities', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['100M', 1e8],
    ['1e3', 1000],
    ['203070420Ki', 203070420 * 1024],
    ['10n', 1e-8],
  ])('%s = %d', (q, v) => expect(parseQuantity(q)).toBeCloseTo(v, 12));
  it('is NaN for garbage', () => expect(parseQuantity('lots')).toBeNaN());
});

describe('images', () => {
  it('splits registry, repository, tag and digest', () => {
    expect(parseImage('nginx')).toEqual({ registry: 'docker.io', repository: 'library/nginx' });
    expect(parseImage('nginx:1.27')).toEqual({ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' });
    expect(parseImage('quay.io/prometheus/node-exporter:v1.8.2')).toEqual({ registry: 'quay.io', repository: 'prometheus/node-exporter', tag: 'v1.8.2' });
    expect(parseImage('localhost:5000/app')).toEqual({ registry: 'localhost:5000', repository: 'app' });
    expect(parseImage('registry.k8s.io/pause@sha256:ee6521f2')).toEqual({ registry: 'registry.k8s.io', repository: 'pause', digest: 'sha256:ee6521f2' });
  });
  it('knows what means latest', () => {
    expect(isLatest(parseImage('busybox'))).toBe(true);
    expect(isLatest(parseImage('busybox:latest'))).toBe(true);
    expect(isLatest(parseImage('busybox:1.36'))).toBe(false);
    expect(isLatest(parseImage('busybox@sha256:abc'))).toBe(false);
  });
});

describe('scheduler messages', () => {
  it('classifies the reasons of a FailedScheduling message', () => {
    const r = schedulingReasons("0/7 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient nvidia.com/gpu, 3 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/7 nodes are available: 2 No preemption victims found for incoming pod.");
    expect(r.map((x) => [x.kind, x.nodes])).toEqual([
      ['taints', 1],
      ['insufficient-nvidia.com/gpu', 2],
      ['insufficient-cpu', 3],
      ['node-affinity', 1],
    ]);
    expect(schedulingReasons('0/3 nodes are available: 3 Insufficient memory.').map((x) => x.kind)).toEqual(['insufficient-memory']);
    expect(schedulingReasons('0/3 nodes are available: 3 node(s) didn\'t match pod anti-affinity rules.').map((x) => x.kind)).toEqual(['pod-affinity']);
  });
});

describe('cron', () => {
  const at = (s: string) => Date.parse(s);
  it('counts scheduled times in a window', () => {
    const daily = parseCron('0 2 * * *');
    expect(fireTimesBetween(daily, 'UTC', at('2026-11-17T02:05:00Z'), at('2026-11-20T08:00:00Z'), 10).count).toBe(3);
    expect(fireTimesBetween(parseCron('*/15 * * * *'), undefined, at('2026-11-20T08:00:00Z'), at('2026-11-20T09:00:00Z'), 100).count).toBe(4);
    expect(fireTimesBetween(parseCron('@hourly'), undefined, at('2026-11-20T08:00:00Z'), at('2026-11-20T09:00:00Z'), 100).count).toBe(1);
    expect(fireTimesBetween(parseCron('0 0 1 * *'), undefined, at('2026-01-15T00:00:00Z'), at('2026-11-20T00:00:00Z'), 100).count).toBe(10);
  });
  it('stops at the cap', () => {
    expect(fireTimesBetween(parseCron('* * * * *'), undefined, at('2026-01-01T00:00:00Z'), at('2026-11-20T00:00:00Z'), 5).count).toBe(5);
  });
  it('honours the time zone', () => {
    // 01:30 in Shanghai (UTC+8) is 17:30 UTC the day before.
    const s = parseCron('30 1 * * *');
    expect(lastFireTime(s, 'Asia/Shanghai', at('2026-11-20T09:00:00Z'))).toBe(at('2026-11-19T17:30:00Z'));
    expect(fireTimesBetween(s, 'Asia/Shanghai', at('2026-11-19T17:31:00Z'), at('2026-11-20T08:00:00Z'), 10).count).toBe(0);
    expect(validTimeZone('Europe/Zurich')).toBe(true);
    expect(validTimeZone('Mars/Olympus')).toBe(false);
  });
  it('applies day-of-month OR day-of-week when both are restricted', () => {
    // The 1st of the month or any Monday.
    const s = parseCron('0 0 1 * mon');
    expect(fireTimesBetween(s, undefined, at('2026-11-01T12:00:00Z'), at('2026-12-01T12:00:00Z'), 100).count).toBe(6);
  });
  it('accepts names and ranges, rejects bad schedules', () => {
    expect(parseCron('0 9-17/2 * JAN-MAR MON-FRI').hour.filter(Boolean).length).toBe(5);
    expect(() => parseCron('61 * * * *')).toThrow(/out of range/);
    expect(() => parseCron('* * *')).toThrow(/expected 5/);
    expect(parseCron('@every 90m').everyMs).toBe(5_400_000);
  });
});

describe('versions, selectors, health', () => {
  it('parses versions', () => {
    expect(parseVersion('v1.30.2-eks-1234')).toEqual({ major: 1, minor: 30, patch: 2 });
    expect(parseVersion('1.31')).toEqual({ major: 1, minor: 31, patch: 0 });
    expect(parseVersion('garbage')).toBeUndefined();
  });
  it('matches label selectors', () => {
    expect(selectorMatches({ matchLabels: { app: 'web' } }, { app: 'web', tier: 'fe' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, { tier: 'be' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, { tier: 'be' })).toBe(false);
    expect(selectorMatches({}, { any: 'x' })).toBe(true);
    expect(selectorMatches(undefined, { any: 'x' })).toBe(false);
  });
  it('parses /readyz?verbose', () => {
    expect(parseHealth('[+]ping ok\n[-]etcd failed: reason withheld\n[+]shutdown excluded: ok\nreadyz check failed\n')).toEqual([
      { name: 'ping', ok: true },
      { name: 'etcd', ok: false, reason: 'reason withheld' },
      { name: 'shutdown', ok: true, excluded: true },
    ]);
  });
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
  });
});

describe('pod resources', () => {
  const pod = (containers: NonNullable<Pod['spec']>['containers'], init?: NonNullable<Pod['spec']>['initContainers']): Pod => ({ metadata: { name: 'p', namespace: 'n' }, spec: { nodeName: 'n1', containers, ...(init ? { initContainers: init } : {}) }, status: { phase: 'Running' } });
  it('sums containers and takes the largest init container, like the scheduler', () => {
    const p = pod([{ name: 'a', resources: { requests: { cpu: '250m', memory: '256Mi' } } }, { name: 'b', resources: { limits: { cpu: '500m', memory: '128Mi' } } }], [{ name: 'i', resources: { requests: { cpu: '2' } } }]);
    const r = podResources(p);
    expect(r.cpuReq).toBe(2);
    expect(r.memReq).toBe(384 * 2 ** 20);
    expect(r.cpuLim).toBe(0.5);
  });
  it('finds Guaranteed pods with whole CPUs', () => {
    const g = pod([{ name: 'a', resources: { requests: { cpu: '4', memory: '1Gi' }, limits: { cpu: '4', memory: '1Gi' } } }]);
    expect(qosClass(g)).toBe('Guaranteed');
    expect(exclusiveCpus(g)).toBe(4);
    expect(exclusiveCpus(pod([{ name: 'a', resources: { requests: { cpu: '1500m', memory: '1Gi' }, limits: { cpu: '1500m', memory: '1Gi' } } }]))).toBe(0);
    expect(exclusiveCpus(pod([{ name: 'a', resources: { requests: { cpu: '4' }, limits: { memory: '1Gi' } } }]))).toBe(0);
  });
});

describe('ProblemSet', () => {
  it('keeps the worst `cap` problems and summarises the rest', () => {
    const ps = new ProblemSet('prod', 3);
    for (let i = 0; i < 1000; i++) ps.add({ target: `prod/ns/p${i}`, severity: i % 10 === 0 ? 'critical' : 'warning', rank: i, message: `p${i}`, group: `ns${i % 4}` });
    ps.checked = 5000;
    const out = ps.findings({ ok: 'fine', noun: 'pods in trouble', unit: 'pods' });
    expect(out).toHaveLength(4);
    expect(out.slice(0, 3).map((f) => f.target)).toEqual(['prod/ns/p990', 'prod/ns/p980', 'prod/ns/p970']);
    const summary = out[3]!;
    expect(summary.target).toBe('prod');
    expect(summary.severity).toBe('critical');
    expect(summary.value).toBe(1000);
    expect(summary.details).toMatchObject({ checked: 5000, problems: 1000, listed: 3, notListed: 997, bySeverity: { critical: 100, warning: 900 } });
    expect(summary.message).toMatch(/^1000 pods in trouble \(100 critical, 900 warning\) among 5000 checked; the 3 worst are listed, 997 more are counted here only/);
  });
  it('is ok with no problem and info when all are listed', () => {
    expect(new ProblemSet('prod', 3).findings({ ok: 'all fine', noun: 'x' })).toEqual([expect.objectContaining({ target: 'prod', severity: 'ok', message: 'all fine', value: 0 })]);
    const ps = new ProblemSet('prod', 3);
    ps.add({ target: 'prod/a', severity: 'warning', message: 'a' });
    expect(ps.findings({ ok: '', noun: 'x' }).at(-1)!.severity).toBe('info');
  });
  it('keeps exempted problems apart', () => {
    const ps = new ProblemSet('prod', 2, (t) => t.startsWith('prod/kube-system/'));
    for (let i = 0; i < 5; i++) ps.add({ target: `prod/kube-system/p${i}`, severity: 'critical', message: 'x' });
    ps.add({ target: 'prod/shop/a', severity: 'warning', message: 'a' });
    const out = ps.findings({ ok: '', noun: 'x' });
    expect(out.filter((f) => f.target.startsWith('prod/kube-system/'))).toHaveLength(2);
    expect(out.at(-1)).toMatchObject({ severity: 'info', value: 1, details: { exempted: 5 } });
  });
});
