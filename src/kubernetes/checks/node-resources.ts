import { levelSeverity, type FindingDraft } from '../../inspections/check.js';
import { formatBytes } from '../../inspections/checks/format.js';
import { formatCpu } from '../model/quantity.js';
import { nodeTable, nodeUsage, type NodeRow, type NodeUsage } from './aggregates.js';
import { defineClusterCheck, kubectlGet, numParam, thresholds, type ClusterCheck } from './cluster-check.js';

const pct = (a: number, b: number) => (b > 0 ? Math.round((1000 * a) / b) / 10 : 0);
const EMPTY: NodeUsage = { cpuReq: 0, memReq: 0, cpuLim: 0, memLim: 0, gpuReq: 0, pods: 0 };

interface AllocationSpec {
  id: string;
  title: string;
  description: string;
  defaults: Record<string, unknown>;
  remediation: string;
  reference: string;
  resource: 'cpu' | 'memory';
}

function allocationCheck(spec: AllocationSpec): ClusterCheck {
  const fmt = spec.resource === 'cpu' ? formatCpu : (n: number) => formatBytes(n);
  return defineClusterCheck({
    info: { id: spec.id, category: 'cluster', title: spec.title, description: spec.description, defaults: spec.defaults, unit: '%', remediation: spec.remediation, reference: spec.reference },
    kinds: ['nodes', 'pods'],
    uses: [nodeTable, nodeUsage],
    start(env) {
      return {
        finish() {
          const nodes = env.aggregate(nodeTable);
          const usage = env.aggregate(nodeUsage);
          const problems = env.problems();
          let totalReq = 0;
          let totalAlloc = 0;
          let totalLim = 0;
          for (const n of nodes.values()) {
            const alloc = spec.resource === 'cpu' ? n.cpu : n.memory;
            if (!Number.isFinite(alloc) || alloc <= 0) continue;
            problems.checked++;
            const u = usage.get(n.name) ?? EMPTY;
            const req = spec.resource === 'cpu' ? u.cpuReq : u.memReq;
            const lim = spec.resource === 'cpu' ? u.cpuLim : u.memLim;
            totalReq += req;
            totalAlloc += alloc;
            totalLim += lim;
            const t = `${env.cluster.name}/node/${n.name}`;
            const s = env.settings(t);
            if (!s.enabled) continue;
            const reqPct = pct(req, alloc);
            const limPct = pct(lim, alloc);
            let severity = levelSeverity(reqPct, s);
            const limitsWarning = s.limitsWarning === undefined || s.limitsWarning === null ? undefined : numParam(s, 'limitsWarning', 0);
            const overLimits = limitsWarning !== undefined && limPct >= limitsWarning;
            if (overLimits && severity === 'ok') severity = 'warning';
            if (severity === 'ok') continue;
            problems.add({
              target: t,
              severity,
              value: reqPct,
              rank: reqPct,
              threshold: thresholds(s, 'above', limitsWarning !== undefined ? { limitsWarning } : {}),
              message: `node ${n.name}: ${spec.resource} requests ${fmt(req)} of ${fmt(alloc)} allocatable (${reqPct}%), limits ${fmt(lim)} (${limPct}%${overLimits ? `, overcommitted beyond ${limitsWarning}%` : ''}) by ${u.pods} pods`,
              details: { requested: req, limits: lim, allocatable: alloc, limitsPercent: limPct, pods: u.pods },
              evidence: { command: kubectlGet(env.cluster, 'node', undefined, n.name).replace(' -o yaml', '') .replace(' get ', ' describe ') },
            });
          }
          const clusterPct = pct(totalReq, totalAlloc);
          return problems.findings({
            ok: `${spec.resource} requests fit on all ${problems.checked} nodes; cluster-wide ${fmt(totalReq)} of ${fmt(totalAlloc)} allocatable (${clusterPct}%) requested, limits ${pct(totalLim, totalAlloc)}%`,
            noun: `nodes with ${spec.resource} requests at or above the threshold`,
            unit: 'nodes',
            details: { clusterRequestedPercent: clusterPct, clusterLimitsPercent: pct(totalLim, totalAlloc), requested: totalReq, allocatable: totalAlloc },
          });
        },
      };
    },
  });
}

export const nodeCpuRequests = allocationCheck({
  id: 'k8s.node.cpu_requests',
  title: 'CPU requested vs allocatable per node',
  resource: 'cpu',
  description: 'Sum of the CPU requests of the pods bound to each node (the scheduler\'s view: max of containers and init containers, plus overhead) against the node\'s allocatable CPU. Limits beyond allocatable (overcommit) are shown; set `limitsWarning` (percent) to flag them.',
  defaults: { warning: 90, critical: 100, maxFindings: 100 },
  remediation: 'Right-size CPU requests (compare with actual usage), spread workloads (topology spread, anti-affinity) or add nodes to the pool.',
  reference: 'KubeEye/kubernetes-mixin node CPU 90%; kubectl describe node "Allocated resources"',
});

export const nodeMemoryRequests = allocationCheck({
  id: 'k8s.node.memory_requests',
  title: 'Memory requested vs allocatable per node',
  resource: 'memory',
  description: 'Sum of the memory requests of the pods bound to each node against its allocatable memory, and memory limits overcommit: limits above `limitsWarning` percent of allocatable make OOM kills under load likely (at least a warning).',
  defaults: { warning: 80, critical: 95, limitsWarning: 150, maxFindings: 100 },
  remediation: 'Right-size memory requests and limits (requests close to real usage, limits not far above), move memory-heavy pods to larger nodes, or add nodes.',
  reference: 'kubernetes-mixin node memory 80%; KubeMemoryOvercommit',
});

export const nodePodCapacity = defineClusterCheck({
  info: {
    id: 'k8s.node.pod_capacity',
    category: 'cluster',
    title: 'Pods vs pod capacity per node',
    description: 'Pods bound to each node (not Succeeded/Failed) against the node\'s allocatable pods (kubelet maxPods).',
    defaults: { warning: 95, critical: 100, maxFindings: 100 },
    unit: '%',
    remediation: 'Spread pods to other nodes, raise maxPods in the kubelet configuration (within the CNI\'s IP capacity), or add nodes.',
    reference: 'kubernetes-mixin KubeletTooManyPods (> 95% of capacity)',
  },
  kinds: ['nodes', 'pods'],
  uses: [nodeTable, nodeUsage],
  start(env) {
    return {
      finish() {
        const nodes = env.aggregate(nodeTable);
        const usage = env.aggregate(nodeUsage);
        const problems = env.problems();
        let pods = 0;
        let cap = 0;
        for (const n of nodes.values()) {
          if (!Number.isFinite(n.pods) || n.pods <= 0) continue;
          problems.checked++;
          const used = usage.get(n.name)?.pods ?? 0;
          pods += used;
          cap += n.pods;
          const t = `${env.cluster.name}/node/${n.name}`;
          const s = env.settings(t);
          if (!s.enabled) continue;
          const p = pct(used, n.pods);
          const severity = levelSeverity(p, s);
          if (severity === 'ok') continue;
          problems.add({ target: t, severity, value: p, rank: p, threshold: thresholds(s), message: `node ${n.name} runs ${used} pods of ${n.pods} allowed (${p}%)`, details: { pods: used, capacity: n.pods } });
        }
        return problems.findings({ ok: `pod capacity fine on all ${problems.checked} nodes (${pods} pods, ${cap} slots, ${pct(pods, cap)}% used)`, noun: 'nodes near their pod capacity', unit: 'nodes', details: { pods, capacity: cap } });
      },
    };
  },
});

export const nodeGpu = defineClusterCheck({
  info: {
    id: 'k8s.node.gpu',
    category: 'cluster',
    title: 'GPU capacity and allocation per node',
    description: 'For each node with nvidia.com/gpu capacity: GPUs allocatable (capacity minus unhealthy devices reported by the device plugin) and requested by its pods. Fewer allocatable than capacity is a warning (a GPU dropped out); allocation is judged against `warning`/`critical` percent when set (unset by default: full GPU nodes are normal in training clusters).',
    defaults: { unhealthySeverity: 'warning', maxFindings: 100 },
    unit: '%',
    remediation: 'For lost GPUs: nvidia-smi on the node, the device plugin pod logs (Xid errors), drain and reset or replace the card. For full allocation: add GPU nodes or queue jobs (Kueue/Volcano).',
    reference: 'NVIDIA device plugin health checks; seed 002 GPU pre-checks',
  },
  kinds: ['nodes', 'pods'],
  uses: [nodeTable, nodeUsage],
  start(env) {
    return {
      finish() {
        const nodes = env.aggregate(nodeTable);
        const usage = env.aggregate(nodeUsage);
        const problems = env.problems();
        const base = env.settings();
        const cap = typeof base.maxFindings === 'number' ? base.maxFindings : 100;
        const ok: FindingDraft[] = [];
        let capacity = 0;
        let allocatable = 0;
        let requested = 0;
        const gpuNodes: NodeRow[] = [...nodes.values()].filter((n) => n.gpuCapacity > 0);
        for (const n of gpuNodes) {
          problems.checked++;
          const req = usage.get(n.name)?.gpuReq ?? 0;
          capacity += n.gpuCapacity;
          allocatable += n.gpuAllocatable;
          requested += req;
          const t = `${env.cluster.name}/node/${n.name}`;
          const s = env.settings(t);
          if (!s.enabled) continue;
          const p = pct(req, n.gpuAllocatable);
          const lost = n.gpuCapacity - n.gpuAllocatable;
          let severity = levelSeverity(p, s);
          if (lost > 0 && severity !== 'critical') severity = (s.unhealthySeverity as 'warning' | 'critical' | undefined) ?? 'warning';
          const message = `node ${n.name}: ${req} of ${n.gpuAllocatable} allocatable GPUs requested (${p}%)${lost > 0 ? `; ${lost} of ${n.gpuCapacity} GPUs are not allocatable (unhealthy device?)` : ''}`;
          const f = { target: t, severity, value: p, threshold: thresholds(s), message, details: { capacity: n.gpuCapacity, allocatable: n.gpuAllocatable, requested: req, product: n.labels['nvidia.com/gpu.product'] ?? null } };
          if (severity === 'ok') {
            if (ok.length < cap) ok.push(f);
          } else problems.add({ ...f, rank: lost * 1000 + p });
        }
        const summary = problems.findings({
          ok: gpuNodes.length === 0 ? 'no node has nvidia.com/gpu capacity' : `${gpuNodes.length} GPU nodes: ${capacity} GPUs, ${allocatable} allocatable, ${requested} requested (${pct(requested, allocatable)}%)`,
          noun: 'GPU nodes with lost GPUs or allocation at the threshold',
          unit: 'nodes',
          details: { gpuNodes: gpuNodes.length, capacity, allocatable, requested },
        });
        return [...ok, ...summary];
      },
    };
  },
});
