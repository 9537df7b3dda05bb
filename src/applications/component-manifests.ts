import type { Application, Component } from './application-schema.js';

type Obj = Record<string, unknown>;

/** Labels on everything an application creates: the component's selector and the set it belongs to. */
export function componentLabels(app: Application, c: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': c.name, 'app.kubernetes.io/part-of': app.metadata.name, 'app.kubernetes.io/managed-by': 'patrol' };
}

const portsOf = (c: Component) => c.ports.map((p) => (typeof p === 'number' ? { port: p, protocol: 'TCP' as const, name: undefined } : p));

/** The container of a component (also the base of its init jobs), with env, config and volume mounts. */
function container(c: Component): Obj {
  const mounts = [
    ...c.traits.storage.map((s) => ({ name: `pvc-${s.name}`, mountPath: s.mountPath })),
    ...c.traits.configMaps.filter((m) => m.mountPath).map((m) => ({ name: `cm-${m.name}`, mountPath: m.mountPath!, readOnly: true })),
    ...c.traits.secrets.filter((m) => m.mountPath).map((m) => ({ name: `secret-${m.name}`, mountPath: m.mountPath!, readOnly: true })),
  ];
  const envFrom = [...c.traits.configMaps.filter((m) => !m.mountPath).map((m) => ({ configMapRef: { name: m.name } })), ...c.traits.secrets.filter((m) => !m.mountPath).map((m) => ({ secretRef: { name: m.name } }))];
  const ports = portsOf(c);
  return {
    name: c.name,
    image: c.image,
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    ...(ports.length > 0 ? { ports: ports.map((p) => ({ containerPort: p.port, protocol: p.protocol, ...(p.name ? { name: p.name } : {}) })) } : {}),
    ...(Object.keys(c.env).length > 0 ? { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) } : {}),
    ...(envFrom.length > 0 ? { envFrom } : {}),
    ...(c.resources ? { resources: c.resources } : {}),
    ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
  };
}

function volumes(c: Component): Obj[] {
  return [
    ...c.traits.storage.map((s) => ({ name: `pvc-${s.name}`, persistentVolumeClaim: { claimName: s.name } })),
    ...c.traits.configMaps.filter((m) => m.mountPath).map((m) => ({ name: `cm-${m.name}`, configMap: { name: m.name } })),
    ...c.traits.secrets.filter((m) => m.mountPath).map((m) => ({ name: `secret-${m.name}`, secret: { secretName: m.name } })),
  ];
}

/** Workload, Service (when it has ports) and Ingress or HTTPRoute (when exposed). */
export function componentObjects(app: Application, c: Component): Obj[] {
  const ns = app.metadata.namespace;
  const labels = componentLabels(app, c);
  const selector = { 'app.kubernetes.io/name': c.name, 'app.kubernetes.io/part-of': app.metadata.name };
  const vols = volumes(c);
  const podSpec = { containers: [container(c)], ...(vols.length > 0 ? { volumes: vols } : {}) };
  const out: Obj[] = [
    {
      apiVersion: 'apps/v1',
      kind: c.workload,
      metadata: { name: c.name, namespace: ns, labels },
      spec: { replicas: c.replicas, selector: { matchLabels: selector }, ...(c.workload === 'StatefulSet' ? { serviceName: c.name } : {}), template: { metadata: { labels }, spec: podSpec } },
    },
  ];
  const ports = portsOf(c);
  if (ports.length > 0) {
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: c.name, namespace: ns, labels }, spec: { selector, ports: ports.map((p) => ({ name: p.name ?? `p${p.port}`, port: p.port, targetPort: p.port, protocol: p.protocol })) } });
  }
  const expose = c.traits.expose;
  const port = (given: number | undefined) => given ?? ports[0]?.port ?? 80;
  if (expose && 'ingress' in expose) {
    const i = expose.ingress;
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: c.name, namespace: ns, labels },
      spec: {
        ...(i.className ? { ingressClassName: i.className } : {}),
        ...(i.tlsSecret ? { tls: [{ hosts: [i.host], secretName: i.tlsSecret }] } : {}),
        rules: [{ host: i.host, http: { paths: [{ path: i.path, pathType: 'Prefix', backend: { service: { name: c.name, port: { number: port(i.port) } } } }] } }],
      },
    });
  } else if (expose && 'httpRoute' in expose) {
    const r = expose.httpRoute;
    out.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: c.name, namespace: ns, labels },
      spec: {
        parentRefs: [{ name: r.gateway, ...(r.gatewayNamespace ? { namespace: r.gatewayNamespace } : {}) }],
        ...(r.hostnames.length > 0 ? { hostnames: r.hostnames } : {}),
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: r.path } }], backendRefs: [{ name: c.name, port: port(r.port) }] }],
      },
    });
  }
  return out;
}

/** The PVCs a component's storage traits create (`create: true`); the others are references only. */
export function componentClaims(app: Application, c: Component): Obj[] {
  return c.traits.storage
    .filter((s) => s.create)
    .map((s) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: s.name, namespace: app.metadata.namespace, labels: componentLabels(app, c) },
      spec: { accessModes: s.accessModes, resources: { requests: { storage: String(s.size) } }, ...(s.storageClass ? { storageClassName: s.storageClass } : {}) },
    }));
}

export interface ConfigObject {
  object: Obj;
  /** Components whose definitions were overridden by a later one, in order ("redis", then "web" wins). */
  definedBy: string[];
}

/**
 * ConfigMaps and Secrets with `data`, one object per name: definitions are taken in component
 * order (configMaps before secrets within a component) and a later definition of a name replaces
 * an earlier one entirely. Names without `data` are references: nothing is created for them.
 */
export function configObjects(app: Application): ConfigObject[] {
  const byKey = new Map<string, ConfigObject>();
  for (const c of app.spec.components) {
    const defs = [...c.traits.configMaps.map((d) => ['ConfigMap', d] as const), ...c.traits.secrets.map((d) => ['Secret', d] as const)];
    for (const [kind, d] of defs) {
      if (d.data === undefined) continue;
      const key = `${kind}/${d.name}`;
      const object = { apiVersion: 'v1', kind, metadata: { name: d.name, namespace: app.metadata.namespace, labels: { 'app.kubernetes.io/part-of': app.metadata.name, 'app.kubernetes.io/managed-by': 'patrol' } }, ...(kind === 'Secret' ? { type: 'Opaque', stringData: d.data } : { data: d.data }) };
      byKey.set(key, { object, definedBy: [...(byKey.get(key)?.definedBy ?? []), c.name] });
    }
  }
  return [...byKey.values()];
}
