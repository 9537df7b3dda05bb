import { levelSeverity } from '../../inspections/check.js';
import { conditionOf, type DaemonSet, type Deployment, type HorizontalPodAutoscaler, type LabelSelector, type PodDisruptionBudget, type StatefulSet } from '../model/types.js';
import { selectorMatches } from '../model/label-selector.js';
import { defineClusterCheck, severityParam, stringListParam, thresholds, type CheckEnv } from './cluster-check.js';
import type { ProblemSet } from '../inspect/problems.js';

const wlTarget = (cluster: string, ns: string | undefined, kind: string, name: string) => `${cluster}/${ns ?? '-'}/${kind}/${name}`;

function judgeUnavailable(env: CheckEnv, problems: ProblemSet, ignore: Set<string>, kind: string, ns: string | undefined, name: string, desired: number, available: number, extra: string, details: Record<string, unknown>): void {
  if (ns && ignore.has(ns)) return;
  problems.checked++;
  if (desired <= 0) return;
  const missing = Math.max(0, desired - available);
  if (missing === 0) return;
  const t = wlTarget(env.cluster.name, ns, kind.toLowerCase(), name);
  const s = env.settings(t);
  if (!s.enabled) return;
  const pct = Math.round((1000 * missing) / desired) / 10;
  const severity = available === 0 ? 'critical' : levelSeverity(pct, s);
  if (severity === 'ok') return;
  problems.add({
    target: t,
    group: ns ?? '-',
    severity,
    value: pct,
    rank: missing,
    threshold: thresholds(s),
    message: `${kind} ${ns}/${name}: ${available}/${desired} available (${missing} unavailable${extra})`,
    details: { kind, desired, available, ...details },
    evidence: { command: `${env.cluster.kubectl} -n ${ns} rollout status ${kind.toLowerCase()}/${name} --timeout=1s; ${env.cluster.kubectl} -n ${ns} describe ${kind.toLowerCase()} ${name}` },
  });
}

export const workloadUnavailable = defineClusterCheck({
  info: {
    id: 'k8s.workload.unavailable',
    category: 'cluster',
    title: 'Deployments, StatefulSets and DaemonSets with unavailable or missing replicas',
    description:
      'Replicas desired vs available: Deployments (spec.replicas vs status.availableReplicas), StatefulSets (vs readyReplicas), DaemonSets (desiredNumberScheduled vs numberAvailable; pods not scheduled on eligible nodes count as missing). Value: percent unavailable; none available is critical.',
    defaults: { warning: 1, critical: 50, ignoreNamespaces: [], maxFindings: 100 },
    unit: '%',
    remediation: 'kubectl describe the workload and its pods: image pulls, crash loops, pending pods (resources, affinity) or failing readiness probes keep replicas unavailable.',
    reference: 'Popeye/Polaris zero or unavailable replicas; kubernetes-mixin KubeDeploymentReplicasMismatch, KubeStatefulSetReplicasMismatch, KubeDaemonSetNotScheduled',
  },
  kinds: ['deployments', 'statefulsets', 'daemonsets'],
  start(env) {
    const problems = env.problems();
    const ignore = new Set(stringListParam(env.settings(), 'ignoreNamespaces', []));
    return {
      visit: {
        deployments: (d: Deployment) => {
          if (d.spec?.paused) return;
          const desired = d.spec?.replicas ?? 1;
          judgeUnavailable(env, problems, ignore, 'Deployment', d.metadata.namespace, d.metadata.name, desired, d.status?.availableReplicas ?? 0, '', { ready: d.status?.readyReplicas ?? 0, updated: d.status?.updatedReplicas ?? 0 });
        },
        statefulsets: (s: StatefulSet) => judgeUnavailable(env, problems, ignore, 'StatefulSet', s.metadata.namespace, s.metadata.name, s.spec?.replicas ?? 1, s.status?.readyReplicas ?? 0, '', { current: s.status?.currentReplicas ?? 0, updated: s.status?.updatedReplicas ?? 0 }),
        daemonsets: (ds: DaemonSet) => {
          const st = ds.status ?? {};
          const desired = st.desiredNumberScheduled ?? 0;
          const notScheduled = Math.max(0, desired - (st.currentNumberScheduled ?? desired));
          const extra = `${notScheduled ? `, ${notScheduled} not scheduled` : ''}${st.numberMisscheduled ? `, ${st.numberMisscheduled} misscheduled` : ''}`;
          judgeUnavailable(env, problems, ignore, 'DaemonSet', ds.metadata.namespace, ds.metadata.name, desired, st.numberAvailable ?? 0, extra, { scheduled: st.currentNumberScheduled ?? 0, ready: st.numberReady ?? 0, misscheduled: st.numberMisscheduled ?? 0 });
        },
      },
      finish: () => problems.findings({ ok: `all ${problems.checked} workloads have their replicas available`, noun: 'workloads with unavailable replicas', unit: 'workloads' }),
    };
  },
});

export const workloadRolloutStalled = defineClusterCheck({
  info: {
    id: 'k8s.workload.rollout_stalled',
    category: 'cluster',
    title: 'Stalled rollouts',
    description:
      'Deployments whose Progressing condition is False with reason ProgressDeadlineExceeded (the controller gave up after progressDeadlineSeconds), and StatefulSets / DaemonSets whose update is incomplete (updated < desired) while pods are unavailable and the controller has observed the latest generation.',
    defaults: { severity: 'warning', ignoreNamespaces: [], maxFindings: 100 },
    remediation: 'kubectl rollout status / describe shows the blocking pods (image pull, crash loop, pending); fix the new revision or `kubectl rollout undo`.',
    reference: 'kubernetes-mixin KubeDeploymentRolloutStuck / KubeStatefulSetUpdateNotRolledOut / KubeDaemonSetRolloutStuck',
  },
  kinds: ['deployments', 'statefulsets', 'daemonsets'],
  start(env) {
    const problems = env.problems();
    const base = env.settings();
    const sev = severityParam(base, 'severity', 'warning');
    const ignore = new Set(stringListParam(base, 'ignoreNamespaces', []));
    const add = (kind: string, ns: string | undefined, name: string, message: string, rank: number, details: Record<string, unknown>) => {
      const t = wlTarget(env.cluster.name, ns, kind.toLowerCase(), name);
      const s = env.settings(t);
      if (!s.enabled) return;
      problems.add({ target: t, group: ns ?? '-', severity: severityParam(s, 'severity', sev), value: true, rank, message, details, evidence: { command: `${env.cluster.kubectl} -n ${ns} rollout status ${kind.toLowerCase()}/${name} --timeout=1s` } });
    };
    return {
      visit: {
        deployments: (d: Deployment) => {
          if (d.metadata.namespace && ignore.has(d.metadata.namespace)) return;
          problems.checked++;
          const c = conditionOf(d.status?.conditions, 'Progressing');
          if (c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded') {
            const since = (env.now - Date.parse(c.lastTransitionTime ?? '')) / 60_000;
            add('Deployment', d.metadata.namespace, d.metadata.name, `Deployment ${d.metadata.namespace}/${d.metadata.name} rollout stalled: ${c.message ?? 'ProgressDeadlineExceeded'}${Number.isFinite(since) ? ` (${Math.round(since)} min ago)` : ''}; ${d.status?.updatedReplicas ?? 0}/${d.spec?.replicas ?? 1} updated, ${d.status?.availableReplicas ?? 0} available`, Number.isFinite(since) ? since : 0, { reason: c.reason, updated: d.status?.updatedReplicas ?? 0, available: d.status?.availableReplicas ?? 0 });
          }
        },
        statefulsets: (s: StatefulSet) => {
          if (s.metadata.namespace && ignore.has(s.metadata.namespace)) return;
          problems.checked++;
          const st = s.status ?? {};
          const desired = s.spec?.replicas ?? 1;
          const observed = (st.observedGeneration ?? 0) >= (s.metadata.generation ?? 0);
          if (observed && st.updateRevision && st.currentRevision && st.updateRevision !== st.currentRevision && (st.updatedReplicas ?? 0) < desired && (st.readyReplicas ?? 0) < desired) {
            add('StatefulSet', s.metadata.namespace, s.metadata.name, `StatefulSet ${s.metadata.namespace}/${s.metadata.name} update to ${st.updateRevision} incomplete: ${st.updatedReplicas ?? 0}/${desired} updated, ${st.readyReplicas ?? 0} ready`, desired - (st.updatedReplicas ?? 0), { currentRevision: st.currentRevision, updateRevision: st.updateRevision });
          }
        },
        daemonsets: (ds: DaemonSet) => {
          if (ds.metadata.namespace && ignore.has(ds.metadata.namespace)) return;
          problems.checked++;
          const st = ds.status ?? {};
          const desired = st.desiredNumberScheduled ?? 0;
          const observed = (st.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
          if (observed && (st.updatedNumberScheduled ?? desired) < desired && (st.numberUnavailable ?? 0) > 0) {
            add('DaemonSet', ds.metadata.namespace, ds.metadata.name, `DaemonSet ${ds.metadata.namespace}/${ds.metadata.name} rollout incomplete: ${st.updatedNumberScheduled ?? 0}/${desired} updated, ${st.numberUnavailable ?? 0} unavailable`, desired - (st.updatedNumberScheduled ?? 0), { updated: st.updatedNumberScheduled ?? 0, unavailable: st.numberUnavailable ?? 0 });
          }
        },
      },
      finish: () => problems.findings({ ok: `no stalled rollout among ${problems.checked} workloads`, noun: 'stalled rollouts', unit: 'workloads' }),
    };
  },
});

export const workloadHpaMax = defineClusterCheck({
  info: {
    id: 'k8s.workload.hpa_max',
    category: 'cluster',
    title: 'HorizontalPodAutoscalers at their maximum',
    description: 'HPAs whose current replicas reached maxReplicas (or whose ScalingLimited condition says TooManyReplicas): the workload wants more replicas than allowed and is probably saturated.',
    defaults: { severity: 'warning', ignoreNamespaces: [], maxFindings: 100 },
    remediation: 'Check the workload\'s load and latency; raise maxReplicas (with node capacity to match) or make each replica handle more.',
    reference: 'Polaris/KubeEye HPA at max; kubernetes-mixin KubeHpaMaxedOut',
  },
  kinds: ['horizontalpodautoscalers'],
  start(env) {
    const problems = env.problems();
    const base = env.settings();
    const sev = severityParam(base, 'severity', 'warning');
    const ignore = new Set(stringListParam(base, 'ignoreNamespaces', []));
    return {
      visit: {
        horizontalpodautoscalers: (h: HorizontalPodAutoscaler) => {
          const ns = h.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          problems.checked++;
          const max = h.spec?.maxReplicas ?? Infinity;
          const cur = h.status?.currentReplicas ?? 0;
          const limited = conditionOf(h.status?.conditions, 'ScalingLimited');
          const atMax = cur >= max || (limited?.status === 'True' && limited.reason === 'TooManyReplicas');
          if (!atMax) return;
          const t = `${env.cluster.name}/${ns}/hpa/${h.metadata.name}`;
          const s = env.settings(t);
          if (!s.enabled) return;
          const target = h.spec?.scaleTargetRef ? `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}` : '?';
          problems.add({ target: t, group: ns, severity: severityParam(s, 'severity', sev), value: cur, rank: (h.status?.desiredReplicas ?? cur) - max, threshold: { maxReplicas: max }, message: `HPA ${ns}/${h.metadata.name} (${target}) is at its maximum: ${cur}/${max} replicas${h.status?.desiredReplicas !== undefined && h.status.desiredReplicas > max ? `, wants ${h.status.desiredReplicas}` : ''}${limited?.message ? ` (${limited.message})` : ''}`, details: { current: cur, desired: h.status?.desiredReplicas ?? null, max, target } });
        },
      },
      finish: () => problems.findings({ ok: `no HPA at its maximum among ${problems.checked}`, noun: 'HPAs at maxReplicas', unit: 'HPAs', evidence: { command: `${env.cluster.kubectl} get hpa -A` } }),
    };
  },
});

const SINGLE_LIMIT = 50_000;

export const workloadPdbMissing = defineClusterCheck({
  info: {
    id: 'k8s.workload.pdb_missing',
    category: 'cluster',
    title: 'Single-replica workloads without a PodDisruptionBudget',
    description:
      'Deployments and StatefulSets with one replica and no PodDisruptionBudget selecting their pods: a node drain takes them down without warning (a PDB with maxUnavailable 0 or minAvailable 1 makes drains wait, or tells you to scale up first).',
    defaults: { severity: 'warning', ignoreNamespaces: ['kube-system'], maxFindings: 100 },
    remediation: 'Run at least two replicas with a PodDisruptionBudget (minAvailable: 1); for workloads that must stay single, add a PDB so drains stop and ask.',
    reference: 'Polaris deploymentMissingReplicas / missingPodDisruptionBudget',
  },
  kinds: ['deployments', 'statefulsets', 'poddisruptionbudgets'],
  start(env) {
    const base = env.settings();
    const ignore = new Set(stringListParam(base, 'ignoreNamespaces', ['kube-system']));
    const singles: { kind: string; ns: string; name: string; labels: Record<string, string> }[] = [];
    let overflow = 0;
    let checked = 0;
    const pdbs = new Map<string, LabelSelector[]>();
    const single = (kind: string, o: Deployment | StatefulSet) => {
      const ns = o.metadata.namespace ?? '';
      if (ignore.has(ns)) return;
      checked++;
      if ((o.spec?.replicas ?? 1) !== 1) return;
      if (singles.length < SINGLE_LIMIT) singles.push({ kind, ns, name: o.metadata.name, labels: o.spec?.template?.metadata?.labels ?? {} });
      else overflow++;
    };
    return {
      visit: {
        deployments: (d: Deployment) => single('Deployment', d),
        statefulsets: (s: StatefulSet) => single('StatefulSet', s),
        poddisruptionbudgets: (p: PodDisruptionBudget) => {
          const ns = p.metadata.namespace ?? '';
          if (!p.spec?.selector) return;
          let l = pdbs.get(ns);
          if (!l) pdbs.set(ns, (l = []));
          if (l.length < 1000) l.push(p.spec.selector);
        },
      },
      finish() {
        const problems = env.problems();
        problems.checked = checked;
        const sev = severityParam(base, 'severity', 'warning');
        for (const w of singles) {
          if ((pdbs.get(w.ns) ?? []).some((sel) => selectorMatches(sel, w.labels))) continue;
          const t = `${env.cluster.name}/${w.ns}/${w.kind.toLowerCase()}/${w.name}`;
          const s = env.settings(t);
          if (!s.enabled) continue;
          problems.add({ target: t, group: w.ns, severity: severityParam(s, 'severity', sev), value: 1, message: `${w.kind} ${w.ns}/${w.name} runs one replica and no PodDisruptionBudget covers it: a node drain takes it down`, evidence: { command: `${env.cluster.kubectl} -n ${w.ns} get pdb` } });
        }
        const skipped = overflow > 0 ? ` (${overflow} more single-replica workloads beyond ${SINGLE_LIMIT} were not evaluated)` : '';
        return problems.findings({ ok: `every single-replica Deployment/StatefulSet among ${checked} has a PodDisruptionBudget${skipped}`, noun: `single-replica workloads without a PodDisruptionBudget${skipped}`, unit: 'workloads', ...(overflow > 0 ? { details: { notEvaluated: overflow } } : {}) });
      },
    };
  },
});
