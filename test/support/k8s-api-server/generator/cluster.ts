import { createTestCa, type Pem } from '../certs.js';
import type { KubeObj, ObjectSource } from '../store.js';
import {
  buildCronJob,
  buildDaemonSet,
  buildDeployment,
  buildEvent,
  buildHpa,
  buildJob,
  buildNamespace,
  buildNode,
  buildPdb,
  buildPod,
  buildPv,
  buildPvc,
  buildResourceQuota,
  buildStatefulSet,
  buildStorageClass,
  buildTlsSecret,
  kubeletConfigz,
  type ContainerSpec,
  type Owner,
  type PodState,
  type TemplateParams,
} from './objects.js';

/**
 * A large, realistic cluster generated deterministically by index: object i of a kind is built
 * when a list page asks for it and dropped after serialisation, so 5,000 nodes, 150,000 pods and
 * 50,000 events are served with a few megabytes of layout tables. Names sort in index order
 * (the order etcd lists keys in), so pagination by key works with random access.
 *
 * Shape: 3 control-plane nodes and worker pools (general, gpu, highmem, infra); kube-system with
 * static control-plane pods, CoreDNS and kube-proxy on every node; monitoring with node-exporter on
 * every node; ~140 pods per application namespace from Deployments, a StatefulSet, a CronJob and
 * now and then a bare pod; events for pods (Warning ones matching the pods' problems). Problems
 * are injected at realistic rates (crash loops, image pulls, OOM kills, unschedulable GPU pods,
 * NotReady/cordoned nodes, kubelet skew, expiring certificates, full quotas, missed CronJobs...).
 */
export interface ClusterShape {
  nodes: number;
  pods: number;
  events: number;
  seed?: number;
  /** "Now" of the generated state. @defaultValue Date.now() */
  now?: number;
  /** kubelet version of up-to-date nodes. @defaultValue v1.32.4 */
  kubeletVersion?: string;
  /** TLS secret certificates (generated with openssl when absent). */
  certs?: { valid: Pem; warning: Pem; critical: Pem; expired: Pem };
}

export interface GeneratedCluster {
  shape: Required<Omit<ClusterShape, 'certs'>>;
  sources: Record<string, ObjectSource>;
  configz(node: string): Record<string, unknown> | undefined;
  counts: Record<string, number>;
}

// ------------------------------------------------------------------------------------------------
// Deterministic hashing

function mix(a: number): number {
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  return (a ^ (a >>> 16)) >>> 0;
}

class Rng {
  constructor(private readonly seed: number) {}
  u32(...xs: number[]): number {
    let h = mix(this.seed ^ 0x9e3779b9);
    for (const x of xs) h = mix(h ^ (x + 0x7f4a7c15));
    return h;
  }
  frac(...xs: number[]): number {
    return this.u32(...xs) / 4294967296;
  }
  hex(n: number, ...xs: number[]): string {
    let s = '';
    let k = 0;
    while (s.length < n) s += this.u32(...xs, k++).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
  uid(...xs: number[]): string {
    const h = this.hex(32, ...xs);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16]!, 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** Alphabet of Kubernetes' random name suffixes (utilrand), sorted by code point. */
const ALPHA = '2456789bcdfghjklmnpqrstvwxz';
/** A `len`-character suffix whose order follows `n` (so generated names sort by index). */
function sortableSuffix(n: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    s = ALPHA[n % 27]! + s;
    n = Math.floor(n / 27);
  }
  return s;
}
function randomSuffix(rng: Rng, len: number, ...xs: number[]): string {
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHA[rng.u32(...xs, i) % 27]!;
  return s;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

// ------------------------------------------------------------------------------------------------
// Layout

type Pool = 'cp' | 'general' | 'gpu' | 'highmem' | 'infra';
const POOL_SPEC: Record<Pool, { cpu: number; memoryGi: number; gpus?: number; instance: string }> = {
  cp: { cpu: 8, memoryGi: 32, instance: 'c6.2xlarge' },
  general: { cpu: 16, memoryGi: 64, instance: 'c6.4xlarge' },
  gpu: { cpu: 64, memoryGi: 512, gpus: 8, instance: 'p4d.24xlarge' },
  highmem: { cpu: 32, memoryGi: 256, instance: 'r6.8xlarge' },
  infra: { cpu: 8, memoryGi: 32, instance: 'm6.2xlarge' },
};

interface NodeRange {
  pool: Pool;
  start: number;
  count: number;
}

type GroupKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'static' | 'CronJob' | 'bare';

interface Group {
  name: string;
  kind: GroupKind;
  replicas: number;
  /** Index of the group's first pod within its namespace. */
  podStart: number;
  salt: number;
  pool: Pool;
  containers: ContainerSpec[];
  labels: Record<string, string>;
  /** pod-template-hash / controller-revision-hash. */
  hash: string;
  gpu?: boolean;
  /** Guaranteed pod with integer CPUs (NUMA-sensitive). */
  guaranteed?: boolean;
  /** Pending on purpose for lack of capacity. */
  uid: string;
  jobState?: 'succeeded' | 'failed' | 'running';
}

interface Namespace {
  name: string;
  index: number;
  /** Global index of the namespace's first pod. */
  podStart: number;
  pods: number;
  groups: Group[];
  uid: string;
  component: string;
  app: boolean;
}

const COMPONENTS = ['accounts', 'audit', 'billing', 'cards', 'catalog', 'clearing', 'customer', 'fraud', 'kyc', 'ledger', 'loans', 'notify', 'orders', 'payments', 'pricing', 'reports', 'risk', 'search', 'settlement', 'treasury'];
const ENVS = ['prod', 'uat', 'dev', 'perf'];
/** No role is a prefix of another, so `<component>-<role>` names never prefix each other. */
const ROLES = ['api', 'worker', 'web', 'cache', 'gateway', 'scheduler', 'consumer', 'exporter', 'proxy', 'ui', 'sync', 'indexer', 'backend', 'frontend', 'auth', 'notifier', 'report', 'batch', 'ledger', 'router'];
const REPLICA_PATTERN = [3, 2, 4, 1, 6, 2, 3, 1, 5, 2, 8, 1, 3, 2, 1, 4, 2, 1, 3, 2];
const CPU_REQ = ['50m', '100m', '250m', '100m', '500m'];
const MEM_REQ = ['128Mi', '256Mi', '512Mi', '384Mi', '1Gi'];
const MEM_LIM = ['256Mi', '512Mi', '1Gi', '768Mi', '2Gi'];

const GPU_MESSAGE = (nodes: number, gpuNodes: number, cp: number) =>
  `0/${nodes} nodes are available: ${cp} node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ${gpuNodes} Insufficient nvidia.com/gpu, ${nodes - gpuNodes - cp} node(s) didn't match Pod's node affinity/selector. preemption: 0/${nodes} nodes are available: ${gpuNodes} No preemption victims found for incoming pod, ${nodes - gpuNodes} Preemption is not helpful for scheduling.`;
const CPU_MESSAGE = (nodes: number, cp: number) =>
  `0/${nodes} nodes are available: ${cp} node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ${nodes - cp} Insufficient cpu. preemption: 0/${nodes} nodes are available: ${cp} Preemption is not helpful for scheduling, ${nodes - cp} No preemption victims found for incoming pod.`;

export function generateCluster(input: ClusterShape): GeneratedCluster {
  const shape = { seed: 1, now: Date.now(), kubeletVersion: 'v1.32.4', ...input };
  const { now } = shape;
  const rng = new Rng(shape.seed);
  const minor = Number(shape.kubeletVersion.split('.')[1] ?? 32);
  const patchOld = (m: number) => `v1.${m}.${m === minor - 3 ? 10 : 15}`;

  // Nodes -----------------------------------------------------------------------------------------
  const N = Math.max(1, shape.nodes);
  const cpN = Math.min(3, N);
  const rest = N - cpN;
  const gpuN = rest >= 10 ? Math.max(1, Math.round(rest * 0.03)) : 0;
  const highN = rest >= 10 ? Math.round(rest * 0.12) : 0;
  const infraN = rest >= 10 ? Math.round(rest * 0.05) : 0;
  const genN = rest - gpuN - highN - infraN;
  const ranges: NodeRange[] = [];
  let at = 0;
  for (const [pool, count] of [['cp', cpN], ['general', genN], ['gpu', gpuN], ['highmem', highN], ['infra', infraN]] as [Pool, number][]) {
    ranges.push({ pool, start: at, count });
    at += count;
  }
  const poolRange = (p: Pool) => ranges.find((r) => r.pool === p)!;
  const nodeRange = (i: number) => ranges.find((r) => i >= r.start && i < r.start + r.count)!;
  const nodeName = (i: number) => {
    const r = nodeRange(i);
    return r.pool === 'cp' ? `cp-${pad(i - r.start + 1, 2)}` : `worker-${r.pool}-${pad(i - r.start + 1, 5)}`;
  };
  const nodeIP = (i: number) => `10.${16 + (i >> 16)}.${(i >> 8) & 255}.${(i & 255) + (i < 256 ? 0 : 0)}`;
  interface NodeFacts {
    ready: 'True' | 'False' | 'Unknown';
    memoryPressure: boolean;
    diskPressure: boolean;
    pidPressure: boolean;
    networkUnavailable: boolean;
    unschedulable: boolean;
    kubelet: string;
    cpuManager: string;
    topologyManager: string;
    gpusAllocatable?: number;
  }
  const nodeFacts = (i: number): NodeFacts => {
    const r = nodeRange(i);
    const f = rng.frac(1, i);
    const g = rng.frac(2, i);
    const pool = r.pool;
    const cpuManager = pool === 'gpu' || pool === 'highmem' ? (pool === 'highmem' && rng.frac(3, i) < 0.04 ? 'none' : 'static') : 'none';
    const topologyManager = pool === 'gpu' ? 'single-numa-node' : pool === 'highmem' ? (cpuManager === 'static' ? 'best-effort' : 'none') : 'none';
    return {
      ready: pool !== 'cp' && f < 0.001 ? 'Unknown' : pool !== 'cp' && f < 0.002 ? 'False' : 'True',
      memoryPressure: pool !== 'cp' && f >= 0.002 && f < 0.003,
      diskPressure: pool !== 'cp' && f >= 0.003 && f < 0.004,
      pidPressure: pool !== 'cp' && f >= 0.004 && f < 0.0044,
      networkUnavailable: pool !== 'cp' && f >= 0.0044 && f < 0.0046,
      unschedulable: pool !== 'cp' && f >= 0.005 && f < 0.009,
      kubelet: pool === 'cp' ? shape.kubeletVersion : g < 0.001 ? patchOld(minor - 4) : g < 0.011 ? patchOld(minor - 3) : g < 0.2 ? patchOld(minor - 1) : shape.kubeletVersion,
      cpuManager,
      topologyManager,
      ...(pool === 'gpu' ? { gpusAllocatable: rng.frac(4, i) < 0.05 ? 7 : 8 } : {}),
    };
  };
  const nodeSource = generated(N, nodeName, (i) => {
    const r = nodeRange(i);
    const spec = POOL_SPEC[r.pool];
    const facts = nodeFacts(i);
    const name = nodeName(i);
    const zone = `zone-${'abc'[i % 3]}`;
    const labels: Record<string, string> = {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': spec.instance,
      'topology.kubernetes.io/region': 'dc-east',
      'topology.kubernetes.io/zone': zone,
      ...(r.pool === 'cp' ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : { 'node-role.kubernetes.io/worker': '', 'node.kubernetes.io/pool': r.pool }),
      ...(r.pool === 'gpu' ? { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB', 'nvidia.com/gpu.count': '8' } : {}),
      // Pools managed with a KubeletConfiguration expose the policy as labels (OpenShift style).
      ...(r.pool === 'gpu' || r.pool === 'highmem' ? { 'kubelet.patrol.dev/cpu-manager-policy': facts.cpuManager, 'kubelet.patrol.dev/topology-manager-policy': facts.topologyManager } : {}),
    };
    return buildNode({
      name,
      uid: rng.uid(10, i),
      resourceVersion: String(1000 + i),
      created: now - (400 - (i % 200)) * 86_400_000,
      now,
      labels,
      cpu: spec.cpu,
      memoryGi: spec.memoryGi,
      ...(spec.gpus ? { gpus: spec.gpus, gpusAllocatable: facts.gpusAllocatable ?? spec.gpus } : {}),
      ready: facts.ready,
      memoryPressure: facts.memoryPressure,
      diskPressure: facts.diskPressure,
      pidPressure: facts.pidPressure,
      networkUnavailable: facts.networkUnavailable,
      unschedulable: facts.unschedulable,
      ...(r.pool === 'cp' ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : r.pool === 'gpu' ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {}),
      kubeletVersion: facts.kubelet,
      internalIP: nodeIP(i),
      podCIDR: `10.${64 + (i >> 8)}.${i & 255}.0/24`,
    });
  });
  const configz = (name: string) => {
    const m = /^(?:cp-(\d+)|worker-([a-z]+)-(\d+))$/.exec(name);
    if (!m) return undefined;
    const i = m[1] ? Number(m[1]) - 1 : poolRange(m[2] as Pool).start + Number(m[3]) - 1;
    if (i >= N || nodeName(i) !== name) return undefined;
    const f = nodeFacts(i);
    if (f.ready !== 'True') return undefined; // the kubelet does not answer
    return kubeletConfigz({ cpuManagerPolicy: f.cpuManager, topologyManagerPolicy: f.topologyManager, ...(f.cpuManager === 'static' ? { reservedCpus: '0-1' } : {}) });
  };

  // Namespaces and pod groups ----------------------------------------------------------------------
  const namespaces: Namespace[] = [];
  const systemGroups = (): { ns: string; groups: Omit<Group, 'podStart'>[] }[] => {
    const img = (s: string) => s.replace('v1.32.4', shape.kubeletVersion);
    const staticGroup = (name: string, image: string, salt: number, cpu: string, mem?: string): Omit<Group, 'podStart'> => ({
      name,
      kind: 'static',
      replicas: cpN,
      salt,
      pool: 'cp',
      containers: [{ name, image: img(image), requests: { cpu, ...(mem ? { memory: mem } : {}) } }],
      labels: { component: name, tier: 'control-plane' },
      hash: rng.hex(32, salt),
      uid: rng.uid(20, salt),
    });
    return [
      {
        ns: 'kube-system',
        groups: [
          { name: 'coredns', kind: 'Deployment', replicas: 2, salt: 101, pool: 'infra', containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3', requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' }, port: 8080, probes: true }], labels: { 'k8s-app': 'kube-dns' }, hash: randomSuffix(rng, 10, 101), uid: rng.uid(20, 101) },
          staticGroup('etcd', 'registry.k8s.io/etcd:3.5.16-0', 102, '100m', '100Mi'),
          staticGroup('kube-apiserver', 'registry.k8s.io/kube-apiserver:v1.32.4', 103, '250m'),
          staticGroup('kube-controller-manager', 'registry.k8s.io/kube-controller-manager:v1.32.4', 104, '200m'),
          { name: 'kube-proxy', kind: 'DaemonSet', replicas: N, salt: 105, pool: 'general', containers: [{ name: 'kube-proxy', image: img('registry.k8s.io/kube-proxy:v1.32.4') }], labels: { 'k8s-app': 'kube-proxy' }, hash: randomSuffix(rng, 10, 105), uid: rng.uid(20, 105) },
          staticGroup('kube-scheduler', 'registry.k8s.io/kube-scheduler:v1.32.4', 106, '100m'),
        ],
      },
      {
        ns: 'monitoring',
        groups: [{ name: 'node-exporter', kind: 'DaemonSet', replicas: N, salt: 107, pool: 'general', containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2', requests: { cpu: '102m', memory: '180Mi' }, limits: { cpu: '250m', memory: '180Mi' }, port: 9100 }], labels: { 'app.kubernetes.io/name': 'node-exporter' }, hash: randomSuffix(rng, 10, 107), uid: rng.uid(20, 107) }],
      },
    ];
  };
  const sys = systemGroups();
  const systemPods = sys.reduce((a, s) => a + s.groups.reduce((b, g) => b + g.replicas, 0), 0);
  const appPods = Math.max(0, shape.pods - systemPods);
  const appNs = appPods === 0 ? 0 : Math.max(1, Math.round(appPods / 140));
  // Keep requests schedulable: about 30 application pods per general node at the base pattern.
  const reqScale = Math.min(1, (Math.max(genN, 1) * 30) / Math.max(appPods, 1));
  const scaleCpu = (q: string) => `${Math.max(10, Math.round((q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000) * reqScale))}m`;
  const scaleMem = (q: string) => `${Math.max(16, Math.round(Number(q.slice(0, -2)) * (q.endsWith('Gi') ? 1024 : 1) * reqScale))}Mi`;
  const nsNames: { name: string; component: string; k: number }[] = [];
  for (let k = 0; k < appNs; k++) {
    const component = COMPONENTS[k % COMPONENTS.length]!;
    const env = ENVS[Math.floor(k / COMPONENTS.length) % ENVS.length]!;
    const n = Math.floor(k / (COMPONENTS.length * ENVS.length));
    nsNames.push({ name: `${component}-${env}${n > 0 ? `-${pad(n, 3)}` : ''}`, component, k });
  }
  const layouts: { name: string; component: string; app: boolean; k: number; groups: Omit<Group, 'podStart'>[] }[] = sys.map((s, i) => ({ name: s.ns, component: s.ns, app: false, k: -1 - i, groups: s.groups }));
  for (const ns of nsNames) {
    const pods = Math.floor(appPods / appNs) + (ns.k < appPods % appNs ? 1 : 0);
    layouts.push({ name: ns.name, component: ns.component, app: true, k: ns.k, groups: appGroups(ns.component, ns.k, pods) });
  }
  // Storage keys are namespace + '/' + name: "a-dev/..." sorts after "a-dev-001/...".
  layouts.sort((a, b) => (`${a.name}/` < `${b.name}/` ? -1 : 1));
  let podAt = 0;
  for (const [index, l] of layouts.entries()) {
    const groups = [...l.groups].sort((a, b) => (a.name < b.name ? -1 : 1));
    let local = 0;
    const placed: Group[] = groups.map((g) => {
      const out = { ...g, podStart: local };
      local += g.replicas;
      return out;
    });
    namespaces.push({ name: l.name, index, podStart: podAt, pods: local, groups: placed, uid: rng.uid(30, index), component: l.component, app: l.app });
    podAt += local;
  }
  const totalPods = podAt;

  function appGroups(component: string, k: number, nsPods: number): Omit<Group, 'podStart'>[] {
    const toolbox = k % 40 === 5 && nsPods >= 3;
    const pods = toolbox ? nsPods - 1 : nsPods;
    if (pods <= 0) return [];
    const gpuNs = gpuN > 0 && k % 30 === 7;
    const numaNs = highN > 0 && k % 8 === 3;
    const nRoles = Math.min(ROLES.length, Math.max(1, Math.ceil(pods / 7)));
    const pattern = REPLICA_PATTERN.slice(0, nRoles);
    const sum = pattern.reduce((a, b) => a + b, 0);
    const reps = pattern.map((p) => Math.max(1, Math.round((p * pods) / sum)));
    // StatefulSet replicas stay single-digit (their ordinals must sort like their indexes).
    const stsIndex = ROLES.indexOf('cache');
    if (stsIndex < nRoles && reps[stsIndex]! > 9) reps[stsIndex] = 9;
    const cronIndex = ROLES.indexOf('report');
    if (cronIndex < nRoles) reps[cronIndex] = 1;
    let diff = pods - reps.reduce((a, b) => a + b, 0);
    for (let j = 0; diff !== 0 && j < 10_000; j++) {
      const t = j % nRoles;
      if (t === stsIndex || t === cronIndex) continue;
      if (diff > 0) {
        reps[t]!++;
        diff--;
      } else if (reps[t]! > 1) {
        reps[t]!--;
        diff++;
      }
    }
    const out: Omit<Group, 'podStart'>[] = [];
    for (let j = 0; j < nRoles; j++) {
      const role = ROLES[j]!;
      const salt = k * 100 + j + 1000;
      const kind: GroupKind = j === stsIndex ? 'StatefulSet' : j === cronIndex ? 'CronJob' : 'Deployment';
      const name = `${component}-${role}`;
      const f = rng.frac(5, salt);
      const gpu = gpuNs && kind === 'Deployment' && j === 0;
      const guaranteed = numaNs && kind === 'Deployment' && j % 4 === 1;
      const tag = f < 0.02 ? 'latest' : `1.${(salt % 17) + 2}.${salt % 9}`;
      const image = f >= 0.02 && f < 0.03 ? `docker.io/library/nginx:1.27.${salt % 4}` : f >= 0.03 && f < 0.035 ? 'busybox' : `registry.bank.internal/${component}/${role}:${tag}`;
      const i = CPU_REQ.length;
      const main: ContainerSpec = guaranteed
        ? { name: role, image, requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '4', memory: '16Gi' }, port: 8080, probes: true }
        : gpu
          ? { name: role, image: `registry.bank.internal/ml/${role}-trainer:2.4.1`, requests: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '64Gi', 'nvidia.com/gpu': '1' } }
          : { name: role, image, requests: { cpu: scaleCpu(CPU_REQ[salt % i]!), memory: scaleMem(MEM_REQ[salt % i]!) }, limits: { memory: scaleMem(MEM_LIM[salt % i]!) }, port: 8080, probes: kind !== 'CronJob', env: { SPRING_PROFILES_ACTIVE: 'prod', JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=75' } };
      const containers = [main];
      if (!gpu && !guaranteed && rng.frac(6, salt) < 0.3) containers.push({ name: 'log-shipper', image: 'registry.bank.internal/platform/fluent-bit:3.1.9', requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
      out.push({
        name,
        kind,
        replicas: reps[j]!,
        salt,
        pool: gpu ? 'gpu' : guaranteed ? (k % 3 === 0 && j === 5 ? 'general' : 'highmem') : 'general',
        containers,
        labels: { app: name, 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': component, team: component },
        hash: randomSuffix(rng, 10, salt),
        uid: rng.uid(20, salt),
        ...(gpu ? { gpu } : {}),
        ...(guaranteed ? { guaranteed } : {}),
        ...(kind === 'CronJob' ? { jobState: rng.frac(7, salt) < 0.06 ? 'failed' : rng.frac(7, salt) > 0.97 ? 'running' : 'succeeded' } : {}),
      });
    }
    if (toolbox) out.push({ name: `${component}-toolbox`, kind: 'bare', replicas: 1, salt: k * 100 + 99 + 1000, pool: 'general', containers: [{ name: 'toolbox', image: 'docker.io/library/busybox:1.36', requests: { cpu: '10m' } }], labels: { run: `${component}-toolbox` }, hash: randomSuffix(rng, 10, k), uid: rng.uid(21, k) });
    return out;
  }

  const nsOfPod = (i: number): Namespace => {
    let lo = 0;
    let hi = namespaces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (namespaces[mid]!.podStart <= i) lo = mid;
      else hi = mid - 1;
    }
    return namespaces[lo]!;
  };
  const groupOf = (ns: Namespace, local: number): Group => {
    let lo = 0;
    let hi = ns.groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (ns.groups[mid]!.podStart <= local) lo = mid;
      else hi = mid - 1;
    }
    return ns.groups[lo]!;
  };
  const podName = (g: Group, r: number): string => {
    switch (g.kind) {
      case 'static':
        return `${g.name}-${nodeName(r)}`;
      case 'StatefulSet':
        return `${g.name}-${r}`;
      case 'DaemonSet':
        return `${g.name}-${sortableSuffix(Math.floor((r * 27 ** 5) / Math.max(g.replicas, 1)), 5)}`;
      case 'CronJob':
        return `${g.name}-${cronJobRunMinute(g)}-${sortableSuffix(g.salt % 27 ** 5, 5)}`;
      case 'bare':
        return g.name;
      default:
        return `${g.name}-${g.hash}-${sortableSuffix(Math.floor((r * 27 ** 5) / Math.max(g.replicas, 1)) + (g.salt % 7), 5)}`;
    }
  };
  const podState = (ns: Namespace, g: Group, r: number, global: number): PodState => {
    if (g.kind === 'static' || g.kind === 'DaemonSet') {
      if (g.kind === 'DaemonSet' && nodeFacts(r).ready !== 'True') return 'containercreating';
      return 'running';
    }
    if (g.kind === 'CronJob') return g.jobState === 'running' ? 'running' : g.jobState === 'failed' ? 'evicted' : 'succeeded';
    if (g.gpu && rng.frac(8, g.salt, r) < 0.25) return 'unschedulable';
    if (!ns.app) return 'running';
    const f = rng.frac(9, global);
    if (f < 0.005) return 'crashloop';
    if (f < 0.006) return 'imagepull';
    if (f < 0.007) return 'errimagepull';
    if (f < 0.01) return 'oomkilled';
    if (f < 0.0105) return 'terminating';
    if (f < 0.011) return 'containercreating';
    if (f < 0.0118) return 'unschedulable';
    return 'running';
  };
  const podNode = (g: Group, r: number): number => {
    if (g.kind === 'static') return r;
    if (g.kind === 'DaemonSet') return r;
    const range = poolRange(g.pool);
    const count = range.count > 0 ? range : poolRange('general').count > 0 ? poolRange('general') : ranges.find((x) => x.count > 0)!;
    return count.start + (rng.u32(11, g.salt, r) % count.count);
  };
  function cronJobRunMinute(g: Group): number {
    const sched = cronSchedule(g);
    return Math.floor(sched.last / 60_000);
  }
  function cronSchedule(g: Group): { expr: string; last: number; every: number } {
    const every = [15, 60, 1440][g.salt % 3]!;
    const expr = every === 15 ? '*/15 * * * *' : every === 60 ? '0 * * * *' : '30 2 * * *';
    const step = every * 60_000;
    const offset = every === 1440 ? 150 * 60_000 : 0;
    const last = Math.floor((now - offset) / step) * step + offset;
    return { expr, last, every };
  }

  const podSource = generated(
    totalPods,
    (i) => {
      const ns = nsOfPod(i);
      const g = groupOf(ns, i - ns.podStart);
      return `${ns.name}/${podName(g, i - ns.podStart - g.podStart)}`;
    },
    (i) => {
      const ns = nsOfPod(i);
      const local = i - ns.podStart;
      const g = groupOf(ns, local);
      const r = local - g.podStart;
      const name = podName(g, r);
      const state = podState(ns, g, r, i);
      const nodeIndex = podNode(g, r);
      const node = nodeName(nodeIndex);
      const hash = rng.hex(40, 12, i);
      let owner: Owner | undefined;
      let labels: Record<string, string> = { ...g.labels };
      let annotations: Record<string, string> | undefined = { 'cni.projectcalico.org/containerID': hash.padEnd(64, '0'), 'cni.projectcalico.org/podIP': `10.${64 + (nodeIndex >> 8)}.${nodeIndex & 255}.${(i % 250) + 2}/32`, 'cni.projectcalico.org/podIPs': `10.${64 + (nodeIndex >> 8)}.${nodeIndex & 255}.${(i % 250) + 2}/32` };
      let generateName: string | undefined;
      switch (g.kind) {
        case 'Deployment':
          owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${g.name}-${g.hash}`, uid: rng.uid(21, g.salt) };
          labels['pod-template-hash'] = g.hash;
          generateName = `${g.name}-${g.hash}-`;
          break;
        case 'StatefulSet':
          owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: g.name, uid: g.uid };
          labels = { ...labels, 'apps.kubernetes.io/pod-index': String(r), 'controller-revision-hash': `${g.name}-${g.hash}`, 'statefulset.kubernetes.io/pod-name': name };
          generateName = `${g.name}-`;
          break;
        case 'DaemonSet':
          owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: g.name, uid: g.uid };
          labels = { ...labels, 'controller-revision-hash': g.hash, 'pod-template-generation': '1' };
          generateName = `${g.name}-`;
          break;
        case 'CronJob': {
          const jobName = `${g.name}-${cronJobRunMinute(g)}`;
          owner = { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: rng.uid(22, g.salt) };
          labels = { ...labels, 'batch.kubernetes.io/controller-uid': owner.uid, 'batch.kubernetes.io/job-name': jobName, 'controller-uid': owner.uid, 'job-name': jobName };
          generateName = `${jobName}-`;
          break;
        }
        case 'static':
          owner = { apiVersion: 'v1', kind: 'Node', name: node, uid: rng.uid(10, nodeIndex) };
          annotations = { 'kubernetes.io/config.hash': g.hash, 'kubernetes.io/config.mirror': g.hash, 'kubernetes.io/config.seen': new Date(now - 30 * 86_400_000).toISOString().replace('Z', '000000Z').replace(/\.(\d{3})000000Z$/, '.$1000000Z'), 'kubernetes.io/config.source': 'file' };
          break;
        default:
          break;
      }
      const restarts = state === 'running' && rng.frac(13, i) < 0.01 ? 4 + (rng.u32(14, i) % 30) : state === 'crashloop' ? 12 + (rng.u32(14, i) % 200) : state === 'oomkilled' ? 1 + (rng.u32(14, i) % 6) : 0;
      const gpuN2 = poolRange('gpu').count;
      const created = state === 'unschedulable' || state === 'containercreating' ? now - (20 + (i % 600)) * 60_000 : now - (2 + (i % 90)) * 86_400_000 - (i % 86_400) * 1000;
      return buildPod({
        name,
        namespace: ns.name,
        uid: rng.uid(15, i),
        resourceVersion: String(200_000 + i),
        created,
        labels,
        ...(annotations ? { annotations } : {}),
        ...(owner ? { owner } : {}),
        ...(generateName ? { generateName } : {}),
        node,
        hostIP: nodeIP(nodeIndex),
        podIP: g.kind === 'static' || g.kind === 'DaemonSet' && g.name === 'kube-proxy' ? nodeIP(nodeIndex) : `10.${64 + (nodeIndex >> 8)}.${nodeIndex & 255}.${(i % 250) + 2}`,
        containers: state === 'imagepull' || state === 'errimagepull' ? [{ ...g.containers[0]!, image: g.containers[0]!.image.replace(/:[^:/]+$/, '') + ':9.9.9-missing' }, ...g.containers.slice(1)] : g.containers,
        state,
        restarts,
        ...(state === 'unschedulable' ? { schedulerMessage: g.gpu ? GPU_MESSAGE(N, gpuN2, cpN) : CPU_MESSAGE(N, cpN) } : {}),
        ...(state === 'terminating' ? { deletedAt: now - (30 + (i % 300)) * 60_000 } : {}),
        serviceAccount: ns.app ? 'default' : g.name,
        ...(g.kind === 'static' ? { mirror: true, hostNetwork: true, priorityClassName: 'system-node-critical', priority: 2000001000 } : g.kind === 'DaemonSet' || !ns.app ? { priorityClassName: 'system-node-critical', priority: 2000001000 } : {}),
        ...(g.gpu ? { nodeSelector: { 'nvidia.com/gpu.present': 'true' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
        ...(g.kind === 'DaemonSet' ? { tolerations: [{ operator: 'Exists' }] } : {}),
        ...(g.kind === 'CronJob' ? { restartPolicy: 'OnFailure' } : {}),
        hash,
      });
    },
    (i, field) => {
      if (field === 'spec.nodeName') {
        const ns = nsOfPod(i);
        const g = groupOf(ns, i - ns.podStart);
        return nodeName(podNode(g, i - ns.podStart - g.podStart));
      }
      return undefined;
    },
  );

  // Events ----------------------------------------------------------------------------------------
  const E = Math.max(0, shape.events);
  const nsEvents = namespaces.map((ns) => (totalPods === 0 ? 0 : Math.floor((E * ns.pods) / totalPods)));
  let assigned = nsEvents.reduce((a, b) => a + b, 0);
  for (let j = 0; assigned < E && namespaces.length > 0; j++) {
    const t = j % namespaces.length;
    if (namespaces[t]!.pods > 0) {
      nsEvents[t]!++;
      assigned++;
    }
  }
  const nsEventStart: number[] = [];
  let evAt = 0;
  for (const n of nsEvents) {
    nsEventStart.push(evAt);
    evAt += n;
  }
  const eventLoc = (i: number) => {
    let lo = 0;
    let hi = namespaces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (nsEventStart[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    while (nsEvents[lo] === 0 && lo < namespaces.length - 1) lo++;
    const ns = namespaces[lo]!;
    const j = i - nsEventStart[lo]!;
    const local = Math.floor((j * ns.pods) / nsEvents[lo]!);
    const g = groupOf(ns, local);
    const r = local - g.podStart;
    return { ns, j, local, g, r, global: ns.podStart + local };
  };
  const eventKind = (i: number) => {
    const { ns, g, r, global } = eventLoc(i);
    const state = podState(ns, g, r, global);
    const f = rng.frac(16, i);
    switch (state) {
      case 'crashloop':
        return { type: 'Warning' as const, reason: 'BackOff', state };
      case 'imagepull':
        return f < 0.5 ? { type: 'Warning' as const, reason: 'Failed', state } : { type: 'Normal' as const, reason: 'BackOff', state };
      case 'errimagepull':
        return { type: 'Warning' as const, reason: 'Failed', state };
      case 'unschedulable':
        return { type: 'Warning' as const, reason: 'FailedScheduling', state };
      case 'containercreating':
        return { type: 'Warning' as const, reason: 'FailedMount', state };
      case 'oomkilled':
        return f < 0.6 ? { type: 'Warning' as const, reason: 'BackOff', state } : { type: 'Normal' as const, reason: 'Pulled', state };
      default:
        if (f < 0.12) return { type: 'Warning' as const, reason: 'Unhealthy', state };
        if (f < 0.13) return { type: 'Warning' as const, reason: 'FailedCreatePodSandBox', state };
        return { type: 'Normal' as const, reason: ['Scheduled', 'Pulled', 'Created', 'Started', 'Killing'][Math.floor(f * 1000) % 5]!, state };
    }
  };
  const eventSource = generated(
    E,
    (i) => {
      const { ns, j, g, r } = eventLoc(i);
      return `${ns.name}/${podName(g, r)}.${(0x18000000000000 + j * 977).toString(16)}`;
    },
    (i) => {
      const { ns, j, g, r, global } = eventLoc(i);
      const k = eventKind(i);
      const pod = podName(g, r);
      const node = nodeName(podNode(g, r));
      const c = g.containers[0]!;
      const last = now - (rng.u32(17, i) % 3000) * 1000;
      const count = k.type === 'Warning' ? 1 + (rng.u32(18, i) % (k.reason === 'BackOff' ? 400 : 20)) : 1;
      const first = last - count * 30_000;
      const messages: Record<string, string> = {
        BackOff: k.state === 'imagepull' ? `Back-off pulling image "${c.image.replace(/:[^:/]+$/, '')}:9.9.9-missing"` : `Back-off restarting failed container ${c.name} in pod ${pod}_${ns.name}(${rng.uid(15, global)})`,
        Failed: k.state === 'imagepull' || k.state === 'errimagepull' ? `Failed to pull image "${c.image.replace(/:[^:/]+$/, '')}:9.9.9-missing": rpc error: code = NotFound desc = failed to pull and unpack image: not found` : 'Error: ImagePullBackOff',
        FailedScheduling: g.gpu ? GPU_MESSAGE(N, poolRange('gpu').count, cpN) : CPU_MESSAGE(N, cpN),
        FailedMount: `MountVolume.SetUp failed for volume "config" : configmap "${g.name}-config" not found`,
        Unhealthy: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        FailedCreatePodSandBox: 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized',
        Scheduled: `Successfully assigned ${ns.name}/${pod} to ${node}`,
        Pulled: `Container image "${c.image}" already present on machine`,
        Created: `Created container ${c.name}`,
        Started: `Started container ${c.name}`,
        Killing: `Stopping container ${c.name}`,
      };
      return buildEvent({
        name: `${pod}.${(0x18000000000000 + j * 977).toString(16)}`,
        namespace: ns.name,
        uid: rng.uid(19, i),
        resourceVersion: String(900_000 + i),
        involved: { kind: 'Pod', name: pod, uid: rng.uid(15, global), apiVersion: 'v1', resourceVersion: String(200_000 + global), ...(k.reason === 'FailedScheduling' || k.reason === 'FailedMount' || k.reason === 'Scheduled' || k.reason === 'FailedCreatePodSandBox' ? {} : { fieldPath: `spec.containers{${c.name}}` }) },
        reason: k.reason,
        message: messages[k.reason] ?? k.reason,
        type: k.type,
        count,
        first,
        last,
        source: k.reason === 'FailedScheduling' || k.reason === 'Scheduled' ? { component: 'default-scheduler' } : { component: 'kubelet', host: node },
      });
    },
    (i, field) => {
      if (field === 'type') return eventKind(i).type;
      if (field === 'reason') return eventKind(i).reason;
      if (field === 'involvedObject.kind') return 'Pod';
      return undefined;
    },
  );

  // Workloads -------------------------------------------------------------------------------------
  const allGroups = namespaces.flatMap((ns) => ns.groups.map((g) => ({ ns, g })));
  const podStates = (ns: Namespace, g: Group) => Array.from({ length: g.replicas }, (_, r) => podState(ns, g, r, ns.podStart + g.podStart + r));
  const readyOf = (states: PodState[]) => states.filter((s) => s === 'running' || s === 'oomkilled' || s === 'terminating').length;
  const meta = (ns: Namespace, g: Group, name: string, salt: number, rv: number) => ({ name, namespace: ns.name, uid: salt === 0 ? g.uid : rng.uid(salt, g.salt), resourceVersion: String(rv), created: now - (120 + (g.salt % 200)) * 86_400_000, labels: { ...g.labels } });
  const template = (g: Group): TemplateParams => ({ labels: g.labels, containers: g.containers, ...(g.gpu ? { nodeSelector: { 'nvidia.com/gpu.present': 'true' } } : {}) });

  const deployments = allGroups.filter((x) => x.g.kind === 'Deployment');
  const deploymentSource = arraySource(
    deployments,
    (x) => `${x.ns.name}/${x.g.name}`,
    (x, i) => {
      const states = podStates(x.ns, x.g);
      const ready = readyOf(states);
      return buildDeployment(meta(x.ns, x.g, x.g.name, 0, 300_000 + i), template(x.g), { replicas: x.g.replicas, ready, available: ready, now, rsName: `${x.g.name}-${x.g.hash}`, progressDeadlineExceeded: states.some((s) => s === 'imagepull' || s === 'errimagepull') });
    },
  );
  const statefulsets = allGroups.filter((x) => x.g.kind === 'StatefulSet');
  const stsSource = arraySource(
    statefulsets,
    (x) => `${x.ns.name}/${x.g.name}`,
    (x, i) => buildStatefulSet(meta(x.ns, x.g, x.g.name, 0, 310_000 + i), template(x.g), { replicas: x.g.replicas, ready: readyOf(podStates(x.ns, x.g)), now, serviceName: x.g.name, storage: '20Gi', revision: `${x.g.name}-${x.g.hash}` }),
  );
  const daemonsets = allGroups.filter((x) => x.g.kind === 'DaemonSet');
  const notReadyNodes = Array.from({ length: N }, (_, i) => nodeFacts(i).ready !== 'True').filter(Boolean).length;
  const dsSource = arraySource(
    daemonsets,
    (x) => `${x.ns.name}/${x.g.name}`,
    (x, i) => buildDaemonSet(meta(x.ns, x.g, x.g.name, 0, 320_000 + i), { ...template(x.g), tolerations: [{ operator: 'Exists' }] }, { desired: N, ready: N - notReadyNodes, now }),
  );
  const hpaGroups = deployments.filter((x) => x.g.replicas >= 2 && rng.frac(23, x.g.salt) < 0.3);
  const hpaSource = arraySource(
    hpaGroups,
    (x) => `${x.ns.name}/${x.g.name}`,
    (x, i) => {
      const atMax = rng.frac(24, x.g.salt) < 0.25;
      const max = atMax ? x.g.replicas : x.g.replicas * 2;
      return buildHpa(meta(x.ns, x.g, x.g.name, 25, 330_000 + i), { target: x.g.name, min: Math.max(1, Math.floor(x.g.replicas / 2)), max, current: x.g.replicas, desired: atMax ? x.g.replicas + 2 : x.g.replicas, cpuUtilization: atMax ? 96 : 55, now });
    },
  );
  const pdbGroups = allGroups.filter((x) => (x.g.kind === 'Deployment' && x.g.replicas >= 2 && rng.frac(26, x.g.salt) < 0.7) || x.g.kind === 'StatefulSet' || (x.g.kind === 'Deployment' && x.g.replicas === 1 && rng.frac(26, x.g.salt) < 0.3));
  const pdbSource = arraySource(
    pdbGroups,
    (x) => `${x.ns.name}/${x.g.name}-pdb`,
    (x, i) => {
      const healthy = readyOf(podStates(x.ns, x.g));
      return buildPdb(meta(x.ns, x.g, `${x.g.name}-pdb`, 27, 340_000 + i), { app: x.g.labels.app ?? x.g.name, ...(x.g.replicas === 1 ? { maxUnavailable: 1 } : { minAvailable: 1 }), expected: x.g.replicas, healthy, now });
    },
  );

  // Storage ---------------------------------------------------------------------------------------
  interface Claim {
    ns: Namespace;
    g: Group;
    r: number;
    pvIndex: number;
  }
  const claims: Claim[] = [];
  for (const x of statefulsets) for (let r = 0; r < x.g.replicas; r++) claims.push({ ns: x.ns, g: x.g, r, pvIndex: -1 });
  claims.sort((a, b) => {
    const ka = `${a.ns.name}/data-${a.g.name}-${a.r}`;
    const kb = `${b.ns.name}/data-${b.g.name}-${b.r}`;
    return ka < kb ? -1 : 1;
  });
  const claimPhase = (c: Claim, i: number): 'Bound' | 'Pending' | 'Lost' => (rng.frac(28, i) < 0.003 ? 'Lost' : rng.frac(28, i) < 0.008 ? 'Pending' : 'Bound');
  const pvName = (i: number) => `pvc-${i.toString(16).padStart(8, '0')}-${rng.hex(4, 29, i)}-4${rng.hex(3, 30, i)}-a${rng.hex(3, 31, i)}-${rng.hex(12, 32, i)}`;
  const pvcSource = arraySource(
    claims,
    (c) => `${c.ns.name}/data-${c.g.name}-${c.r}`,
    (c, i) => {
      const phase = claimPhase(c, i);
      return buildPvc(meta(c.ns, c.g, `data-${c.g.name}-${c.r}`, 33 + i, 350_000 + i), { storageClass: 'ceph-block', size: '20Gi', phase, ...(phase !== 'Pending' ? { volumeName: pvName(i) } : {}), now });
    },
  );
  const releasedPvs = Math.ceil(claims.length * 0.01);
  const pvTotal = claims.length + releasedPvs;
  const pvSource = generated(pvTotal, pvName, (i) => {
    if (i < claims.length) {
      const c = claims[i]!;
      const phase = claimPhase(c, i);
      return buildPv({ name: pvName(i), uid: rng.uid(34, i), resourceVersion: String(360_000 + i), created: now - 100 * 86_400_000, storageClass: 'ceph-block', size: '20Gi', phase: phase === 'Pending' ? 'Available' : 'Bound', claim: { namespace: c.ns.name, name: `data-${c.g.name}-${c.r}`, uid: rng.uid(33 + i, c.g.salt) }, now });
    }
    const failed = i % 5 === 0;
    return buildPv({ name: pvName(i), uid: rng.uid(34, i), resourceVersion: String(360_000 + i), created: now - 200 * 86_400_000, storageClass: 'ceph-block', size: '50Gi', phase: failed ? 'Failed' : 'Released', claim: { namespace: 'archive', name: `data-old-${i}`, uid: rng.uid(35, i) }, reclaimPolicy: 'Retain', ...(failed ? { message: 'rpc error: code = Internal desc = rbd: ret=-16, Device or resource busy' } : {}), now });
  });
  const storageClassSource = arraySource(
    [
      { name: 'ceph-block', mode: 'Immediate' as const, def: true },
      { name: 'local-path', mode: 'WaitForFirstConsumer' as const, def: false },
    ],
    (s) => s.name,
    (s, i) => buildStorageClass({ name: s.name, uid: rng.uid(36, i), resourceVersion: String(370_000 + i), created: now - 400 * 86_400_000, provisioner: s.name === 'ceph-block' ? 'rook-ceph.rbd.csi.ceph.com' : 'rancher.io/local-path', bindingMode: s.mode, isDefault: s.def }),
  );

  // Secrets, quotas, jobs ----------------------------------------------------------------------------
  const appNamespaces = namespaces.filter((ns) => ns.app);
  let certs = shape.certs;
  const certsFor = () => {
    if (!certs) {
      const ca = createTestCa({ cn: 'corp-ca' });
      const day = 86_400_000;
      certs = {
        valid: ca.issue({ cn: 'app.example.internal', dns: ['app.example.internal'], days: 400 }),
        warning: ca.issue({ cn: 'soon.example.internal', dns: ['soon.example.internal'], days: 20 }),
        critical: ca.issue({ cn: 'urgent.example.internal', dns: ['urgent.example.internal'], days: 5 }),
        expired: ca.issue({ cn: 'old.example.internal', dns: ['old.example.internal'], notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - 3 * day) }),
      };
    }
    return certs;
  };
  const secretSource = arraySource(
    appNamespaces,
    (ns) => `${ns.name}/${ns.component}-tls`,
    (ns, i) => {
      const c = certsFor();
      const f = rng.frac(37, i);
      const pem = f < 0.005 ? c.expired : f < 0.01 ? c.critical : f < 0.03 ? c.warning : c.valid;
      return buildTlsSecret({ name: `${ns.component}-tls`, namespace: ns.name, uid: rng.uid(38, i), resourceVersion: String(380_000 + i), created: now - 300 * 86_400_000, labels: { 'controller.cert-manager.io/fao': 'true' } }, { certPem: pem.cert, keyPem: pem.key });
    },
  );
  const quotaSource = arraySource(
    appNamespaces,
    (ns) => `${ns.name}/compute-resources`,
    (ns, i) => {
      let cpu = 0;
      let mem = 0;
      for (const g of ns.groups) {
        if (g.kind === 'CronJob') continue;
        for (const c of g.containers) {
          cpu += g.replicas * cpuCores(c.requests?.cpu ?? '0');
          mem += g.replicas * memMi(c.requests?.memory ?? '0');
        }
      }
      const tight = rng.frac(39, i) < 0.05;
      const hardCpu = tight ? Math.ceil(cpu / 0.95) : Math.ceil(cpu * 1.6);
      const hardMem = tight ? Math.ceil(mem / 0.97) : Math.ceil(mem * 1.5);
      return buildResourceQuota(
        { name: 'compute-resources', namespace: ns.name, uid: rng.uid(40, i), resourceVersion: String(390_000 + i), created: now - 300 * 86_400_000, labels: {} },
        { hard: { pods: String(ns.pods * 2), 'requests.cpu': String(hardCpu), 'requests.memory': `${hardMem}Mi` }, used: { pods: String(ns.pods), 'requests.cpu': `${Math.round(cpu * 1000)}m`, 'requests.memory': `${mem}Mi` }, now },
      );
    },
  );
  const cronGroups = allGroups.filter((x) => x.g.kind === 'CronJob');
  const cronSource = arraySource(
    cronGroups,
    (x) => `${x.ns.name}/${x.g.name}`,
    (x, i) => {
      const s = cronSchedule(x.g);
      const suspended = rng.frac(41, x.g.salt) < 0.02;
      const missed = !suspended && rng.frac(42, x.g.salt) < 0.05;
      const lastSuccess = x.g.jobState === 'failed' ? s.last - s.every * 60_000 + 45_000 : x.g.jobState === 'running' ? s.last - 86_400_000 : s.last + 45_000;
      return buildCronJob(meta(x.ns, x.g, x.g.name, 0, 400_000 + i), template(x.g), {
        schedule: s.expr,
        ...(x.g.salt % 5 === 0 ? { timeZone: 'Europe/Zurich' } : {}),
        suspend: suspended,
        lastSchedule: missed ? s.last - 3 * 86_400_000 : s.last,
        lastSuccess: missed || suspended ? s.last - 3 * 86_400_000 + 45_000 : lastSuccess,
        ...(x.g.jobState === 'running' ? { active: [{ name: `${x.g.name}-${cronJobRunMinute(x.g)}`, uid: rng.uid(22, x.g.salt) }] } : {}),
        now,
      });
    },
  );
  const jobSource = arraySource(
    cronGroups,
    (x) => `${x.ns.name}/${x.g.name}-${cronJobRunMinute(x.g)}`,
    (x, i) => {
      const s = cronSchedule(x.g);
      const state = x.g.jobState ?? 'succeeded';
      const start = state === 'running' ? now - 20 * 3_600_000 : s.last;
      return buildJob(meta(x.ns, x.g, `${x.g.name}-${cronJobRunMinute(x.g)}`, 22, 410_000 + i), template(x.g), { owner: { apiVersion: 'batch/v1', kind: 'CronJob', name: x.g.name, uid: x.g.uid }, start, ...(state !== 'running' ? { end: start + 60_000 } : {}), state, now });
    },
  );
  const nsSource = arraySource(
    namespaces,
    (ns) => ns.name,
    (ns, i) => buildNamespace({ name: ns.name, uid: ns.uid, resourceVersion: String(100 + i), created: now - 500 * 86_400_000, ...(ns.app ? { labels: { team: ns.component } } : {}) }),
  );

  return {
    shape: { nodes: N, pods: totalPods, events: E, seed: shape.seed, now, kubeletVersion: shape.kubeletVersion },
    sources: {
      '/namespaces': nsSource,
      '/nodes': nodeSource,
      '/pods': podSource,
      '/events': eventSource,
      'apps/deployments': deploymentSource,
      'apps/statefulsets': stsSource,
      'apps/daemonsets': dsSource,
      'autoscaling/horizontalpodautoscalers': hpaSource,
      'policy/poddisruptionbudgets': pdbSource,
      '/persistentvolumeclaims': pvcSource,
      '/persistentvolumes': pvSource,
      'storage.k8s.io/storageclasses': storageClassSource,
      '/secrets': secretSource,
      '/resourcequotas': quotaSource,
      'batch/cronjobs': cronSource,
      'batch/jobs': jobSource,
    },
    configz,
    counts: { nodes: N, pods: totalPods, events: E, namespaces: namespaces.length, deployments: deployments.length, statefulsets: statefulsets.length, daemonsets: daemonsets.length, cronjobs: cronGroups.length },
  };
}

function cpuCores(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}
function memMi(q: string): number {
  if (q.endsWith('Gi')) return Number(q.slice(0, -2)) * 1024;
  if (q.endsWith('Mi')) return Number(q.slice(0, -2));
  return 0;
}

/** A source of `size` objects built on demand. */
function generated(size: number, key: (i: number) => string, build: (i: number) => KubeObj | Record<string, unknown>, fieldAt?: (i: number, field: string) => string | undefined): ObjectSource {
  return { size, keyAt: key, objectAt: (i) => build(i) as KubeObj, ...(fieldAt ? { fieldAt } : {}) };
}

/** A source over a small descriptor array, sorted by key once. */
function arraySource<D>(items: D[], key: (d: D) => string, build: (d: D, i: number) => Record<string, unknown>): ObjectSource {
  const sorted = items.map((d) => ({ d, k: key(d) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return { size: sorted.length, keyAt: (i) => sorted[i]!.k, objectAt: (i) => build(sorted[i]!.d, i) as KubeObj };
}
