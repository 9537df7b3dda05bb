import { plain } from './apply-objects.js';
import type { KubeSession } from './kube-session.js';

type Obj = Record<string, unknown>;
interface ContainerState {
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode?: number; message?: string };
}
interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  restartCount?: number;
}
interface PodStatus {
  phase?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

/** Why one pod is not running as it should, as the scheduler and the kubelet said it. */
export interface PodProblem {
  pod: string;
  kind: 'unschedulable' | 'waiting' | 'terminated';
  reason: string;
  message: string;
  container?: string;
  exitCode?: number;
}

/** The problems of one pod: unschedulable (PodScheduled=False), containers waiting (ImagePullBackOff...) or terminated with an error (OOMKilled, exit codes). */
export function podProblems(pod: Obj): PodProblem[] {
  const name = String((pod.metadata as { name?: string }).name);
  const st = (pod.status ?? {}) as PodStatus;
  const out: PodProblem[] = [];
  const sched = st.conditions?.find((c) => c.type === 'PodScheduled');
  if (sched?.status === 'False') out.push({ pod: name, kind: 'unschedulable', reason: sched.reason ?? 'Unschedulable', message: sched.message ?? '' });
  for (const c of [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]) {
    const w = c.state?.waiting;
    if (w?.reason && w.reason !== 'ContainerCreating' && w.reason !== 'PodInitializing') out.push({ pod: name, kind: 'waiting', reason: w.reason, message: w.message ?? '', container: c.name });
    const t = c.state?.terminated ?? (w?.reason === 'CrashLoopBackOff' ? c.lastState?.terminated : undefined);
    if (t && (t.exitCode ?? 0) !== 0) out.push({ pod: name, kind: 'terminated', reason: t.reason ?? 'Error', message: t.message ?? '', container: c.name, ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}) });
  }
  return out;
}

export function describeProblem(p: PodProblem): string {
  const where = `pod ${p.pod}${p.container ? ` container ${p.container}` : ''}`;
  if (p.kind === 'unschedulable') return `${where} is unschedulable: ${p.message || p.reason}`;
  if (p.kind === 'terminated') return `${where} terminated: ${p.reason}${p.exitCode !== undefined ? ` (exit code ${p.exitCode})` : ''}${p.message ? `: ${p.message}` : ''}`;
  return `${where} waiting: ${p.reason}${p.message ? `: ${p.message}` : ''}`;
}

/** Pods matching a label selector, with their problems (for timeouts that say why). */
export async function listPods(session: KubeSession, namespace: string, selector: Record<string, string>): Promise<Obj[]> {
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const list = await session.objects.list('v1', 'Pod', namespace, undefined, undefined, undefined, undefined, labelSelector);
  return list.items.map(plain);
}

/** One line naming the distinct problems of a workload's pods (empty when none is visible). */
export async function workloadProblems(session: KubeSession, namespace: string, workload: Obj): Promise<string> {
  const sel = ((workload.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels) ?? {};
  if (Object.keys(sel).length === 0) return '';
  const pods = await listPods(session, namespace, sel).catch(() => []);
  const seen = new Map<string, string>();
  for (const p of pods.flatMap(podProblems)) seen.set(`${p.kind}/${p.reason}`, describeProblem(p));
  return [...seen.values()].join('; ');
}
