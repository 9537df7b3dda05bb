import type { K8sObject } from './helm.js';

/**
 * Cross-object checks of a rendered chart that no single-object schema catches: selectors that
 * select the pods they are meant to, ports and volumes referenced by name that exist, Secrets and
 * roles that exist (or are declared external), $(VAR) references defined before use, and the
 * pod security baseline (non-root, no privilege escalation, read-only root filesystem).
 */

type Labels = Record<string, string>;

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
export interface PodTemplate {
  owner: string;
  labels: Labels;
  serviceAccountName?: string;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  claimTemplates: string[];
}

function ref(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

export function selects(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The pod templates of Deployments, StatefulSets, DaemonSets and Jobs. */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) continue;
    const spec = o.spec as { template: { metadata?: { labels?: Labels }; spec: Record<string, unknown> }; volumeClaimTemplates?: { metadata: { name: string } }[] };
    const pod = spec.template.spec as { serviceAccountName?: string; containers: Container[]; initContainers?: Container[]; volumes?: PodTemplate['volumes']; securityContext?: PodTemplate['securityContext'] };
    out.push({
      owner: ref(o),
      labels: spec.template.metadata?.labels ?? {},
      ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
      containers: [...pod.containers, ...(pod.initContainers ?? [])],
      volumes: pod.volumes ?? [],
      ...(pod.securityContext ? { securityContext: pod.securityContext } : {}),
      claimTemplates: (spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name),
    });
  }
  return out;
}

export interface ConsistencyOptions {
  /** Secrets the chart expects to exist already (existingSecret values). */
  externalSecrets?: string[];
  /** ClusterRoles the chart binds without creating them. */
  externalClusterRoles?: string[];
}

export function consistencyProblems(objects: K8sObject[], opts: ConsistencyOptions = {}): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const names = (kind: string) => new Set(byKind(kind).map((o) => o.metadata.name));
  const secrets = new Set([...names('Secret'), ...(opts.externalSecrets ?? [])]);
  const pods = podTemplates(objects);

  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(key)) problems.push(`${ref(o)} is rendered twice`);
    seen.add(key);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.metadata.name) || o.metadata.name.length > 63) problems.push(`${ref(o)}: invalid name`);
  }

  for (const o of objects.filter((x) => ['Deployment', 'StatefulSet'].includes(x.kind))) {
    const spec = o.spec as { selector: { matchLabels: Labels }; template: { metadata: { labels: Labels } } };
    if (!selects(spec.selector.matchLabels, spec.template.metadata.labels)) problems.push(`${ref(o)}: selector ${JSON.stringify(spec.selector.matchLabels)} does not match its pod template's labels`);
    const others = pods.filter((p) => p.owner !== ref(o) && selects(spec.selector.matchLabels, p.labels));
    if (others.length > 0) problems.push(`${ref(o)}: selector also selects the pods of ${others.map((p) => p.owner).join(', ')}`);
  }

  for (const p of pods) {
    const volumeNames = new Set([...p.volumes.map((v) => v.name), ...p.claimTemplates]);
    if (p.serviceAccountName && p.serviceAccountName !== 'default' && !names('ServiceAccount').has(p.serviceAccountName)) problems.push(`${p.owner}: ServiceAccount ${p.serviceAccountName} is not rendered`);
    for (const v of p.volumes) {
      if (v.secret && !secrets.has(v.secret.secretName)) problems.push(`${p.owner}: volume ${v.name} mounts Secret ${v.secret.secretName}, which is neither rendered nor external`);
      if (v.configMap && !names('ConfigMap').has(v.configMap.name)) problems.push(`${p.owner}: volume ${v.name} mounts ConfigMap ${v.configMap.name}, which is not rendered`);
    }
    if (p.securityContext?.runAsNonRoot !== true) problems.push(`${p.owner}: pod securityContext.runAsNonRoot is not true`);
    if (p.securityContext?.runAsUser === 0) problems.push(`${p.owner}: runs as uid 0`);
    for (const c of p.containers) {
      const where = `${p.owner} container ${c.name}`;
      for (const m of c.volumeMounts ?? []) if (!volumeNames.has(m.name)) problems.push(`${where}: volumeMount ${m.name} has no volume`);
      const defined = new Set<string>();
      for (const e of c.env ?? []) {
        for (const [, name] of (e.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) if (!defined.has(name!)) problems.push(`${where}: env ${e.name} uses $(${name}), which is not defined before it`);
        const s = e.valueFrom?.secretKeyRef;
        if (s && !secrets.has(s.name)) problems.push(`${where}: env ${e.name} reads Secret ${s.name}, which is neither rendered nor external`);
        defined.add(e.name);
      }
      const portNames = new Set((c.ports ?? []).flatMap((x) => (x.name ? [x.name] : [])));
      const portNumbers = new Set((c.ports ?? []).map((x) => x.containerPort));
      for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
        const probe = c[kind];
        if (!probe) continue;
        const port = probe.httpGet?.port;
        if (typeof port === 'string' && !portNames.has(port)) problems.push(`${where}: ${kind} uses port ${port}, which the container does not declare`);
        if (typeof port === 'number' && !portNumbers.has(port)) problems.push(`${where}: ${kind} uses port ${port}, which the container does not declare`);
      }
      if (!c.livenessProbe || !c.readinessProbe) problems.push(`${where}: needs liveness and readiness probes`);
      const sc = c.securityContext;
      if (sc?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc?.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
      if (!sc?.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
    }
  }

  for (const s of byKind('Service')) {
    const spec = s.spec as { selector?: Labels; ports: { name?: string; targetPort?: string | number }[] };
    const selected = pods.filter((p) => selects(spec.selector, p.labels));
    if (selected.length === 0) problems.push(`${ref(s)} selects no pods`);
    for (const port of spec.ports) {
      if (typeof port.targetPort !== 'string') continue;
      for (const p of selected) if (!p.containers.some((c) => (c.ports ?? []).some((x) => x.name === port.targetPort))) problems.push(`${ref(s)}: targetPort ${port.targetPort} is not a port of ${p.owner}`);
    }
  }

  for (const pdb of byKind('PodDisruptionBudget')) {
    const sel = (pdb.spec as { selector: { matchLabels?: Labels } }).selector.matchLabels;
    if (!pods.some((p) => selects(sel, p.labels))) problems.push(`${ref(pdb)}: selector selects no pods`);
  }

  for (const np of byKind('NetworkPolicy')) {
    const sel = (np.spec as { podSelector: { matchLabels?: Labels } }).podSelector.matchLabels;
    if (!pods.some((p) => selects(sel, p.labels))) problems.push(`${ref(np)}: podSelector selects no pods`);
  }

  for (const ing of byKind('Ingress')) {
    for (const rule of (ing.spec as { rules: { http: { paths: { backend: { service: { name: string; port: { name?: string; number?: number } } } }[] } }[] }).rules) {
      for (const path of rule.http.paths) {
        const svc = byKind('Service').find((s) => s.metadata.name === path.backend.service.name);
        if (!svc) problems.push(`${ref(ing)}: backend Service ${path.backend.service.name} is not rendered`);
        else if (path.backend.service.port.name && !(svc.spec as { ports: { name?: string }[] }).ports.some((x) => x.name === path.backend.service.port.name)) problems.push(`${ref(ing)}: Service ${svc.metadata.name} has no port ${path.backend.service.port.name}`);
      }
    }
  }

  const clusterRoles = new Set([...names('ClusterRole'), ...(opts.externalClusterRoles ?? [])]);
  for (const b of [...byKind('RoleBinding'), ...byKind('ClusterRoleBinding')]) {
    const roleRef = (b as unknown as { roleRef: { kind: string; name: string } }).roleRef;
    const exists = roleRef.kind === 'ClusterRole' ? clusterRoles.has(roleRef.name) : byKind('Role').some((r) => r.metadata.name === roleRef.name && r.metadata.namespace === b.metadata.namespace);
    if (!exists) problems.push(`${ref(b)}: ${roleRef.kind} ${roleRef.name} is neither rendered nor external`);
    for (const s of (b as unknown as { subjects: { kind: string; name: string }[] }).subjects) {
      if (s.kind === 'ServiceAccount' && !names('ServiceAccount').has(s.name)) problems.push(`${ref(b)}: ServiceAccount ${s.name} is not rendered`);
    }
  }
  return problems;
}
