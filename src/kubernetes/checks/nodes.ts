import type { Severity } from '../../findings/finding.js';
import { formatSeconds } from '../../inspections/checks/format.js';
import { conditionOf, type Node } from '../model/types.js';
import { defineClusterCheck, kubectlGet, severityParam, type ClusterCheck } from './cluster-check.js';

const nodeTarget = (cluster: string, name: string) => `${cluster}/node/${name}`;

const since = (now: number, iso: string | undefined) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? Math.max(0, (now - t) / 1000) : undefined;
};

interface ConditionCheckSpec {
  id: string;
  title: string;
  condition: string;
  /** The condition value that is a problem: "True" for pressures, "not True" for Ready. */
  problemWhen: 'True' | 'notTrue';
  severity: Severity;
  description: string;
  remediation: string;
  reference: string;
  ok: (n: number) => string;
  noun: string;
}

function conditionCheck(spec: ConditionCheckSpec): ClusterCheck {
  return defineClusterCheck({
    info: {
      id: spec.id,
      category: 'cluster',
      title: spec.title,
      description: spec.description,
      defaults: { severity: spec.severity, maxFindings: 100 },
      remediation: spec.remediation,
      reference: spec.reference,
    },
    kinds: ['nodes'],
    start(env) {
      const problems = env.problems();
      const sev = severityParam(env.settings(), 'severity', spec.severity);
      return {
        visit: {
          nodes: (n: Node) => {
            problems.checked++;
            const c = conditionOf(n.status?.conditions, spec.condition);
            const status = c?.status ?? 'Unknown';
            const bad = spec.problemWhen === 'True' ? status === 'True' : status !== 'True';
            if (!bad) return;
            const t = nodeTarget(env.cluster.name, n.metadata.name);
            const s = env.settings(t);
            if (!s.enabled) return;
            const age = since(env.now, c?.lastTransitionTime);
            const heartbeat = since(env.now, c?.lastHeartbeatTime);
            const what =
              spec.condition === 'Ready'
                ? status === 'Unknown'
                  ? `node ${n.metadata.name} is NotReady: the kubelet stopped posting status${heartbeat !== undefined ? ` (last heartbeat ${formatSeconds(heartbeat)} ago)` : ''}`
                  : `node ${n.metadata.name} is NotReady${age !== undefined ? ` for ${formatSeconds(age)}` : ''}: ${c?.reason ?? 'no reason'}${c?.message ? ` (${c.message})` : ''}`
                : `node ${n.metadata.name} has ${spec.condition}${age !== undefined ? ` for ${formatSeconds(age)}` : ''}: ${c?.message ?? c?.reason ?? ''}`;
            problems.add({
              target: t,
              severity: severityParam(s, 'severity', sev),
              value: status,
              rank: age ?? 0,
              message: what,
              details: { condition: spec.condition, status, reason: c?.reason ?? null, since: c?.lastTransitionTime ?? null },
              evidence: { command: kubectlGet(env.cluster, 'node', undefined, n.metadata.name), raw: JSON.stringify(c ?? null) },
            });
          },
        },
        finish: () => problems.findings({ ok: spec.ok(problems.checked), noun: spec.noun, unit: 'nodes', evidence: { command: `${env.cluster.kubectl} get nodes` } }),
      };
    },
  });
}

export const nodeReady = conditionCheck({
  id: 'k8s.node.ready',
  title: 'Nodes Ready',
  condition: 'Ready',
  problemWhen: 'notTrue',
  severity: 'critical',
  description: 'Each node\'s Ready condition. False (kubelet reports a problem, e.g. CNI not initialised) or Unknown (the kubelet stopped posting status: node down, network partition, kubelet dead) is critical.',
  remediation: 'On the node: systemctl status kubelet containerd; journalctl -u kubelet --since "1 hour ago"; check the CNI pods on the node and its network. Unknown usually means the node is down or cut off.',
  reference: 'Popeye POP-700/701; kubernetes-mixin KubeNodeNotReady',
  ok: (n) => `all ${n} nodes are Ready`,
  noun: 'nodes not Ready',
});

export const nodeMemoryPressure = conditionCheck({
  id: 'k8s.node.memory_pressure',
  title: 'Node MemoryPressure',
  condition: 'MemoryPressure',
  problemWhen: 'True',
  severity: 'critical',
  description: 'Nodes whose kubelet reports MemoryPressure: memory.available is below the eviction threshold and the kubelet is evicting pods.',
  remediation: 'Find the memory hogs on the node (kubectl top pods -A --field-selector spec.nodeName=NODE), set memory limits, move workloads or add capacity; check kube-reserved/system-reserved.',
  reference: 'Popeye POP-704; kubelet eviction thresholds',
  ok: (n) => `no MemoryPressure on ${n} nodes`,
  noun: 'nodes with MemoryPressure',
});

export const nodeDiskPressure = conditionCheck({
  id: 'k8s.node.disk_pressure',
  title: 'Node DiskPressure',
  condition: 'DiskPressure',
  problemWhen: 'True',
  severity: 'critical',
  description: 'Nodes whose kubelet reports DiskPressure: nodefs or imagefs below the eviction threshold; the kubelet garbage-collects images and evicts pods.',
  remediation: 'Free space on the node: crictl rmi --prune, clean /var/log and container logs, check emptyDir usage; grow the disk.',
  reference: 'Popeye POP-705; kubelet eviction thresholds',
  ok: (n) => `no DiskPressure on ${n} nodes`,
  noun: 'nodes with DiskPressure',
});

export const nodePidPressure = conditionCheck({
  id: 'k8s.node.pid_pressure',
  title: 'Node PIDPressure',
  condition: 'PIDPressure',
  problemWhen: 'True',
  severity: 'warning',
  description: 'Nodes whose kubelet reports PIDPressure: few process IDs left.',
  remediation: 'Find pods forking many processes (ps -eLf | wc -l per cgroup), set podPidsLimit in the kubelet configuration, raise kernel.pid_max.',
  reference: 'Popeye POP-706; kubelet eviction thresholds',
  ok: (n) => `no PIDPressure on ${n} nodes`,
  noun: 'nodes with PIDPressure',
});

export const nodeNetworkUnavailable = conditionCheck({
  id: 'k8s.node.network_unavailable',
  title: 'Node NetworkUnavailable',
  condition: 'NetworkUnavailable',
  problemWhen: 'True',
  severity: 'critical',
  description: 'Nodes whose network is not configured (the CNI or cloud route controller sets NetworkUnavailable=True).',
  remediation: 'Check the CNI daemon pod on the node (calico-node, cilium...) and its logs; routes for the node\'s podCIDR.',
  reference: 'Popeye POP-707',
  ok: (n) => `network available on all ${n} nodes`,
  noun: 'nodes with NetworkUnavailable',
});

export const nodeCordoned = defineClusterCheck({
  info: {
    id: 'k8s.node.cordoned',
    category: 'cluster',
    title: 'Cordoned nodes',
    description: 'Nodes marked unschedulable (kubectl cordon / drain): they take no new pods. Usually maintenance left unfinished.',
    defaults: { severity: 'warning', maxFindings: 100 },
    remediation: 'Finish the maintenance and `kubectl uncordon NODE`, or remove the node from the cluster.',
    reference: 'Popeye POP-711',
  },
  kinds: ['nodes'],
  start(env) {
    const problems = env.problems();
    const sev = severityParam(env.settings(), 'severity', 'warning');
    return {
      visit: {
        nodes: (n: Node) => {
          problems.checked++;
          if (n.spec?.unschedulable !== true) return;
          const t = nodeTarget(env.cluster.name, n.metadata.name);
          const s = env.settings(t);
          if (!s.enabled) return;
          const taint = n.spec.taints?.find((x) => x.key === 'node.kubernetes.io/unschedulable') as { timeAdded?: string } | undefined;
          const age = since(env.now, taint?.timeAdded);
          problems.add({ target: t, severity: severityParam(s, 'severity', sev), value: true, rank: age ?? 0, message: `node ${n.metadata.name} is cordoned${age !== undefined ? ` since ${formatSeconds(age)} ago` : ''}`, evidence: { command: kubectlGet(env.cluster, 'node', undefined, n.metadata.name) } });
        },
      },
      finish: () => problems.findings({ ok: `no cordoned node among ${problems.checked}`, noun: 'cordoned nodes', unit: 'nodes', evidence: { command: `${env.cluster.kubectl} get nodes --field-selector spec.unschedulable=true` } }),
    };
  },
});
