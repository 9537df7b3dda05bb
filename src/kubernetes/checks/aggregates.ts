import type { Aggregate } from './cluster-check.js';
import type { Node, Pod } from '../model/types.js';
import { conditionOf } from '../model/types.js';
import { parseQuantity } from '../model/quantity.js';
import { podOccupiesNode, podResources } from '../model/pods.js';

/** What the node checks need of each node (a few hundred bytes per node, 5,000 nodes ~ 2 MB). */
export interface NodeRow {
  name: string;
  labels: Record<string, string>;
  cpu: number;
  memory: number;
  pods: number;
  gpuCapacity: number;
  gpuAllocatable: number;
  kubeletVersion?: string;
  ready: string;
  unschedulable: boolean;
}

export const nodeTable: Aggregate<Map<string, NodeRow>> = {
  id: 'node-table',
  kinds: ['nodes'],
  create() {
    const rows = new Map<string, NodeRow>();
    return {
      visit: {
        nodes: (n: Node) => {
          const a = n.status?.allocatable ?? {};
          const c = n.status?.capacity ?? {};
          rows.set(n.metadata.name, {
            name: n.metadata.name,
            labels: n.metadata.labels ?? {},
            cpu: parseQuantity(a.cpu),
            memory: parseQuantity(a.memory),
            pods: parseQuantity(a.pods),
            gpuCapacity: parseQuantity(c['nvidia.com/gpu'] ?? '0') || 0,
            gpuAllocatable: parseQuantity(a['nvidia.com/gpu'] ?? '0') || 0,
            ...(n.status?.nodeInfo?.kubeletVersion ? { kubeletVersion: n.status.nodeInfo.kubeletVersion } : {}),
            ready: conditionOf(n.status?.conditions, 'Ready')?.status ?? 'Unknown',
            unschedulable: n.spec?.unschedulable === true,
          });
        },
      },
      result: () => rows,
    };
  },
};

export interface NodeUsage {
  cpuReq: number;
  memReq: number;
  cpuLim: number;
  memLim: number;
  gpuReq: number;
  pods: number;
}

/** Requests and limits of the pods on each node, summed while pods stream by (one entry per node). */
export const nodeUsage: Aggregate<Map<string, NodeUsage>> = {
  id: 'node-usage',
  kinds: ['pods'],
  create() {
    const usage = new Map<string, NodeUsage>();
    return {
      visit: {
        pods: (p: Pod) => {
          if (!podOccupiesNode(p)) return;
          const node = p.spec!.nodeName!;
          let u = usage.get(node);
          if (!u) usage.set(node, (u = { cpuReq: 0, memReq: 0, cpuLim: 0, memLim: 0, gpuReq: 0, pods: 0 }));
          const r = podResources(p);
          u.cpuReq += r.cpuReq;
          u.memReq += r.memReq;
          u.cpuLim += r.cpuLim;
          u.memLim += r.memLim;
          u.gpuReq += r.gpuReq;
          u.pods++;
        },
      },
      result: () => usage,
    };
  },
};
