import type { Container, Pod } from './types.js';
import { parseQuantity } from './quantity.js';

export interface PodResources {
  cpuReq: number;
  memReq: number;
  cpuLim: number;
  memLim: number;
  gpuReq: number;
}

const GPU = 'nvidia.com/gpu';

function sum(cs: readonly Container[] | undefined, kind: 'requests' | 'limits', res: string): number {
  let t = 0;
  if (!cs) return 0;
  for (const c of cs) {
    const r = c.resources?.[kind];
    // A limit without a request defaults the request to the limit.
    const v = r?.[res] ?? (kind === 'requests' ? c.resources?.limits?.[res] : undefined);
    if (v !== undefined) {
      const n = parseQuantity(v);
      if (Number.isFinite(n)) t += n;
    }
  }
  return t;
}

function maxInit(cs: readonly Container[] | undefined, kind: 'requests' | 'limits', res: string): number {
  let m = 0;
  if (!cs) return 0;
  for (const c of cs) {
    const v = c.resources?.[kind]?.[res] ?? (kind === 'requests' ? c.resources?.limits?.[res] : undefined);
    if (v !== undefined) {
      const n = parseQuantity(v);
      if (Number.isFinite(n) && n > m) m = n;
    }
  }
  return m;
}

/**
 * A pod's effective requests and limits as the scheduler counts them: max(sum of containers,
 * largest init container) plus pod overhead (k8s.io/component-helpers resource.PodRequests).
 */
export function podResources(pod: Pod): PodResources {
  const spec = pod.spec ?? {};
  const eff = (kind: 'requests' | 'limits', res: string) => Math.max(sum(spec.containers, kind, res), maxInit(spec.initContainers, kind, res)) + (spec.overhead?.[res] ? parseQuantity(spec.overhead[res]) || 0 : 0);
  return { cpuReq: eff('requests', 'cpu'), memReq: eff('requests', 'memory'), cpuLim: eff('limits', 'cpu'), memLim: eff('limits', 'memory'), gpuReq: eff('requests', GPU) };
}

/** Pods that hold node resources: bound to a node and not finished. */
export function podOccupiesNode(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== 'Succeeded' && phase !== 'Failed';
}

/** QoS class: the API's status.qosClass, or computed like the kubelet when absent. */
export function qosClass(pod: Pod): string {
  if (pod.status?.qosClass) return pod.status.qosClass;
  const cs = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of cs) {
    const r = c.resources?.requests ?? {};
    const l = c.resources?.limits ?? {};
    if (Object.keys(r).length || Object.keys(l).length) any = true;
    for (const res of ['cpu', 'memory']) {
      const lim = l[res];
      const req = r[res] ?? lim;
      if (lim === undefined || parseQuantity(req) !== parseQuantity(lim)) guaranteed = false;
    }
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * CPUs a Guaranteed pod would get exclusively from the static CPU manager: its containers with an
 * integer CPU request (requests == limits). 0 when none qualifies.
 */
export function exclusiveCpus(pod: Pod): number {
  if (qosClass(pod) !== 'Guaranteed') return 0;
  let n = 0;
  for (const c of pod.spec?.containers ?? []) {
    const v = parseQuantity(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu);
    if (Number.isFinite(v) && v >= 1 && Number.isInteger(v)) n += v;
  }
  return n;
}

/** Images of all containers (init and regular) of a pod spec. */
export function podImages(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) if (c.image) out.push(c.image);
  for (const c of pod.spec?.containers ?? []) if (c.image) out.push(c.image);
  return out;
}

export function isMirrorPod(pod: Pod): boolean {
  return !!pod.metadata.annotations?.['kubernetes.io/config.mirror'];
}

/** Total restarts of a pod's containers. */
export function podRestarts(pod: Pod): number {
  let n = 0;
  for (const s of pod.status?.containerStatuses ?? []) n += s.restartCount ?? 0;
  for (const s of pod.status?.initContainerStatuses ?? []) n += s.restartCount ?? 0;
  return n;
}
