/**
 * Every resource kind the cluster inspection lists, with its API path. This registry is the single
 * source of what Patrol reads from a cluster: the lister only lists kinds named here, and a test
 * checks that deploy/rbac/patrol-inspector-clusterrole.yaml grants `list` on exactly these.
 */
export interface KindInfo {
  /** Registry key, also the plural resource name. */
  readonly name: KindName;
  /** API group ("" for the core group). */
  readonly group: string;
  readonly version: string;
  /** Plural resource name as in RBAC rules and URLs. */
  readonly resource: string;
  /** Object kind, as in `kind:` of its objects. */
  readonly kind: string;
  readonly namespaced: boolean;
  /**
   * Server-side field selector always applied (the checks never need the other objects): only
   * Warning events, only TLS secrets. Both are field selectors the real API server supports.
   */
  readonly fieldSelector?: string;
}

export const KIND_NAMES = [
  'nodes',
  'pods',
  'events',
  'deployments',
  'statefulsets',
  'daemonsets',
  'horizontalpodautoscalers',
  'poddisruptionbudgets',
  'persistentvolumeclaims',
  'persistentvolumes',
  'storageclasses',
  'secrets',
  'jobs',
  'cronjobs',
  'resourcequotas',
] as const;
export type KindName = (typeof KIND_NAMES)[number];

const k = (name: KindName, group: string, version: string, kind: string, namespaced: boolean, fieldSelector?: string): KindInfo => ({
  name,
  group,
  version,
  resource: name,
  kind,
  namespaced,
  ...(fieldSelector ? { fieldSelector } : {}),
});

export const KINDS: Readonly<Record<KindName, KindInfo>> = {
  nodes: k('nodes', '', 'v1', 'Node', false),
  pods: k('pods', '', 'v1', 'Pod', true),
  events: k('events', '', 'v1', 'Event', true, 'type=Warning'),
  deployments: k('deployments', 'apps', 'v1', 'Deployment', true),
  statefulsets: k('statefulsets', 'apps', 'v1', 'StatefulSet', true),
  daemonsets: k('daemonsets', 'apps', 'v1', 'DaemonSet', true),
  horizontalpodautoscalers: k('horizontalpodautoscalers', 'autoscaling', 'v2', 'HorizontalPodAutoscaler', true),
  poddisruptionbudgets: k('poddisruptionbudgets', 'policy', 'v1', 'PodDisruptionBudget', true),
  persistentvolumeclaims: k('persistentvolumeclaims', '', 'v1', 'PersistentVolumeClaim', true),
  persistentvolumes: k('persistentvolumes', '', 'v1', 'PersistentVolume', false),
  storageclasses: k('storageclasses', 'storage.k8s.io', 'v1', 'StorageClass', false),
  secrets: k('secrets', '', 'v1', 'Secret', true, 'type=kubernetes.io/tls'),
  jobs: k('jobs', 'batch', 'v1', 'Job', true),
  cronjobs: k('cronjobs', 'batch', 'v1', 'CronJob', true),
  resourcequotas: k('resourcequotas', '', 'v1', 'ResourceQuota', true),
};

/** The cluster-wide list URL path: /api/v1/pods, /apis/apps/v1/deployments. */
export function listPath(kind: KindInfo): string {
  return kind.group === '' ? `/api/${kind.version}/${kind.resource}` : `/apis/${kind.group}/${kind.version}/${kind.resource}`;
}

/** Non-resource URLs the inspection reads (for the ClusterRole's nonResourceURLs). */
export const NON_RESOURCE_URLS = ['/version', '/readyz', '/livez'] as const;

/** The kubelet configuration through the API server's node proxy (optional, see the configz role). */
export const CONFIGZ_RESOURCE = { group: '', resource: 'nodes/proxy', verb: 'get' } as const;

/** `kubectl` equivalent of listing a kind, for evidence. */
export function kubectlListCommand(kind: KindInfo, context?: string): string {
  const res = kind.group === '' ? kind.resource : `${kind.resource}.${kind.group}`;
  const sel = kind.fieldSelector ? ` --field-selector ${kind.fieldSelector}` : '';
  return `kubectl${context ? ` --context ${context}` : ''} get ${res}${kind.namespaced ? ' -A' : ''}${sel} -o json`;
}
