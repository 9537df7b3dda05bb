import type { CheckSettings, FindingDraft } from '../../inspections/check.js';
import type { KubeApiClient } from '../client/api-client.js';
import { describeApiError, KubeApiError } from '../client/api-error.js';
import { exclusiveCpus, podOccupiesNode } from '../model/pods.js';
import type { Pod } from '../model/types.js';
import { nodeTable, type NodeRow } from './aggregates.js';
import { boolParam, defineClusterCheck, numParam, stringListParam, type CheckEnv } from './cluster-check.js';

/**
 * Node CPU-manager / topology-manager policies, from node labels (set by whoever manages the
 * KubeletConfiguration, e.g. OpenShift's `cpumanager=true`) and, when RBAC grants nodes/proxy,
 * from the kubelet's /configz through the API server. Both checks here share one discovery.
 */
export interface NodePolicy {
  cpuManager?: string;
  topologyManager?: string;
  source: 'label' | 'configz' | 'unknown';
}

export interface PolicyDiscovery {
  policies: Map<string, NodePolicy>;
  pools: Map<string, string[]>;
  configz: { asked: number; answered: number; forbidden?: string; errors: number };
}

const DEFAULT_POOL_LABELS = ['node.kubernetes.io/pool', 'cloud.google.com/gke-nodepool', 'eks.amazonaws.com/nodegroup', 'kubernetes.azure.com/agentpool', 'karpenter.sh/nodepool', 'node-pool', 'nodepool', 'pool'];
const DEFAULT_CPU_LABELS = ['kubelet.patrol.dev/cpu-manager-policy', 'cpumanager'];
const DEFAULT_TOPOLOGY_LABELS = ['kubelet.patrol.dev/topology-manager-policy'];

const TOPOLOGY_DEFAULTS = {
  poolLabels: DEFAULT_POOL_LABELS,
  cpuManagerLabels: DEFAULT_CPU_LABELS,
  topologyManagerLabels: DEFAULT_TOPOLOGY_LABELS,
  configz: true,
  configzMaxNodes: 200,
};

export function poolOf(n: NodeRow, poolLabels: string[]): string {
  for (const l of poolLabels) if (n.labels[l]) return `${l}=${n.labels[l]}`;
  const role = Object.keys(n.labels).find((k) => k.startsWith('node-role.kubernetes.io/'));
  const type = n.labels['node.kubernetes.io/instance-type'] ?? n.labels['beta.kubernetes.io/instance-type'];
  const parts = [role ? `role=${role.slice('node-role.kubernetes.io/'.length)}` : '', type ? `instance-type=${type}` : ''].filter(Boolean);
  return parts.join(',') || 'default';
}

function labelPolicy(n: NodeRow, cpuLabels: string[], topoLabels: string[]): NodePolicy | undefined {
  let cpu: string | undefined;
  for (const l of cpuLabels) {
    const v = n.labels[l];
    if (v === undefined) continue;
    cpu = l === 'cpumanager' ? (v === 'true' ? 'static' : v === 'false' ? 'none' : v) : v;
    break;
  }
  let topo: string | undefined;
  for (const l of topoLabels) if (n.labels[l] !== undefined) topo = n.labels[l];
  if (cpu === undefined && topo === undefined) return undefined;
  return { ...(cpu !== undefined ? { cpuManager: cpu } : {}), ...(topo !== undefined ? { topologyManager: topo } : {}), source: 'label' };
}

const memo = new WeakMap<KubeApiClient, Map<string, Promise<PolicyDiscovery>>>();

function settingsOf(s: CheckSettings) {
  return {
    poolLabels: stringListParam(s, 'poolLabels', DEFAULT_POOL_LABELS),
    cpuManagerLabels: stringListParam(s, 'cpuManagerLabels', DEFAULT_CPU_LABELS),
    topologyManagerLabels: stringListParam(s, 'topologyManagerLabels', DEFAULT_TOPOLOGY_LABELS),
    configz: boolParam(s, 'configz', true),
    configzMaxNodes: numParam(s, 'configzMaxNodes', 200),
  };
}

/** Discovers node policies once per cluster (shared by the two checks with the same parameters). */
export function discoverPolicies(env: CheckEnv, nodes: Map<string, NodeRow>, s: CheckSettings): Promise<PolicyDiscovery> {
  const p = settingsOf(s);
  const key = JSON.stringify(p);
  let m = memo.get(env.api);
  if (!m) memo.set(env.api, (m = new Map()));
  let d = m.get(key);
  if (!d) m.set(key, (d = discover(env, nodes, p)));
  return d;
}

async function discover(env: CheckEnv, nodes: Map<string, NodeRow>, p: ReturnType<typeof settingsOf>): Promise<PolicyDiscovery> {
  const policies = new Map<string, NodePolicy>();
  const pools = new Map<string, string[]>();
  const unknownByPool = new Map<string, string[]>();
  for (const n of nodes.values()) {
    const pool = poolOf(n, p.poolLabels);
    let list = pools.get(pool);
    if (!list) pools.set(pool, (list = []));
    list.push(n.name);
    const lp = labelPolicy(n, p.cpuManagerLabels, p.topologyManagerLabels);
    if (lp?.cpuManager !== undefined && lp.topologyManager !== undefined) policies.set(n.name, lp);
    else {
      if (lp) policies.set(n.name, lp);
      if (n.ready === 'True') {
        let u = unknownByPool.get(pool);
        if (!u) unknownByPool.set(pool, (u = []));
        u.push(n.name);
      }
    }
  }
  const configz: PolicyDiscovery['configz'] = { asked: 0, answered: 0, errors: 0 };
  if (p.configz && p.configzMaxNodes > 0 && unknownByPool.size > 0) {
    // Round-robin over pools so every pool is sampled before any pool gets a second node.
    const queue: string[] = [];
    const lists = [...unknownByPool.values()];
    for (let i = 0; queue.length < p.configzMaxNodes; i++) {
      let added = false;
      for (const l of lists) {
        if (i < l.length && queue.length < p.configzMaxNodes) {
          queue.push(l[i]!);
          added = true;
        }
      }
      if (!added) break;
    }
    const fetch = async (name: string): Promise<void> => {
      configz.asked++;
      try {
        const doc = await env.api.getJson<{ kubeletconfig?: { cpuManagerPolicy?: string; topologyManagerPolicy?: string } }>(`/api/v1/nodes/${encodeURIComponent(name)}/proxy/configz`, {}, { timeoutMs: 10_000, retries: 0, breaker: false });
        const kc = doc.kubeletconfig ?? {};
        const prev = policies.get(name);
        policies.set(name, { cpuManager: prev?.cpuManager ?? kc.cpuManagerPolicy ?? 'none', topologyManager: prev?.topologyManager ?? kc.topologyManagerPolicy ?? 'none', source: 'configz' });
        configz.answered++;
      } catch (err) {
        if (err instanceof KubeApiError && (err.code === 'forbidden' || err.code === 'unauthorized')) throw err;
        configz.errors++;
      }
    };
    try {
      // The first request tells whether RBAC allows nodes/proxy at all.
      await fetch(queue[0]!);
      const rest = queue.slice(1);
      await Promise.all(rest.map((n) => fetch(n)));
    } catch (err) {
      configz.forbidden = describeApiError(err);
      env.log(`kubelet configz not readable: ${configz.forbidden}`);
    }
  }
  return { policies, pools, configz };
}

const norm = (v: string | undefined) => (v ?? '').toLowerCase();

export const nodeCpuManagerPolicy = defineClusterCheck({
  info: {
    id: 'k8s.node.cpu_manager_policy',
    category: 'cluster',
    title: 'CPU and topology manager policy consistent per node pool',
    description:
      'Within each node pool (first of `poolLabels` present, else role + instance type), every node whose kubelet policy is known should have the same cpuManagerPolicy and topologyManagerPolicy: a pool mixing static and none places latency-sensitive pods on nodes that will not pin their CPUs. Policies come from node labels (`cpuManagerLabels`, `topologyManagerLabels`; OpenShift\'s cpumanager=true counts as static) and, when `configz` is on and RBAC grants get on nodes/proxy, from the kubelet\'s /configz (at most `configzMaxNodes` nodes, sampled across pools).',
    defaults: { ...TOPOLOGY_DEFAULTS, severity: 'warning', maxFindings: 100 },
    remediation: 'Apply one KubeletConfiguration per pool (cpuManagerPolicy, topologyManagerPolicy, reservedSystemCPUs); changing cpuManagerPolicy requires draining the node, deleting /var/lib/kubelet/cpu_manager_state and restarting the kubelet.',
    reference: 'Seed 004 (NUMA / CPU manager); Kubernetes CPU and Topology Manager docs; anchors: no existing tool checks this',
  },
  kinds: ['nodes'],
  uses: [nodeTable],
  start(env) {
    return {
      async finish() {
        const nodes = env.aggregate(nodeTable);
        const s = env.settings();
        const d = await discoverPolicies(env, nodes, s);
        const problems = env.problems();
        const ok: FindingDraft[] = [];
        let unknownPools = 0;
        for (const [pool, names] of [...d.pools].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
          problems.checked++;
          const t = `${env.cluster.name}/pool/${pool}`;
          const ps = env.settings(t);
          if (!ps.enabled) continue;
          const combos = new Map<string, string[]>();
          let known = 0;
          for (const n of names) {
            const p = d.policies.get(n);
            if (!p || p.cpuManager === undefined) continue;
            known++;
            const key = `cpuManagerPolicy=${norm(p.cpuManager)}, topologyManagerPolicy=${norm(p.topologyManager) || 'unknown'}`;
            let l = combos.get(key);
            if (!l) combos.set(key, (l = []));
            l.push(n);
          }
          const details = { nodes: names.length, known, policies: Object.fromEntries([...combos].map(([k, v]) => [k, { nodes: v.length, samples: v.slice(0, 5) }])) };
          if (known === 0) {
            unknownPools++;
            if (ok.length < 50) ok.push({ target: t, severity: 'info', message: `pool ${pool} (${names.length} nodes): kubelet CPU/topology manager policy not exposed (no policy labels${d.configz.forbidden ? '; configz forbidden' : ''})`, details });
            continue;
          }
          if (combos.size === 1) {
            if (ok.length < 50) ok.push({ target: t, severity: 'ok', value: [...combos.keys()][0]!, message: `pool ${pool}: ${[...combos.keys()][0]} on all ${known} nodes where it is known (of ${names.length})`, details });
            continue;
          }
          const sorted = [...combos].sort((a, b) => b[1].length - a[1].length);
          problems.add({
            target: t,
            severity: (ps.severity as 'warning' | 'critical' | undefined) ?? 'warning',
            value: combos.size,
            rank: sorted.slice(1).reduce((a, [, v]) => a + v.length, 0),
            message: `pool ${pool} mixes kubelet policies: ${sorted.map(([k, v]) => `${k} on ${v.length} nodes (e.g. ${v.slice(0, 3).join(', ')})`).join('; ')}`,
            details,
            evidence: { command: `${env.cluster.kubectl} get --raw /api/v1/nodes/${sorted[sorted.length - 1]![1][0]}/proxy/configz` },
          });
        }
        const summary = problems.findings({
          ok: `${d.pools.size} node pools${unknownPools ? ` (${unknownPools} without exposed policies)` : ''}: kubelet policies consistent within each pool`,
          noun: 'node pools with mixed CPU/topology manager policies',
          unit: 'pools',
          details: { configz: d.configz, nodesWithKnownPolicy: [...d.policies.values()].filter((p) => p.cpuManager !== undefined).length },
        });
        return [...ok, ...summary];
      },
    };
  },
});

export const podNumaAlignment = defineClusterCheck({
  info: {
    id: 'k8s.pod.numa_alignment',
    category: 'cluster',
    title: 'NUMA-sensitive pods on nodes without the static CPU manager',
    description:
      'Guaranteed pods requesting whole CPUs get exclusive, NUMA-aligned cores only from the static CPU manager policy. Such pods running on nodes whose policy is known and not static share cores with everyone (noisy neighbours, cross-NUMA memory access: up to ~2x slower per seed 004). Node policies are discovered as for k8s.node.cpu_manager_policy (same parameters); pods on nodes with an unknown policy are counted, not judged.',
    defaults: { ...TOPOLOGY_DEFAULTS, severity: 'warning', maxFindings: 100 },
    unit: 'CPUs',
    remediation: 'Schedule these pods on a pool with cpuManagerPolicy static (and topologyManagerPolicy single-numa-node for strict alignment) via nodeSelector/affinity, or switch their pool to the static policy.',
    reference: 'Seed 004 (CPU Manager exclusive pool for integer-CPU Guaranteed pods); Kubernetes CPU Manager static policy',
  },
  kinds: ['nodes', 'pods'],
  uses: [nodeTable],
  start(env) {
    const perNode = new Map<string, { count: number; cpus: number; samples: { ns: string; name: string; cpus: number }[] }>();
    let candidates = 0;
    return {
      visit: {
        pods: (p: Pod) => {
          if (!podOccupiesNode(p)) return;
          const cpus = exclusiveCpus(p);
          if (cpus === 0) return;
          candidates++;
          const node = p.spec!.nodeName!;
          let e = perNode.get(node);
          if (!e) perNode.set(node, (e = { count: 0, cpus: 0, samples: [] }));
          e.count++;
          e.cpus += cpus;
          if (e.samples.length < 10) e.samples.push({ ns: p.metadata.namespace ?? '', name: p.metadata.name, cpus });
        },
      },
      async finish() {
        const nodes = env.aggregate(nodeTable);
        const s = env.settings();
        const problems = env.problems();
        problems.checked = candidates;
        if (candidates === 0) return problems.findings({ ok: 'no Guaranteed pod with integer CPUs', noun: '', unit: 'pods' });
        const d = await discoverPolicies(env, nodes, s);
        let onStatic = 0;
        let unknown = 0;
        for (const [node, e] of perNode) {
          const pol = d.policies.get(node);
          if (!pol || pol.cpuManager === undefined) {
            unknown += e.count;
            continue;
          }
          if (norm(pol.cpuManager) === 'static') {
            onStatic += e.count;
            continue;
          }
          for (const x of e.samples) {
            const t = `${env.cluster.name}/${x.ns}/${x.name}`;
            const ps = env.settings(t);
            if (!ps.enabled) continue;
            problems.add({
              target: t,
              group: x.ns,
              severity: (ps.severity as 'warning' | 'critical' | undefined) ?? 'warning',
              value: x.cpus,
              rank: x.cpus,
              message: `Guaranteed pod ${x.ns}/${x.name} requests ${x.cpus} whole CPUs but runs on ${node} whose cpuManagerPolicy is ${pol.cpuManager} (${pol.source}): its CPUs are shared, not pinned`,
              details: { node, cpuManagerPolicy: pol.cpuManager, topologyManagerPolicy: pol.topologyManager ?? null, policySource: pol.source },
            });
          }
          problems.count((s.severity as 'warning' | 'critical' | undefined) ?? 'warning', e.count - e.samples.length);
        }
        return problems.findings({
          ok: `${candidates} Guaranteed integer-CPU pods: ${onStatic} on static-policy nodes${unknown ? `, ${unknown} on nodes whose policy is not exposed` : ''}`,
          noun: 'Guaranteed integer-CPU pods on nodes without the static CPU manager policy',
          unit: 'pods',
          details: { candidates, onStatic, unknownPolicy: unknown, configz: d.configz },
        });
      },
    };
  },
});
