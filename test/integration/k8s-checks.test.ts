import type { FindingInput, Severity } from '../../src/findings/finding.js';
import { inspectionConfigSchema, type InspectionConfig } from '../../src/inspections/config/inspection-config.js';
import { clusterChecks } from '../../src/kubernetes/checks/index.js';
import { inspectCluster } from '../../src/kubernetes/inspect/cluster-inspection.js';
import { KubeApiServer } from '../support/k8s-api-server/server.js';
import { fixtureObjects, FIXTURE_NOW } from '../support/k8s-fixtures.js';

// Every check against two fixture clusters made of `kubectl get -o json` dumps (test/fixtures/k8s):
// "problems", where each check must fire on the listed object with the listed severity, and
// "healthy", where none may report a problem. The real client library talks to the test API
// server over HTTPS; the checks run with the fixtures' recording time as "now".

function config(checks: Record<string, Record<string, unknown>> = {}, extra: Record<string, unknown> = {}): InspectionConfig {
  return inspectionConfigSchema.parse({
    apiVersion: 'patrol.dev/v1',
    kind: 'InspectionConfig',
    metadata: { name: 'k8s-fixtures' },
    spec: { checks: { 'k8s.image.registry': { allowedRegistries: ['registry.shop.internal', 'registry.k8s.io', 'quay.io'] }, ...checks }, ...extra },
  });
}

/** kubelet configz of the problems cluster: worker-1 was switched to the static policy, its pool was not. */
const problemsConfigz = (node: string) => (node === 'worker-1' ? { kubeletconfig: { cpuManagerPolicy: 'static', topologyManagerPolicy: 'none' } } : /^worker-[34]$/.test(node) ? { kubeletconfig: { cpuManagerPolicy: 'none', topologyManagerPolicy: 'none' } } : undefined);

let healthyServer: KubeApiServer;
let problemsServer: KubeApiServer;
let healthy: FindingInput[];
let problems: FindingInput[];

beforeAll(async () => {
  healthyServer = await KubeApiServer.start({ objects: fixtureObjects('healthy') });
  problemsServer = await KubeApiServer.start({ objects: fixtureObjects('problems'), configz: problemsConfigz, health: { failing: ['etcd', 'poststarthook/rbac/bootstrap-roles'] } });
  const run = async (s: KubeApiServer, cfg: InspectionConfig) => (await inspectCluster({ kubeconfig: s.writeKubeconfig({ name: 'prod' }) }, { config: cfg, checks: clusterChecks, now: FIXTURE_NOW })).findings;
  healthy = await run(healthyServer, config());
  problems = await run(problemsServer, config({ 'k8s.api.version': { warnBelow: '1.33' } }));
});

afterAll(async () => {
  await healthyServer?.stop();
  await problemsServer?.stop();
});

const find = (fs: FindingInput[], check: string, target: string) => fs.filter((f) => f.check === check && f.target === target);

/** [check, target, severity, message fragment] the problems cluster must produce. */
const FIRES: [string, string, Severity, string][] = [
  ['k8s.api.readyz', 'prod/readyz/etcd', 'critical', 'etcd failed: reason withheld'],
  ['k8s.api.livez', 'prod/livez/etcd', 'critical', 'etcd failed'],
  ['k8s.api.version', 'prod', 'warning', 'below the warning floor 1.33'],
  ['k8s.api.version_skew', 'prod/kubelet/v1.28.15', 'critical', '4 minor versions behind'],
  ['k8s.api.version_skew', 'prod/kubelet/v1.29.10', 'warning', '3 minor versions behind'],
  ['k8s.node.ready', 'prod/node/worker-2', 'critical', 'stopped posting status'],
  ['k8s.node.memory_pressure', 'prod/node/worker-3', 'critical', 'MemoryPressure'],
  ['k8s.node.disk_pressure', 'prod/node/worker-3', 'critical', 'DiskPressure'],
  ['k8s.node.pid_pressure', 'prod/node/worker-4', 'warning', 'PIDPressure'],
  ['k8s.node.network_unavailable', 'prod/node/worker-4', 'critical', 'NetworkUnavailable'],
  ['k8s.node.cordoned', 'prod/node/worker-4', 'warning', 'cordoned'],
  ['k8s.node.cpu_requests', 'prod/node/worker-1', 'warning', 'cpu requests 15.4 cores of 15.8 cores allocatable (97.5%)'],
  ['k8s.node.memory_requests', 'prod/node/worker-3', 'critical', 'memory requests 1.1 GiB of 1.0 GiB allocatable (112.5%), limits 2.3 GiB (225%, overcommitted beyond 150%)'],
  ['k8s.node.pod_capacity', 'prod/node/worker-1', 'critical', 'runs 13 pods of 13 allowed (100%)'],
  ['k8s.node.cpu_manager_policy', 'prod/pool/node.kubernetes.io/pool=gpu', 'warning', 'cpuManagerPolicy=none, topologyManagerPolicy=none on 1 nodes (e.g. gpu-2)'],
  ['k8s.node.cpu_manager_policy', 'prod/pool/node.kubernetes.io/pool=general', 'warning', 'cpuManagerPolicy=static, topologyManagerPolicy=none on 1 nodes (e.g. worker-1)'],
  ['k8s.node.gpu', 'prod/node/gpu-1', 'warning', '1 of 8 GPUs are not allocatable'],
  ['k8s.pod.numa_alignment', 'prod/ml/inference-7b8c9d6f5e-q2w4e', 'warning', 'runs on gpu-2 whose cpuManagerPolicy is none'],
  ['k8s.controlplane.components', 'prod/kube-system/kube-scheduler', 'critical', '0/1 pods running and ready'],
  ['k8s.controlplane.components', 'prod/kube-system/coredns', 'warning', '1/2 pods running and ready'],
  ['k8s.pod.crashloop', 'prod/shop/web-6d4b9f8c7d-m3n8x', 'critical', 'CrashLoopBackOff (12 restarts)'],
  ['k8s.pod.image_pull', 'prod/shop/api-7d9f8b6c5d-x2k9p', 'critical', 'ImagePullBackOff'],
  ['k8s.pod.oomkilled', 'prod/shop/web-6d4b9f8c7d-p9x4m', 'warning', 'OOMKilled'],
  ['k8s.pod.restarts', 'prod/shop/worker-8b9c7d6e5f-h2j4k', 'critical', 'restarted 25 times'],
  ['k8s.pod.pending', 'prod/ml/trainer-0', 'critical', '2 Insufficient nvidia.com/gpu'],
  ['k8s.pod.pending', 'prod/shop/db-2', 'warning', 'MountVolume.MountDevice failed'],
  ['k8s.pod.terminating', 'prod/shop/web-6d4b9f8c7d-zz9q8', 'critical', 'Terminating 120 min past its grace period'],
  ['k8s.pod.unowned', 'prod/shop/debug-shell', 'warning', 'has no owner'],
  ['k8s.workload.unavailable', 'prod/shop/deployment/api', 'critical', '1/2 available'],
  ['k8s.workload.unavailable', 'prod/shop/deployment/web', 'warning', '2/3 available'],
  ['k8s.workload.unavailable', 'prod/monitoring/daemonset/node-exporter', 'warning', '1 not scheduled'],
  ['k8s.workload.unavailable', 'prod/ml/statefulset/trainer', 'critical', '0/1 available'],
  ['k8s.workload.rollout_stalled', 'prod/shop/deployment/api', 'warning', 'has timed out progressing'],
  ['k8s.workload.rollout_stalled', 'prod/shop/statefulset/db', 'warning', 'update to db-7f8e9d0c1 incomplete'],
  ['k8s.workload.hpa_max', 'prod/shop/hpa/web', 'warning', '3/3 replicas, wants 5'],
  ['k8s.workload.pdb_missing', 'prod/shop/deployment/cart', 'warning', 'no PodDisruptionBudget'],
  ['k8s.storage.pvc_unbound', 'prod/shop/data-db-2', 'warning', 'Pending for 45 min'],
  ['k8s.storage.pvc_unbound', 'prod/shop/uploads', 'critical', 'Lost'],
  ['k8s.storage.pv_status', 'prod/pv/pvc-3e2d1c0b-9a8f-4e7d-a6c5-b4a392817f6e', 'warning', 'Released'],
  ['k8s.storage.pv_status', 'prod/pv/pvc-4f3e2d1c-0b9a-4f8e-b7d6-c5b4a3928170', 'critical', 'Failed'],
  ['k8s.events.warnings', 'prod/shop/Pod/web-6d4b9f8c7d-m3n8x:BackOff', 'critical', 'BackOff x148'],
  ['k8s.events.warnings', 'prod/ml/Pod/trainer-0:FailedScheduling', 'warning', 'FailedScheduling x12'],
  ['k8s.cert.tls_secret', 'prod/shop/web-tls', 'critical', 'expired'],
  ['k8s.cert.tls_secret', 'prod/shop/api-tls', 'critical', 'expires in 5 days'],
  ['k8s.cert.tls_secret', 'prod/shop/cart-tls', 'warning', 'expires in 20 days'],
  ['k8s.cert.tls_secret', 'prod/shop/legacy-tls', 'warning', 'not a PEM certificate'],
  ['k8s.image.latest_tag', 'prod/image/nginx:latest', 'warning', ':latest tag'],
  ['k8s.image.latest_tag', 'prod/image/busybox', 'warning', 'no tag'],
  ['k8s.image.registry', 'prod/image/nginx:latest', 'warning', 'comes from docker.io'],
  ['k8s.cronjob.missed', 'prod/shop/nightly-report', 'critical', '3 scheduled runs since then should have succeeded'],
  ['k8s.cronjob.suspended', 'prod/shop/cleanup', 'warning', 'is suspended'],
  ['k8s.job.failed', 'prod/shop/cronjob/nightly-report', 'warning', 'BackoffLimitExceeded'],
  ['k8s.job.long_running', 'prod/shop/job/migrate-schema', 'warning', 'running for 20 h'],
  ['k8s.quota.usage', 'prod/shop/quota/compute-resources', 'critical', 'pods 20 of 20 (100%)'],
  ['k8s.quota.usage', 'prod/ml/quota/gpu-quota', 'warning', 'requests.nvidia.com/gpu 15 of 16'],
];

describe('each check fires on the problems cluster', () => {
  it.each(FIRES)('%s on %s is %s', (check, target, severity, fragment) => {
    const f = find(problems, check, target);
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe(severity);
    expect(f[0]!.message).toContain(fragment);
    expect(f[0]!.category).toBe('cluster');
    expect(f[0]!.host).toBe('prod');
    expect(f[0]!.remediation).toBeTruthy();
  });

  it('covers every check except the ones tested on their own server', () => {
    const own = new Set(['k8s.api.reachable', 'k8s.cert.apiserver']);
    const fired = new Set(FIRES.map(([c]) => c));
    expect(clusterChecks.map((c) => c.info.id).filter((id) => !fired.has(id) && !own.has(id))).toEqual([]);
  });

  it('stays quiet where the problems cluster is fine', () => {
    expect(find(problems, 'k8s.cronjob.missed', 'prod/shop/hourly-sync')).toEqual([]);
    // 01:30 Asia/Shanghai: succeeded at 17:31 UTC the day before, nothing due since.
    expect(find(problems, 'k8s.cronjob.missed', 'prod/shop/settlement')).toEqual([]);
    expect(find(problems, 'k8s.workload.pdb_missing', 'prod/shop/deployment/worker')).toEqual([]);
    expect(find(problems, 'k8s.cert.tls_secret', 'prod/shop/pay-tls')).toEqual([]);
    // Pending, but in a WaitForFirstConsumer class and not used by a pod yet.
    expect(find(problems, 'k8s.storage.pvc_unbound', 'prod/shop/scratch')).toEqual([]);
    // The Warning event three days ago is outside the 24 h window.
    expect(problems.filter((f) => f.check === 'k8s.events.warnings' && /Liveness probe failed/.test(f.message))).toEqual([]);
  });

  it('summarises each check on the cluster target with counts', () => {
    const s = find(problems, 'k8s.pod.crashloop', 'prod')[0]!;
    expect(s).toMatchObject({ severity: 'info', value: 3, unit: 'pods' });
    expect(s.details).toMatchObject({ checked: 31, problems: 3, listed: 3, notListed: 0, bySeverity: { critical: 3 } });
    const pending = find(problems, 'k8s.pod.pending', 'prod')[0]!;
    expect(pending.details).toMatchObject({ byReason: { taints: 1, 'insufficient-nvidia.com/gpu': 1, 'node-affinity': 1, FailedMount: 1 } });
    const events = find(problems, 'k8s.events.warnings', 'prod')[0]!;
    expect(events.details).toMatchObject({ hours: 24, events: 5, byReason: { BackOff: { groups: 1, count: 148 } } });
  });

  it('reads kubelet configz and says where policies come from', () => {
    const s = find(problems, 'k8s.node.cpu_manager_policy', 'prod')[0]!;
    expect(s.details).toMatchObject({ configz: { asked: 4, answered: 3 } });
  });

  it('attaches evidence: the command that reproduces it', () => {
    expect(find(problems, 'k8s.pod.crashloop', 'prod/shop/web-6d4b9f8c7d-m3n8x')[0]!.evidence?.command).toMatch(/^kubectl --kubeconfig \S+ --context prod -n shop describe pod web-6d4b9f8c7d-m3n8x$/);
    expect(find(problems, 'k8s.api.readyz', 'prod/readyz/etcd')[0]!.evidence?.raw).toContain('[-]etcd failed: reason withheld');
  });
});

describe('each check stays quiet on the healthy cluster', () => {
  it.each(clusterChecks.map((c) => c.info.id))('%s', (check) => {
    const mine = healthy.filter((f) => f.check === check);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((f) => f.severity === 'warning' || f.severity === 'critical' || f.severity === 'error')).toEqual([]);
  });
});

describe('thresholds, overrides and exemptions', () => {
  const inspect = async (cfg: InspectionConfig) => (await inspectCluster({ kubeconfig: problemsServer.writeKubeconfig({ name: 'prod' }) }, { config: cfg, checks: clusterChecks, now: FIXTURE_NOW })).findings;

  it('takes thresholds from spec.checks, overrides on sub-targets, disables and exempts', async () => {
    const fs = await inspect(
      config(
        { 'k8s.pod.restarts': { warning: 30, critical: 50 }, 'k8s.node.cordoned': { enabled: false }, 'k8s.quota.usage': { maxFindings: 0 } },
        {
          overrides: [{ match: { targets: ['prod/shop/web-*'] }, checks: { 'k8s.pod.restarts': { warning: 5 } } }],
          exemptions: [{ check: 'k8s.pod.crashloop', target: 'prod/kube-system/*', owner: 'platform-team', reason: 'scheduler being replaced (CHG-1234)', expires: '2099-01-01' }],
        },
      ),
    );
    expect(find(fs, 'k8s.pod.restarts', 'prod/shop/worker-8b9c7d6e5f-h2j4k')).toEqual([]);
    expect(find(fs, 'k8s.pod.restarts', 'prod/shop/web-6d4b9f8c7d-m3n8x')[0]).toMatchObject({ severity: 'warning', threshold: { direction: 'above', warning: 5, critical: 50 } });
    expect(fs.filter((f) => f.check === 'k8s.node.cordoned')).toEqual([]);
    // maxFindings 0: the quota problems are only counted, the summary carries the worst severity.
    expect(fs.filter((f) => f.check === 'k8s.quota.usage')).toEqual([expect.objectContaining({ target: 'prod', severity: 'critical', value: 2 })]);
    const exempted = find(fs, 'k8s.pod.crashloop', 'prod/kube-system/kube-scheduler-cp-1')[0]!;
    expect(exempted.exemption).toEqual({ owner: 'platform-team', reason: 'scheduler being replaced (CHG-1234)', expires: '2099-01-01' });
    expect(find(fs, 'k8s.pod.crashloop', 'prod')[0]!.details).toMatchObject({ exempted: 2, problems: 1 });
  });

  it('reports a bad parameter as an error of that check only', async () => {
    const fs = await inspect(config({ 'k8s.events.warnings': { hours: 'a day' } }));
    expect(fs.filter((f) => f.check === 'k8s.events.warnings')).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('hours must be a number') })]);
    expect(fs.filter((f) => f.severity === 'error')).toHaveLength(1);
  });
});
