import { levelSeverity, type CheckSettings } from '../../inspections/check.js';
import type { Severity } from '../../findings/finding.js';
import { formatSeconds } from '../../inspections/checks/format.js';
import type { ContainerStatus, Pod } from '../model/types.js';
import { isMirrorPod, podRestarts } from '../model/pods.js';
import { defineClusterCheck, nsTarget, severityParam, stringListParam, thresholds, type CheckEnv, type ClusterCheck } from './cluster-check.js';

const statuses = (p: Pod): ContainerStatus[] => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
const ago = (now: number, iso: string | undefined) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? Math.max(0, (now - t) / 1000) : undefined;
};
const podEvidence = (env: CheckEnv, p: Pod) => ({ command: `${env.cluster.kubectl} -n ${p.metadata.namespace} describe pod ${p.metadata.name}` });

interface PodCheckSpec {
  id: string;
  title: string;
  description: string;
  defaults: Record<string, unknown>;
  unit?: string;
  remediation: string;
  /** The runbook in workflows/ that fixes it, when there is one. */
  remediationWorkflow?: string;
  reference: string;
  ok: (checked: number) => string;
  noun: string;
  /** Returns a problem (without target/group) or undefined; `s` are the settings for this pod. */
  judge(env: CheckEnv, p: Pod, s: CheckSettings, sev: Severity): { severity: Severity; value?: number | string | boolean | null; rank?: number; message: string; details?: Record<string, unknown>; threshold?: Record<string, unknown> } | undefined;
}

function podCheck(spec: PodCheckSpec): ClusterCheck {
  return defineClusterCheck({
    info: { id: spec.id, category: 'cluster', title: spec.title, description: spec.description, defaults: spec.defaults, ...(spec.unit ? { unit: spec.unit } : {}), remediation: spec.remediation, ...(spec.remediationWorkflow ? { remediationWorkflow: spec.remediationWorkflow } : {}), reference: spec.reference },
    kinds: ['pods'],
    start(env) {
      const problems = env.problems();
      const base = env.settings();
      const sev = severityParam(base, 'severity', (spec.defaults.severity as Severity | undefined) ?? 'warning');
      const ignore = new Set(stringListParam(base, 'ignoreNamespaces', []));
      return {
        visit: {
          pods: (p: Pod) => {
            const ns = p.metadata.namespace ?? '';
            if (ignore.has(ns)) return;
            problems.checked++;
            const t = nsTarget(env.cluster.name, ns, p.metadata.name);
            const s = env.settings(t);
            if (!s.enabled) return;
            const r = spec.judge(env, p, s, s === base ? sev : severityParam(s, 'severity', sev));
            if (r) problems.add({ target: t, group: ns, ...r, evidence: podEvidence(env, p) });
          },
        },
        finish: () => problems.findings({ ok: spec.ok(problems.checked), noun: spec.noun, unit: 'pods', evidence: { command: `${env.cluster.kubectl} get pods -A` } }),
      };
    },
  });
}

export const podCrashLoop = podCheck({
  id: 'k8s.pod.crashloop',
  title: 'Pods in CrashLoopBackOff',
  description: 'Pods with a container (or init container) waiting in CrashLoopBackOff: it keeps exiting and the kubelet backs off restarting it. Ranked by restarts; the last termination reason and exit code are in the message.',
  defaults: { severity: 'critical', ignoreNamespaces: [], maxFindings: 100 },
  remediation: 'kubectl logs --previous -n NS POD -c CONTAINER shows why it exits; check probes, configuration, dependencies and memory limits (exit code 137 = killed). When the cause is gone (a dependency is back), the restart-workload runbook restarts the workload.',
  remediationWorkflow: 'restart-workload',
  reference: 'Popeye POP-204; KubeEye; kubernetes-mixin KubePodCrashLooping',
  ok: (n) => `no pod in CrashLoopBackOff among ${n}`,
  noun: 'pods in CrashLoopBackOff',
  judge(env, p, _s, sev) {
    const c = statuses(p).find((x) => x.state?.waiting?.reason === 'CrashLoopBackOff');
    if (!c) return undefined;
    const last = c.lastState?.terminated;
    const restarts = podRestarts(p);
    return {
      severity: sev,
      value: restarts,
      rank: restarts,
      message: `container ${c.name} of ${p.metadata.namespace}/${p.metadata.name} is in CrashLoopBackOff (${restarts} restarts)${last ? `; last exit: ${last.reason ?? 'unknown'} (exit code ${last.exitCode ?? '?'})${last.finishedAt ? ` ${formatSeconds(ago(env.now, last.finishedAt) ?? 0)} ago` : ''}` : ''}${p.spec?.nodeName ? ` on ${p.spec.nodeName}` : ''}`,
      details: { container: c.name, restarts, lastReason: last?.reason ?? null, exitCode: last?.exitCode ?? null, node: p.spec?.nodeName ?? null, image: c.image ?? null },
    };
  },
});

const PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable', 'SignatureValidationFailed']);

export const podImagePull = podCheck({
  id: 'k8s.pod.image_pull',
  title: 'Pods that cannot pull their image',
  description: 'Pods with a container waiting in ImagePullBackOff, ErrImagePull, InvalidImageName or ErrImageNeverPull: the image does not exist, the registry is unreachable, or credentials (imagePullSecrets) are missing.',
  defaults: { severity: 'critical', ignoreNamespaces: [], maxFindings: 100 },
  remediation: 'Check the image name and tag exist in the registry, the node can reach the registry, and the pod\'s imagePullSecrets; `kubectl describe pod` shows the pull error.',
  reference: 'Popeye POP-205; KubeEye',
  ok: (n) => `no image pull failure among ${n} pods`,
  noun: 'pods that cannot pull an image',
  judge(env, p, _s, sev) {
    const c = statuses(p).find((x) => x.state?.waiting?.reason && PULL_REASONS.has(x.state.waiting.reason));
    if (!c) return undefined;
    const age = ago(env.now, p.metadata.creationTimestamp);
    return {
      severity: sev,
      value: c.state!.waiting!.reason!,
      rank: age ?? 0,
      message: `container ${c.name} of ${p.metadata.namespace}/${p.metadata.name}: ${c.state!.waiting!.reason}: ${c.state!.waiting!.message ?? c.image ?? ''}`,
      details: { container: c.name, image: c.image ?? null, reason: c.state!.waiting!.reason, node: p.spec?.nodeName ?? null },
    };
  },
});

export const podOomKilled = podCheck({
  id: 'k8s.pod.oomkilled',
  title: 'Containers OOMKilled',
  description: 'Pods with a container whose current or last termination was OOMKilled (exit 137 by the kernel OOM killer at the memory limit or under node memory pressure). The memory limit is in the message.',
  defaults: { severity: 'warning', ignoreNamespaces: [], maxFindings: 100 },
  remediation: 'Raise the container\'s memory limit to its real peak (kubectl top / Prometheus container_memory_working_set_bytes), or fix the leak; for JVMs set -XX:MaxRAMPercentage.',
  reference: 'Popeye; KubeEye; kubernetes-mixin KubeContainerOOMKilled',
  ok: (n) => `no OOMKilled container among ${n} pods`,
  noun: 'pods with OOMKilled containers',
  judge(env, p, _s, sev) {
    for (const c of statuses(p)) {
      const t = c.state?.terminated?.reason === 'OOMKilled' ? c.state.terminated : c.lastState?.terminated?.reason === 'OOMKilled' ? c.lastState.terminated : undefined;
      if (!t) continue;
      const limit = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].find((x) => x.name === c.name)?.resources?.limits?.memory;
      const when = ago(env.now, t.finishedAt);
      return {
        severity: sev,
        value: c.restartCount ?? 0,
        rank: when === undefined ? 0 : -when,
        message: `container ${c.name} of ${p.metadata.namespace}/${p.metadata.name} was OOMKilled${when !== undefined ? ` ${formatSeconds(when)} ago` : ''} (memory limit ${limit ?? 'none'}, ${c.restartCount ?? 0} restarts)`,
        details: { container: c.name, memoryLimit: limit ?? null, finishedAt: t.finishedAt ?? null, restarts: c.restartCount ?? 0 },
      };
    }
    return undefined;
  },
});

export const podRestartsCheck = podCheck({
  id: 'k8s.pod.restarts',
  title: 'Container restarts',
  description: 'Total container restarts of each pod (including init containers). Warning at `warning`, critical at `critical` restarts.',
  defaults: { warning: 3, critical: 20, ignoreNamespaces: [], maxFindings: 100 },
  unit: 'restarts',
  remediation: 'kubectl logs --previous shows the last crash; look for OOM kills, failing liveness probes or dependency outages around the restart times.',
  reference: 'Popeye (restarts > 3); kubernetes-mixin',
  ok: (n) => `no pod restarted often among ${n}`,
  noun: 'pods restarting often',
  judge(_env, p, s) {
    const n = podRestarts(p);
    if (n === 0) return undefined;
    const severity = levelSeverity(n, s);
    if (severity === 'ok') return undefined;
    const worst = statuses(p).sort((a, b) => (b.restartCount ?? 0) - (a.restartCount ?? 0))[0];
    return { severity, value: n, rank: n, threshold: thresholds(s), message: `${p.metadata.namespace}/${p.metadata.name} restarted ${n} times (most: container ${worst?.name ?? '?'}, last reason ${worst?.lastState?.terminated?.reason ?? 'unknown'})`, details: { restarts: n, container: worst?.name ?? null } };
  },
});

export const podTerminating = podCheck({
  id: 'k8s.pod.terminating',
  title: 'Pods stuck Terminating',
  description: 'Pods whose deletion was requested (deletionTimestamp) longer ago than their grace period plus `warning` / `critical` minutes: finalizers that never clear, or a node that is gone.',
  defaults: { warning: 10, critical: 60, ignoreNamespaces: [], maxFindings: 100 },
  unit: 'minutes',
  remediation: 'Check the node (NotReady nodes keep pods Terminating), the pod\'s finalizers, and volumes stuck unmounting; as a last resort `kubectl delete pod --grace-period=0 --force` after checking the workload is really gone.',
  reference: 'Popeye (terminating pods); KubeEye',
  ok: (n) => `no pod stuck Terminating among ${n}`,
  noun: 'pods stuck Terminating',
  judge(env, p, s) {
    const del = p.metadata.deletionTimestamp;
    if (!del) return undefined;
    // deletionTimestamp is the deadline (request time + grace period).
    const overdue = (env.now - Date.parse(del)) / 60_000;
    if (!Number.isFinite(overdue)) return undefined;
    const severity = levelSeverity(overdue, s);
    if (severity === 'ok') return undefined;
    const minutes = Math.round(overdue);
    return { severity, value: minutes, rank: minutes, threshold: thresholds(s), message: `${p.metadata.namespace}/${p.metadata.name} has been Terminating ${minutes} min past its grace period${p.spec?.nodeName ? ` on ${p.spec.nodeName}` : ''}`, details: { deletionTimestamp: del, node: p.spec?.nodeName ?? null, finalizers: (p.metadata as { finalizers?: string[] }).finalizers ?? [] } };
  },
});

export const podUnowned = podCheck({
  id: 'k8s.pod.unowned',
  title: 'Pods without an owner',
  description: 'Pods with no ownerReferences (created directly, not by a Deployment, StatefulSet, DaemonSet or Job): nothing recreates them when their node fails or they are evicted. Static (mirror) pods are not counted. Succeeded/Failed bare pods are ignored.',
  defaults: { severity: 'warning', ignoreNamespaces: [], maxFindings: 100 },
  remediation: 'Run the workload from a Deployment (or Job for one-off tasks) and delete the bare pod.',
  reference: 'Popeye POP-208 (naked pods); Polaris',
  ok: (n) => `all ${n} pods have an owner`,
  noun: 'pods without an owner',
  judge(env, p, _s, sev) {
    if (p.metadata.ownerReferences?.length || isMirrorPod(p)) return undefined;
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return undefined;
    const age = ago(env.now, p.metadata.creationTimestamp);
    return { severity: sev, value: true, rank: age ?? 0, message: `pod ${p.metadata.namespace}/${p.metadata.name} has no owner (nothing recreates it)${age !== undefined ? `, created ${formatSeconds(age)} ago` : ''}` };
  },
});

