/**
 * The default scheduler's filtering, for pods without a node: cordoned nodes, NotReady nodes,
 * untolerated NoSchedule taints, and resource fit (cpu, memory, pods and extended resources such
 * as nvidia.com/gpu: allocatable minus the requests of the pods already on the node). A pod that
 * fits nowhere gets PodScheduled=False/Unschedulable and a FailedScheduling event with the
 * scheduler's message ("0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: ...").
 */
import { now, resource, type ClusterState } from './cluster-state.js';
import type { EventRecorder } from './event-recorder.js';
import { podDone, podRequests, quantity } from './pod-resources.js';
import type { KubeObj } from './store.js';

type Obj = Record<string, unknown>;
interface Taint {
  key: string;
  value?: string;
  effect: string;
}
interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

const tolerates = (tols: Toleration[], t: Taint) => tols.some((x) => (x.operator === 'Exists' && (!x.key || x.key === t.key)) || (x.key === t.key && (x.value ?? '') === (t.value ?? '')));

/** Why one node cannot take the pod (the scheduler's per-node reasons), or [] when it fits. */
export function nodeReasons(node: KubeObj, pod: Obj, podsOnNode: Obj[]): string[] {
  const spec = (node.spec ?? {}) as { unschedulable?: boolean; taints?: Taint[] };
  const status = (node.status ?? {}) as { allocatable?: Record<string, unknown>; conditions?: { type: string; status: string }[] };
  const tols = (((pod.spec as Obj | undefined)?.tolerations ?? []) as Toleration[]);
  if (spec.unschedulable) return ['node(s) were unschedulable'];
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True') return ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'];
  const taint = (spec.taints ?? []).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tols, t));
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  const selector = ((pod.spec as Obj | undefined)?.nodeSelector ?? {}) as Record<string, string>;
  const labels = (node.metadata.labels ?? {}) as Record<string, string>;
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return ["node(s) didn't match Pod's node affinity/selector"];
  const want = podRequests(pod);
  const alloc = status.allocatable ?? {};
  const out: string[] = [];
  if (alloc.pods !== undefined && podsOnNode.length + 1 > quantity(alloc.pods)) out.push('Too many pods');
  for (const [res, v] of Object.entries(want)) {
    if (v <= 0) continue;
    const used = podsOnNode.reduce((n, p) => n + (podRequests(p)[res] ?? 0), 0);
    if (used + v > quantity(alloc[res] ?? 0)) out.push(`Insufficient ${res}`);
  }
  return out;
}

export class Scheduler {
  constructor(
    private readonly state: ClusterState,
    private readonly events: EventRecorder,
  ) {}

  tick(): void {
    const podsRes = resource('', 'pods');
    const nodes = this.state.list(resource('', 'nodes'));
    const pods = this.state.list(podsRes);
    for (const pod of pods) {
      const spec = (pod.spec ?? {}) as Obj;
      if (spec.nodeName || (pod.metadata as Obj).deletionTimestamp || podDone(pod)) continue;
      const counts = new Map<string, number>();
      let chosen: KubeObj | undefined;
      for (const node of nodes) {
        const onNode = pods.filter((p) => (p.spec as Obj | undefined)?.nodeName === node.metadata.name && !podDone(p));
        const reasons = nodeReasons(node, pod, onNode);
        if (reasons.length === 0) {
          chosen = node;
          break;
        }
        for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
      }
      const status = ((pod.status ??= {}) as Obj);
      if (chosen) {
        spec.nodeName = chosen.metadata.name;
        status.phase = 'Pending';
        status.conditions = [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now() }];
        this.state.write(podsRes, pod);
        continue;
      }
      const message = unschedulableMessage(nodes.length, counts);
      const cond = ((status.conditions ?? []) as Obj[]).find((c) => c.type === 'PodScheduled');
      if (cond?.message === message) continue;
      status.phase = 'Pending';
      status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: now() }];
      this.state.write(podsRes, pod);
      this.events.record({ kind: 'Pod', apiVersion: 'v1', obj: pod }, 'Warning', 'FailedScheduling', message, 'default-scheduler');
    }
  }
}

/** kube-scheduler's FitError text: reasons counted over nodes, sorted, then the preemption summary. */
export function unschedulableMessage(total: number, counts: Map<string, number>): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const reasons = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  const helpless = [...counts].filter(([r]) => !r.startsWith('Insufficient') && r !== 'Too many pods').reduce((n, [, c]) => n + c, 0);
  const victims = total - Math.min(total, helpless);
  const preemption = [victims > 0 ? `${victims} No preemption victims found for incoming pod` : '', helpless > 0 ? `${Math.min(total, helpless)} Preemption is not helpful for scheduling` : ''].filter(Boolean).join(', ');
  return `0/${total} nodes are available: ${reasons.join(', ')}. preemption: 0/${total} nodes are available: ${preemption}.`;
}
