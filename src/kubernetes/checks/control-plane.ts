import type { FindingDraft } from '../../inspections/check.js';
import { conditionOf, type Pod } from '../model/types.js';
import { defineClusterCheck, stringListParam } from './cluster-check.js';

/** How kube-system pods of each component are recognised (kubeadm static pods and add-ons). */
const COMPONENTS: Record<string, { labels: [string, string][]; prefix: string }> = {
  'kube-apiserver': { labels: [['component', 'kube-apiserver']], prefix: 'kube-apiserver-' },
  'kube-controller-manager': { labels: [['component', 'kube-controller-manager']], prefix: 'kube-controller-manager-' },
  'kube-scheduler': { labels: [['component', 'kube-scheduler']], prefix: 'kube-scheduler-' },
  etcd: { labels: [['component', 'etcd']], prefix: 'etcd-' },
  coredns: { labels: [['k8s-app', 'kube-dns']], prefix: 'coredns-' },
  'kube-proxy': { labels: [['k8s-app', 'kube-proxy']], prefix: 'kube-proxy-' },
};

export const controlPlaneComponents = defineClusterCheck({
  info: {
    id: 'k8s.controlplane.components',
    category: 'cluster',
    title: 'Control-plane and system component pods running and ready',
    description:
      'kube-system pods of kube-apiserver, kube-controller-manager, kube-scheduler, etcd (static pods, label component=...), CoreDNS (k8s-app=kube-dns) and kube-proxy (k8s-app=kube-proxy): one finding per component with how many pods are Running and Ready. Some not ready is a warning, none ready is critical. A component with no pod is `info` (managed control planes such as EKS/GKE hide it; CNIs like Cilium replace kube-proxy) unless listed in `required`.',
    defaults: { components: Object.keys(COMPONENTS), required: [], namespace: 'kube-system' },
    remediation: 'kubectl -n kube-system describe pod POD and its logs; for static pods, the manifest in /etc/kubernetes/manifests and `crictl ps -a` / the kubelet log on the control-plane node.',
    reference: 'KubeEye control-plane component checks; kubernetes-mixin KubeControllerManagerDown/KubeSchedulerDown',
  },
  kinds: ['pods'],
  start(env) {
    const s = env.settings();
    const wanted = stringListParam(s, 'components', Object.keys(COMPONENTS)).filter((c) => COMPONENTS[c]);
    const required = new Set(stringListParam(s, 'required', []));
    const ns = typeof s.namespace === 'string' ? s.namespace : 'kube-system';
    const stats = new Map<string, { total: number; ready: number; notReady: { name: string; phase: string; reason: string }[] }>(wanted.map((c) => [c, { total: 0, ready: 0, notReady: [] }]));
    return {
      visit: {
        pods: (p: Pod) => {
          if (p.metadata.namespace !== ns) return;
          const labels = p.metadata.labels ?? {};
          for (const c of wanted) {
            const def = COMPONENTS[c]!;
            const match = def.labels.some(([k, v]) => labels[k] === v) || (!def.labels.some(([k]) => labels[k] !== undefined) && p.metadata.name.startsWith(def.prefix));
            if (!match) continue;
            const st = stats.get(c)!;
            st.total++;
            const ready = p.status?.phase === 'Running' && conditionOf(p.status?.conditions, 'Ready')?.status === 'True' && !p.metadata.deletionTimestamp;
            if (ready) st.ready++;
            else if (st.notReady.length < 10) {
              const waiting = p.status?.containerStatuses?.find((x) => x.state?.waiting)?.state?.waiting?.reason;
              st.notReady.push({ name: p.metadata.name, phase: p.status?.phase ?? 'Unknown', reason: waiting ?? p.status?.reason ?? conditionOf(p.status?.conditions, 'Ready')?.reason ?? '' });
            }
            break;
          }
        },
      },
      finish() {
        const out: FindingDraft[] = [];
        for (const [c, st] of stats) {
          const t = `${env.cluster.name}/${ns}/${c}`;
          const cs = env.settings(t);
          if (!cs.enabled) continue;
          const evidence = { command: `${env.cluster.kubectl} -n ${ns} get pods -l ${COMPONENTS[c]!.labels.map(([k, v]) => `${k}=${v}`).join(',')} -o wide` };
          if (st.total === 0) {
            out.push({ target: t, severity: required.has(c) ? 'critical' : 'info', value: 0, message: `no ${c} pod in ${ns}${required.has(c) ? '' : ' (managed control plane, or replaced, e.g. kube-proxy by the CNI)'}`, evidence });
            continue;
          }
          const severity = st.ready === 0 ? 'critical' : st.ready < st.total ? 'warning' : 'ok';
          const bad = st.notReady.map((x) => `${x.name} (${x.phase}${x.reason ? `, ${x.reason}` : ''})`).join(', ');
          out.push({
            target: t,
            severity,
            value: st.ready,
            unit: 'pods ready',
            threshold: { expected: st.total },
            message: severity === 'ok' ? `${c}: ${st.ready}/${st.total} pods running and ready` : `${c}: ${st.ready}/${st.total} pods running and ready; not ready: ${bad}`,
            details: { total: st.total, ready: st.ready, notReady: st.notReady },
            evidence,
          });
        }
        return out;
      },
    };
  },
});
