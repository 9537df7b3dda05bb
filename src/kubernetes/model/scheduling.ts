/**
 * Reasons in the scheduler's FailedScheduling message ("0/12 nodes are available: 3 Insufficient
 * cpu, 2 node(s) had untolerated taint {...}, 7 node(s) didn't match Pod's node affinity/selector.
 * preemption: ..."), classified for reports and grouping.
 */
export interface SchedulingReason {
  /** insufficient-cpu, insufficient-memory, insufficient-nvidia.com/gpu, taints, node-affinity, pod-affinity, volume, ports, too-many-pods, other */
  kind: string;
  nodes: number;
  text: string;
}

export function schedulingReasons(message: string): SchedulingReason[] {
  const head = message.split(/\.\s*preemption:/i)[0]!;
  const colon = head.indexOf(':');
  const body = colon >= 0 ? head.slice(colon + 1) : head;
  const out: SchedulingReason[] = [];
  for (const part of body.split(/,\s*(?=\d+\s)/)) {
    const p = part.trim().replace(/\.$/, '');
    const m = /^(\d+)\s+(.*)$/.exec(p);
    if (!m) continue;
    const nodes = Number(m[1]);
    const text = m[2]!;
    let kind = 'other';
    let r: RegExpExecArray | null;
    if ((r = /^Insufficient\s+(\S+)/i.exec(text))) kind = `insufficient-${r[1]}`;
    else if (/taint/i.test(text)) kind = 'taints';
    else if (/didn't match Pod's node affinity|node affinity\/selector|didn't match node selector/i.test(text)) kind = 'node-affinity';
    else if (/pod affinity|anti-affinity|topology spread/i.test(text)) kind = 'pod-affinity';
    else if (/volume|PersistentVolumeClaim/i.test(text)) kind = 'volume';
    else if (/free ports/i.test(text)) kind = 'ports';
    else if (/Too many pods/i.test(text)) kind = 'too-many-pods';
    else if (/unschedulable/i.test(text)) kind = 'unschedulable-nodes';
    out.push({ kind, nodes, text });
  }
  if (out.length === 0 && /unbound immediate PersistentVolumeClaims|persistentvolumeclaim .* not found/i.test(message)) out.push({ kind: 'volume', nodes: 0, text: message });
  return out;
}
