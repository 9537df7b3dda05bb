import { defineCheck, type FindingDraft } from '../../check.js';
import { kubeletSection, numaSection, type KubeletSection } from '../../collectors/host/host-sections.js';
import { formatBytes } from '../format.js';
import { boolParam, numberParam } from './settings.js';

/** NUMA layout problems the OS cannot fix: interleaving in firmware, memoryless nodes, unbalanced DIMMs. */
export const hostNumaTopology = defineCheck({
  id: 'host.numa.topology',
  category: 'host',
  title: 'NUMA topology',
  description: 'NUMA nodes with their CPUs and memory (/sys/devices/system/node). Warns when there are more CPU sockets than NUMA nodes (node interleaving / NUMA disabled in firmware: the OS cannot place memory near its CPUs), when a node has CPUs but no memory (every access from those CPUs is remote), or when a node has less than `imbalancePercent` (default 50) of the average memory per node (unbalanced DIMMs).',
  source: { collector: 'host', section: 'numa', schema: numaSection },
  defaults: { imbalancePercent: 50 },
  remediation: 'In firmware, disable node interleaving (enable NUMA / "sub-NUMA clustering" as intended) and populate DIMMs evenly across sockets; then align workloads (numactl, the kubelet\'s topology manager).',
  reference: 'Seed 004 (NUMA architecture, CPU manager); Patrol\'s judgement of the topology',
  evaluate({ data, target, settings }) {
    const s = settings();
    const nodes = data.nodes;
    const summary = nodes.length ? nodes.map((n) => `node${n.id}: ${n.cpus} CPUs (${n.cpuList || 'none'}), ${formatBytes(n.memTotalBytes)}`).join('; ') : 'kernel without NUMA support';
    const problems: string[] = [];
    const sockets = data.sockets ?? 1;
    if (sockets > Math.max(1, nodes.length)) problems.push(`${sockets} CPU sockets but ${Math.max(1, nodes.length)} NUMA node${nodes.length > 1 ? 's' : ''}: NUMA is disabled or node interleaving is on in the firmware`);
    for (const n of nodes) if (n.cpus > 0 && n.memTotalBytes === 0) problems.push(`node${n.id} has ${n.cpus} CPUs but no memory: all their memory accesses are remote`);
    const withMem = nodes.filter((n) => n.memTotalBytes > 0);
    if (withMem.length > 1) {
      const avg = withMem.reduce((a, n) => a + n.memTotalBytes, 0) / withMem.length;
      const pct = numberParam(s, 'imbalancePercent', 50);
      for (const n of withMem) if ((100 * n.memTotalBytes) / avg < pct) problems.push(`node${n.id} has ${formatBytes(n.memTotalBytes)}, ${Math.round((100 * n.memTotalBytes) / avg)}% of the average ${formatBytes(avg)} per node (unbalanced memory)`);
    }
    return [
      {
        target: target.name,
        severity: problems.length ? 'warning' : 'ok',
        value: Math.max(1, nodes.length),
        message: problems.length ? `${problems.join('; ')} (${summary})` : `${Math.max(1, nodes.length)} NUMA node${nodes.length > 1 ? 's' : ''}, ${sockets} socket${sockets === 1 ? '' : 's'}, ${data.cpus} CPUs: ${summary}`,
        details: { nodes, sockets: data.sockets, cores: data.cores, cpus: data.cpus },
      },
    ];
  },
});

const CPU_POLICIES = ['none', 'static'];
const TOPOLOGY_POLICIES = ['none', 'best-effort', 'restricted', 'single-numa-node'];

interface Effective {
  cpu: string;
  topology: string;
  scope: string;
  from: string;
  reservedCpus: string | undefined;
  kubeReservedCpu: string | undefined;
  systemReservedCpu: string | undefined;
}

/** The kubelet's effective settings: command-line flags win over the config file; defaults none/none/container. */
export function effectiveKubelet(d: KubeletSection): Effective {
  const get = (k: string): unknown => d.flags[k] ?? d.config[k];
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const cpuOf = (v: unknown) => (v && typeof v === 'object' ? str((v as Record<string, unknown>).cpu) : undefined);
  const from = ['cpuManagerPolicy', 'topologyManagerPolicy'].map((k) => (d.flags[k] !== undefined ? `${k} from flags` : d.config[k] !== undefined ? `${k} from ${d.configFile}` : `${k} default`)).join(', ');
  return {
    cpu: str(get('cpuManagerPolicy')) ?? 'none',
    topology: str(get('topologyManagerPolicy')) ?? 'none',
    scope: str(get('topologyManagerScope')) ?? 'container',
    from,
    reservedCpus: str(get('reservedSystemCPUs')),
    kubeReservedCpu: cpuOf(get('kubeReserved')),
    systemReservedCpu: cpuOf(get('systemReserved')),
  };
}

/** "500m" / "1" / "0.5" -> CPUs. */
function cpuQuantity(v: string | undefined): number {
  if (!v) return 0;
  const m = /^([\d.]+)(m?)$/.exec(v.trim());
  if (!m) return 0;
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

const notKubernetes = (d: KubeletSection, target: string): FindingDraft[] | undefined =>
  d.present ? undefined : [{ target, severity: 'ok', value: 'n/a', message: 'not a Kubernetes node (no kubelet process, binary or config file)' }];

/** CPU manager policy: consistent with its own requirements, its checkpoint and the pool's latency needs. */
export const hostKubeletCpuManager = defineCheck({
  id: 'host.kubelet.cpu_manager',
  category: 'host',
  title: 'Kubelet CPU manager policy',
  description: 'The kubelet\'s cpuManagerPolicy (flags over /var/lib/kubelet/config.yaml, default none) against what it needs and what the node runs: `static` without a CPU reservation (reservedSystemCPUs, kubeReserved.cpu or systemReserved.cpu) makes the kubelet refuse to start; a policy different from the one in /var/lib/kubelet/cpu_manager_state makes it fail to restore its checkpoint; on pools marked `latencySensitive: true` (set it per group) `none` is a warning, because Guaranteed pods then get no exclusive CPUs and share cores (and, on multi-NUMA nodes, memory nodes) with noisy neighbours. On multi-NUMA nodes of other pools `none` is info. Hosts without a kubelet report ok ("not a Kubernetes node"). The kubelet\'s --config flag, when it runs with one, wins over `configFile`.',
  source: { collector: 'host', section: 'kubelet', schema: kubeletSection },
  defaults: { latencySensitive: false, configFile: '/var/lib/kubelet/config.yaml' },
  remediation: 'Set cpuManagerPolicy: static with a CPU reservation (e.g. reservedSystemCPUs: "0,1") in /var/lib/kubelet/config.yaml; changing the policy needs a drained node, `rm /var/lib/kubelet/cpu_manager_state` and a kubelet restart. Give latency-sensitive pods Guaranteed QoS with integer CPU requests.',
  reference: 'Kubernetes CPU management policies (kubernetes.io/docs/tasks/administer-cluster/cpu-management-policies); seed 004 (CPU manager, noisy neighbours); anchors: "cpuManagerPolicy/topologyManagerPolicy consistency per node pool"',
  evaluate({ data, target, settings }) {
    const skip = notKubernetes(data, target.name);
    if (skip) return skip;
    if (data.configError) return [{ target: target.name, severity: 'error', message: `cannot read the kubelet config: ${data.configError}` }];
    const latency = boolParam(settings(), 'latencySensitive', false);
    const e = effectiveKubelet(data);
    const multi = data.numaNodes > 1;
    const base = { target: target.name, value: e.cpu, details: { ...e, numaNodes: data.numaNodes, cpus: data.cpus, latencySensitive: latency, cpuManagerState: data.cpuManagerState } };
    const ctx = `${data.numaNodes} NUMA node${multi ? 's' : ''}, ${data.cpus} CPUs; ${e.from}`;
    if (!CPU_POLICIES.includes(e.cpu)) return [{ ...base, severity: 'critical', message: `cpuManagerPolicy "${e.cpu}" is not a valid policy (none or static): the kubelet will not start (${ctx})` }];
    const state = data.cpuManagerState;
    if (state?.policyName && state.policyName !== e.cpu) {
      return [{ ...base, severity: 'critical', message: `cpuManagerPolicy is ${e.cpu} but the checkpoint /var/lib/kubelet/cpu_manager_state was written by policy ${state.policyName}: the kubelet fails to start until the file is removed (${ctx})` }];
    }
    if (e.cpu === 'static') {
      const reserved = (e.reservedCpus ? e.reservedCpus.split(',').filter(Boolean).length : 0) + cpuQuantity(e.kubeReservedCpu) + cpuQuantity(e.systemReservedCpu);
      if (reserved <= 0) return [{ ...base, severity: 'critical', message: `cpuManagerPolicy static without a CPU reservation (no reservedSystemCPUs, kubeReserved.cpu or systemReserved.cpu): the kubelet refuses to start (${ctx})` }];
      return [{ ...base, severity: 'ok', message: `cpuManagerPolicy static with CPUs reserved for the system (${e.reservedCpus ? `reservedSystemCPUs ${e.reservedCpus}` : `kubeReserved.cpu ${e.kubeReservedCpu ?? 0}, systemReserved.cpu ${e.systemReservedCpu ?? 0}`}): Guaranteed pods with integer CPUs get exclusive cores (${ctx})` }];
    }
    if (latency) return [{ ...base, severity: 'warning', message: `latency-sensitive pool but cpuManagerPolicy none: Guaranteed pods get no exclusive CPUs and share cores${multi ? ' and NUMA nodes' : ''} with every other pod (${ctx})` }];
    if (multi) return [{ ...base, severity: 'info', message: `multi-NUMA node with cpuManagerPolicy none: pods' CPUs may span NUMA nodes; set latencySensitive: true for pools where that matters (${ctx})` }];
    return [{ ...base, severity: 'ok', message: `cpuManagerPolicy none (shared CPU pool), fine for a pool that is not latency-sensitive (${ctx})` }];
  },
});

/** Topology manager policy vs the CPU manager and the NUMA layout. */
export const hostKubeletTopologyManager = defineCheck({
  id: 'host.kubelet.topology_manager',
  category: 'host',
  title: 'Kubelet topology manager policy',
  description: 'The kubelet\'s topologyManagerPolicy (flags over the config file, default none) against the CPU manager and the node\'s NUMA nodes: a restricting policy (best-effort, restricted, single-numa-node) with cpuManagerPolicy none aligns no CPUs (warning); on a multi-NUMA node of a pool marked `latencySensitive: true`, policy none lets exclusive CPUs, memory and devices come from different NUMA nodes (warning; info on other pools using the static CPU manager). Hosts without a kubelet report ok.',
  source: { collector: 'host', section: 'kubelet', schema: kubeletSection },
  defaults: { latencySensitive: false },
  remediation: 'On multi-NUMA nodes running latency-sensitive Guaranteed pods set topologyManagerPolicy: single-numa-node (or restricted) together with cpuManagerPolicy: static (and memoryManagerPolicy: Static if memory locality matters), topologyManagerScope: pod for multi-container pods; restart the kubelet on a drained node.',
  reference: 'Kubernetes topology manager (kubernetes.io/docs/tasks/administer-cluster/topology-manager); seed 004 (NUMA affinity); anchors: "cpuManagerPolicy/topologyManagerPolicy consistency per node pool"',
  evaluate({ data, target, settings }) {
    const skip = notKubernetes(data, target.name);
    if (skip) return skip;
    if (data.configError) return [{ target: target.name, severity: 'error', message: `cannot read the kubelet config: ${data.configError}` }];
    const latency = boolParam(settings(), 'latencySensitive', false);
    const e = effectiveKubelet(data);
    const multi = data.numaNodes > 1;
    const base = { target: target.name, value: e.topology, details: { ...e, numaNodes: data.numaNodes, latencySensitive: latency } };
    const ctx = `cpuManagerPolicy ${e.cpu}, scope ${e.scope}, ${data.numaNodes} NUMA node${multi ? 's' : ''}`;
    if (!TOPOLOGY_POLICIES.includes(e.topology)) return [{ ...base, severity: 'critical', message: `topologyManagerPolicy "${e.topology}" is not valid (${TOPOLOGY_POLICIES.join(', ')}): the kubelet will not start (${ctx})` }];
    if (e.topology !== 'none' && e.cpu === 'none') return [{ ...base, severity: 'warning', message: `topologyManagerPolicy ${e.topology} with cpuManagerPolicy none: the CPU manager gives the topology manager no hints, so no CPUs are NUMA-aligned (${ctx})` }];
    if (multi && e.topology === 'none') {
      if (latency) return [{ ...base, severity: 'warning', message: `latency-sensitive pool on a multi-NUMA node with topologyManagerPolicy none: a pod's CPUs, memory and devices may come from different NUMA nodes (cross-node memory access) (${ctx})` }];
      if (e.cpu === 'static') return [{ ...base, severity: 'info', message: `static CPU manager without topology alignment on a multi-NUMA node: exclusive CPUs may span NUMA nodes (${ctx})` }];
    }
    return [{ ...base, severity: 'ok', message: `topologyManagerPolicy ${e.topology}${!multi && e.topology !== 'none' ? ' (one NUMA node: alignment is trivial)' : ''} (${ctx})` }];
  },
});
