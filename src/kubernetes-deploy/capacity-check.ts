import { parseQuantity } from '../kubernetes/model/quantity.js';
import { plain } from './apply-objects.js';
import { kubeStepError } from './kube-failure.js';
import type { KubeSession } from './kube-session.js';

type Obj = Record<string, unknown>;
interface PodSpecLike {
  containers?: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[];
  nodeName?: string;
}

/** A container's requests; like the scheduler, extended resources (GPUs) given only as limits count as requests. */
export function podRequests(spec: PodSpecLike): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of spec.containers ?? []) {
    const req = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    for (const [k, v] of Object.entries(req)) if (k !== 'cpu' && k !== 'memory' || c.resources?.requests?.[k] !== undefined) out[k] = (out[k] ?? 0) + (Number.isFinite(parseQuantity(v)) ? parseQuantity(v) : 0);
  }
  return out;
}

export interface CapacityResult {
  fits: boolean;
  /** "node gpu-1: nvidia.com/gpu 0 free of 2" per Ready, schedulable node. */
  nodes: string[];
  /** The resources no node has enough of. */
  short: string[];
}

/**
 * Whether some Ready, schedulable node has the free allocatable (allocatable minus the requests
 * of its running pods) for `requests`: the pre-check before a GPU job, so it is not submitted
 * to wait Pending for hours. Taints and affinity are the scheduler's; this is about quantity.
 */
export async function checkCapacity(session: KubeSession, requests: Record<string, number>): Promise<CapacityResult> {
  let nodes: Obj[];
  let pods: Obj[];
  try {
    nodes = (await session.objects.list('v1', 'Node')).items.map(plain);
    pods = (await session.objects.list('v1', 'Pod')).items.map(plain);
  } catch (err) {
    throw kubeStepError('capacity pre-check: list nodes and pods', err);
  }
  const wanted = Object.entries(requests).filter(([, v]) => v > 0);
  const lines: string[] = [];
  const short = new Set(wanted.map(([k]) => k));
  let fits = false;
  for (const n of nodes) {
    const name = String((n.metadata as { name: string }).name);
    const ready = ((n.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready || (n.spec as { unschedulable?: boolean } | undefined)?.unschedulable) continue;
    const alloc = ((n.status as { allocatable?: Record<string, string> }).allocatable ?? {}) as Record<string, string>;
    const used: Record<string, number> = {};
    for (const p of pods) {
      const spec = p.spec as PodSpecLike;
      const phase = (p.status as { phase?: string } | undefined)?.phase;
      if (spec.nodeName !== name || phase === 'Succeeded' || phase === 'Failed') continue;
      for (const [k, v] of Object.entries(podRequests(spec))) used[k] = (used[k] ?? 0) + v;
    }
    const free = (k: string) => (Number.isFinite(parseQuantity(alloc[k])) ? parseQuantity(alloc[k]) : 0) - (used[k] ?? 0);
    const enough = wanted.filter(([k, v]) => free(k) >= v).map(([k]) => k);
    for (const k of enough) short.delete(k);
    if (enough.length === wanted.length) fits = true;
    lines.push(`node ${name}: ${wanted.map(([k]) => `${k} ${round(free(k))} free of ${alloc[k] ?? 0}`).join(', ')}`);
  }
  return { fits, nodes: lines, short: fits ? [] : [...(short.size > 0 ? short : wanted.map(([k]) => k))] };
}

const round = (v: number) => Math.round(v * 1000) / 1000;
