import { levelSeverity } from '../../inspections/check.js';
import type { FindingDraft } from '../../inspections/check.js';
import { describeApiError } from '../client/api-error.js';
import { compareVersions, parseVersion } from '../model/versions.js';
import type { Node } from '../model/types.js';
import type { HealthResult } from '../inspect/probes.js';
import { defineClusterCheck, numParam, thresholds, type CheckEnv } from './cluster-check.js';

export const apiReachable = defineClusterCheck({
  info: {
    id: 'k8s.api.reachable',
    category: 'cluster',
    title: 'API server reachable and credentials accepted',
    description: 'GET /version with the kubeconfig credentials: the API server answers, TLS verifies against the kubeconfig CA and the credentials are accepted. Unreachable, TLS failures, rejected tokens (401) and timeouts are errors (and every other check of the cluster is an error with the same reason). The value is the round trip in milliseconds.',
    defaults: { warning: 1000, critical: 5000 },
    unit: 'ms',
    remediation: 'Check the server address and network path (firewall, proxy, VPN), the CA in the kubeconfig, and that the token or client certificate is valid and not expired (kubectl --context ... get --raw /version).',
    reference: 'kubernetes-mixin KubeAPIDown / KubeClientErrors; the latency thresholds are Patrol defaults',
  },
  kinds: [],
  start(env) {
    return {
      finish() {
        const p = env.probes;
        const s = env.settings();
        const cmd = { command: `${env.cluster.kubectl} get --raw /version` };
        if (p.version) {
          const ms = p.latencyMs ?? 0;
          return [{ target: env.cluster.name, severity: levelSeverity(ms, s), value: ms, threshold: thresholds(s), message: `API server ${env.cluster.server} answered /version (${p.version.gitVersion}) in ${ms} ms`, evidence: { ...cmd, raw: JSON.stringify(p.version) } }];
        }
        if (p.versionError?.code === 'forbidden') return [{ target: env.cluster.name, severity: 'ok', message: `API server ${env.cluster.server} is reachable and accepted the credentials (/version is forbidden to them)`, evidence: cmd }];
        return [{ target: env.cluster.name, severity: 'error', message: describeApiError(p.versionError), evidence: cmd }];
      },
    };
  },
});

function healthFindings(env: CheckEnv, endpoint: 'readyz' | 'livez', h: HealthResult | undefined, error: string | undefined): FindingDraft[] {
  const evidence = { command: `${env.cluster.kubectl} get --raw '/${endpoint}?verbose'`, ...(h ? { raw: h.raw } : {}) };
  if (!h) return [{ target: `${env.cluster.name}/${endpoint}`, severity: 'error', message: `/${endpoint}?verbose could not be read: ${error ?? 'unknown error'}`, evidence }];
  const failed = h.checks.filter((c) => !c.ok);
  const out: FindingDraft[] = h.checks.map((c) => ({
    target: `${env.cluster.name}/${endpoint}/${c.name}`,
    severity: c.ok ? (c.excluded ? 'info' : 'ok') : 'critical',
    value: c.ok,
    message: c.ok ? `${c.name}: ${c.excluded ? 'excluded' : 'ok'}` : `${c.name} failed: ${c.reason ?? 'reason withheld'} (/${endpoint} answered HTTP ${h.status})`,
    evidence,
  }));
  if (h.checks.length === 0) out.push({ target: `${env.cluster.name}/${endpoint}`, severity: h.status === 200 ? 'ok' : 'critical', value: h.status === 200, message: `/${endpoint} answered HTTP ${h.status} without per-check lines`, evidence });
  else if (failed.length > 0) env.log(`${failed.length} /${endpoint} checks failing: ${failed.map((f) => f.name).join(', ')}`);
  return out;
}

export const apiReadyz = defineClusterCheck({
  info: {
    id: 'k8s.api.readyz',
    category: 'cluster',
    title: 'API server readiness checks (/readyz)',
    description: 'Every check listed by /readyz?verbose (etcd, informer-sync, post-start hooks, shutdown...) is one finding: ok when it passes, critical when it fails.',
    defaults: {},
    remediation: 'Look at the failing check: etcd (etcd health and certificates), informer-sync / poststarthook (apiserver logs), shutdown (the API server is terminating). kubectl get --raw "/readyz/<check>" tests one.',
    reference: 'Kubernetes API health endpoints (kubernetes.io/docs/reference/using-api/health-checks)',
  },
  kinds: [],
  start: (env) => ({ finish: () => healthFindings(env, 'readyz', env.probes.readyz, env.probes.readyzError) }),
});

export const apiLivez = defineClusterCheck({
  info: {
    id: 'k8s.api.livez',
    category: 'cluster',
    title: 'API server liveness checks (/livez)',
    description: 'Every check listed by /livez?verbose is one finding: ok when it passes, critical when it fails (the kubelet restarts an API server whose livez fails).',
    defaults: {},
    remediation: 'Look at the failing check in the API server logs (journalctl / crictl logs of kube-apiserver on the control-plane nodes); etcd failures point at etcd.',
    reference: 'Kubernetes API health endpoints (kubernetes.io/docs/reference/using-api/health-checks)',
  },
  kinds: [],
  start: (env) => ({ finish: () => healthFindings(env, 'livez', env.probes.livez, env.probes.livezError) }),
});

function minorOf(v: string, param: string): { major: number; minor: number; patch: number } {
  const p = parseVersion(v);
  if (!p) throw new Error(`${param} must be a version like "1.31", got ${JSON.stringify(v)}`);
  return p;
}

export const apiVersion = defineClusterCheck({
  info: {
    id: 'k8s.api.version',
    category: 'cluster',
    title: 'Kubernetes version of the API server',
    description: 'The API server version (/version). Warning below `warnBelow`, critical below `criticalBelow` (minor versions). Upstream supports the three newest minor releases (about 14 months each): raise the floors as releases age.',
    defaults: { warnBelow: '1.31', criticalBelow: '1.29' },
    remediation: 'Plan the control-plane upgrade one minor version at a time (kubeadm upgrade plan), then the kubelets (see k8s.api.version_skew).',
    reference: 'Kubernetes version skew and support policy (kubernetes.io/releases/version-skew-policy)',
  },
  kinds: [],
  needsVersion: true,
  start(env) {
    return {
      finish() {
        const s = env.settings();
        const git = env.probes.version!.gitVersion;
        const v = parseVersion(git);
        if (!v) return [{ target: env.cluster.name, severity: 'error', message: `unexpected version "${git}"` }];
        const warn = minorOf(String(s.warnBelow ?? '0.0'), 'warnBelow');
        const crit = minorOf(String(s.criticalBelow ?? '0.0'), 'criticalBelow');
        const below = (f: { major: number; minor: number }) => v.major < f.major || (v.major === f.major && v.minor < f.minor);
        const severity = below(crit) ? 'critical' : below(warn) ? 'warning' : 'ok';
        return [
          {
            target: env.cluster.name,
            severity,
            value: git,
            threshold: { warnBelow: s.warnBelow, criticalBelow: s.criticalBelow },
            message: severity === 'ok' ? `API server runs Kubernetes ${git}` : `API server runs Kubernetes ${git}, below the ${severity === 'critical' ? 'critical' : 'warning'} floor ${severity === 'critical' ? String(s.criticalBelow) : String(s.warnBelow)}`,
            evidence: { command: `${env.cluster.kubectl} version`, raw: JSON.stringify(env.probes.version) },
          },
        ];
      },
    };
  },
});

export const apiVersionSkew = defineClusterCheck({
  info: {
    id: 'k8s.api.version_skew',
    category: 'cluster',
    title: 'kubelet version skew against the API server',
    description: 'Minor versions each kubelet is behind the API server, one finding per kubelet version with the nodes running it. kubelets may be up to 3 minors older (since 1.28) and never newer: warning at 3 (the next control-plane upgrade breaks them), critical at 4 or when a kubelet is newer than the API server.',
    defaults: { warning: 3, critical: 4 },
    unit: 'minor versions',
    remediation: 'Upgrade the kubelets of the listed nodes (drain, upgrade kubelet and kubectl packages, restart kubelet, uncordon) before the next control-plane upgrade.',
    reference: 'Kubernetes version skew policy; kubernetes-mixin KubeVersionMismatch',
  },
  kinds: ['nodes'],
  needsVersion: true,
  start(env) {
    const versions = new Map<string, { nodes: number; samples: string[] }>();
    return {
      visit: {
        nodes: (n: Node) => {
          const v = n.status?.nodeInfo?.kubeletVersion ?? 'unknown';
          let e = versions.get(v);
          if (!e) versions.set(v, (e = { nodes: 0, samples: [] }));
          e.nodes++;
          if (e.samples.length < 5) e.samples.push(n.metadata.name);
        },
      },
      finish() {
        const api = parseVersion(env.probes.version!.gitVersion);
        if (!api) return [{ target: env.cluster.name, severity: 'error', message: `unexpected API server version "${env.probes.version!.gitVersion}"` }];
        const s = env.settings();
        const out: FindingDraft[] = [];
        for (const [v, e] of [...versions].sort((a, b) => b[1].nodes - a[1].nodes)) {
          const kv = parseVersion(v);
          const t = `${env.cluster.name}/kubelet/${v}`;
          const evidence = { command: `${env.cluster.kubectl} get nodes -o custom-columns=NAME:.metadata.name,KUBELET:.status.nodeInfo.kubeletVersion` };
          if (!kv) {
            out.push({ target: t, severity: 'warning', value: null, message: `${e.nodes} nodes report no parsable kubelet version (e.g. ${e.samples.join(', ')})`, details: { nodes: e.nodes, samples: e.samples }, evidence });
            continue;
          }
          const skew = (api.major - kv.major) * 100 + (api.minor - kv.minor);
          const newer = compareVersions(kv, api) > 0 && skew < 0;
          const severity = newer ? 'critical' : levelSeverity(skew, { warning: numParam(s, 'warning', 3), critical: numParam(s, 'critical', 4) });
          const msg = newer
            ? `${e.nodes} nodes run kubelet ${v}, newer than the API server ${env.probes.version!.gitVersion} (unsupported)`
            : skew === 0
              ? `${e.nodes} nodes run kubelet ${v}, same minor as the API server`
              : `${e.nodes} nodes run kubelet ${v}, ${skew} minor version${skew === 1 ? '' : 's'} behind the API server ${env.probes.version!.gitVersion}`;
          out.push({ target: t, severity, value: skew, threshold: thresholds(s), message: `${msg} (e.g. ${e.samples.join(', ')})`, details: { nodes: e.nodes, samples: e.samples, apiServer: env.probes.version!.gitVersion }, evidence });
        }
        if (out.length === 0) out.push({ target: env.cluster.name, severity: 'info', message: 'no nodes to compare' });
        return out;
      },
    };
  },
});
