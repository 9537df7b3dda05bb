import { levelSeverity } from '../../inspections/check.js';
import { conditionOf, type KubeEvent, type Pod } from '../model/types.js';
import { schedulingReasons } from '../model/scheduling.js';
import { defineClusterCheck, nsTarget, stringListParam, thresholds } from './cluster-check.js';

/** Warning events that explain why a pod does not start. */
const REASONS = new Set(['FailedScheduling', 'FailedMount', 'FailedAttachVolume', 'FailedCreatePodSandBox', 'FailedCreatePodContainer', 'FailedPostStartHook', 'NetworkNotReady']);
/** Waiting reasons reported by their own checks (image pulls, crash loops). */
const OTHER_CHECKS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'CrashLoopBackOff']);
const EVENT_MAP_LIMIT = 20_000;
const PENDING_LIMIT = 20_000;

interface PendingPod {
  ns: string;
  name: string;
  uid: string;
  minutes: number;
  scheduled: boolean;
  conditionMessage?: string;
  waiting?: string;
  node?: string;
}

export const podPending = defineClusterCheck({
  info: {
    id: 'k8s.pod.pending',
    category: 'cluster',
    title: 'Pods Pending',
    description:
      'Pods in phase Pending for more than `warning` / `critical` minutes, with the reason: for unscheduled pods the scheduler\'s FailedScheduling message (from the Warning events, else the PodScheduled condition), classified (insufficient cpu / memory / nvidia.com/gpu, taints, node affinity, pod affinity, volumes); for scheduled pods the FailedMount / sandbox events. Image pull failures are left to k8s.pod.image_pull.',
    defaults: { warning: 5, critical: 60, ignoreNamespaces: [], maxFindings: 100 },
    unit: 'minutes',
    remediation: 'Insufficient resources: lower requests or add capacity (GPU pool); taints/affinity: fix tolerations, nodeSelector or affinity; volumes: check the PVC is Bound and the CSI driver; sandbox errors: the CNI on the node.',
    reference: 'KubeEye/Popeye pending pods; seed 002 (pending vs rejected, GPU pre-checks)',
  },
  kinds: ['pods'],
  optionalKinds: ['events'],
  start(env) {
    const base = env.settings();
    const ignore = new Set(stringListParam(base, 'ignoreNamespaces', []));
    const pending: PendingPod[] = [];
    let pendingOverflow = 0;
    let pendingTotal = 0;
    let checked = 0;
    const reasons = new Map<string, { uid?: string; reason: string; message: string; at: number; count: number }>();
    return {
      visit: {
        pods: (p: Pod) => {
          const ns = p.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          checked++;
          if (p.status?.phase !== 'Pending' || p.metadata.deletionTimestamp) return;
          const waiting = [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])].map((c) => c.state?.waiting?.reason).find((r) => r);
          if (waiting && OTHER_CHECKS.has(waiting)) return;
          const sched = conditionOf(p.status.conditions, 'PodScheduled');
          const since = Date.parse(p.metadata.creationTimestamp ?? '');
          const minutes = Number.isFinite(since) ? (env.now - since) / 60_000 : 0;
          pendingTotal++;
          const row: PendingPod = {
            ns,
            name: p.metadata.name,
            uid: p.metadata.uid ?? '',
            minutes,
            scheduled: sched?.status === 'True' || !!p.spec?.nodeName,
            ...(sched?.message ? { conditionMessage: sched.message } : {}),
            ...(waiting ? { waiting } : {}),
            ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
          };
          if (pending.length < PENDING_LIMIT) pending.push(row);
          else pendingOverflow++;
        },
        events: (e: KubeEvent) => {
          if (e.involvedObject?.kind !== 'Pod' || !e.reason || !REASONS.has(e.reason)) return;
          const key = `${e.involvedObject.namespace ?? e.metadata.namespace}/${e.involvedObject.name}`;
          const at = Date.parse(e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '') || 0;
          const prev = reasons.get(key);
          if (prev && prev.at > at) return;
          if (!prev && reasons.size >= EVENT_MAP_LIMIT) return;
          reasons.set(key, { ...(e.involvedObject.uid ? { uid: e.involvedObject.uid } : {}), reason: e.reason, message: e.message ?? '', at, count: e.series?.count ?? e.count ?? 1 });
        },
      },
      finish(ctx) {
        const problems = env.problems();
        problems.checked = checked;
        const byClass = new Map<string, number>();
        for (const row of pending) {
          const t = nsTarget(env.cluster.name, row.ns, row.name);
          const s = env.settings(t);
          if (!s.enabled) continue;
          const severity = levelSeverity(row.minutes, s);
          if (severity === 'ok') continue;
          const ev = reasons.get(`${row.ns}/${row.name}`);
          const event = ev && (!ev.uid || !row.uid || ev.uid === row.uid) ? ev : undefined;
          const why = event?.message ?? row.conditionMessage ?? (row.waiting ? `container waiting: ${row.waiting}` : 'no reason reported yet');
          const source = event ? `${event.reason} event` : row.conditionMessage ? 'PodScheduled condition' : row.waiting ? 'container status' : 'none';
          const classes = !row.scheduled ? schedulingReasons(why).map((r) => r.kind) : event ? [event.reason] : row.waiting ? [row.waiting] : [];
          for (const c of classes.length ? classes : ['unknown']) byClass.set(c, (byClass.get(c) ?? 0) + 1);
          const minutes = Math.round(row.minutes);
          problems.add({
            target: t,
            group: row.ns,
            severity,
            value: minutes,
            rank: row.minutes,
            threshold: thresholds(s),
            message: `${row.ns}/${row.name} Pending for ${minutes} min, ${row.scheduled ? `scheduled on ${row.node ?? '?'} but not started` : 'not scheduled'}: ${why}`,
            details: { scheduled: row.scheduled, reasons: classes, reasonSource: source, ...(event ? { eventCount: event.count } : {}) },
            evidence: { command: `${env.cluster.kubectl} -n ${row.ns} describe pod ${row.name}` },
          });
        }
        if (pendingOverflow > 0) problems.count('warning', pendingOverflow);
        const reasonsNote = ctx.unavailable.events ? ` (events not readable: ${ctx.unavailable.events}; reasons from pod conditions only)` : '';
        return problems.findings({
          ok: `no pod Pending longer than the threshold among ${checked} (${pendingTotal} Pending now)${reasonsNote}`,
          noun: `pods Pending too long${reasonsNote}`,
          unit: 'pods',
          details: { pendingNow: pendingTotal, byReason: Object.fromEntries([...byClass].sort((a, b) => b[1] - a[1])) },
          evidence: { command: `${env.cluster.kubectl} get pods -A --field-selector status.phase=Pending` },
        });
      },
    };
  },
});
