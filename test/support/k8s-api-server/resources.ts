/**
 * The resources the test API server knows, with the discovery data a real API server publishes
 * for them (kubectl resolves `pods`, `deploy`, `cj` through /api and /apis discovery).
 */
export interface ServerResource {
  group: string;
  version: string;
  /** Plural, as in URLs and RBAC. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  /** Fields the API server accepts in fieldSelector for this resource (besides metadata.name/namespace). */
  fields: string[];
}

const READ = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const r = (group: string, version: string, resource: string, singular: string, kind: string, namespaced: boolean, extra: Partial<ServerResource> = {}): ServerResource => ({
  group,
  version,
  resource,
  singular,
  kind,
  namespaced,
  verbs: READ,
  fields: [],
  ...extra,
});

export const SERVER_RESOURCES: ServerResource[] = [
  r('', 'v1', 'namespaces', 'namespace', 'Namespace', false, { shortNames: ['ns'], fields: ['status.phase'] }),
  r('', 'v1', 'nodes', 'node', 'Node', false, { shortNames: ['no'], fields: ['spec.unschedulable'] }),
  r('', 'v1', 'pods', 'pod', 'Pod', true, { shortNames: ['po'], categories: ['all'], fields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'] }),
  r('', 'v1', 'events', 'event', 'Event', true, { shortNames: ['ev'], fields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'] }),
  r('', 'v1', 'secrets', 'secret', 'Secret', true, { fields: ['type'] }),
  r('', 'v1', 'configmaps', 'configmap', 'ConfigMap', true, { shortNames: ['cm'] }),
  r('', 'v1', 'services', 'service', 'Service', true, { shortNames: ['svc'], categories: ['all'] }),
  r('', 'v1', 'persistentvolumeclaims', 'persistentvolumeclaim', 'PersistentVolumeClaim', true, { shortNames: ['pvc'] }),
  r('', 'v1', 'persistentvolumes', 'persistentvolume', 'PersistentVolume', false, { shortNames: ['pv'] }),
  r('', 'v1', 'resourcequotas', 'resourcequota', 'ResourceQuota', true, { shortNames: ['quota'] }),
  r('apps', 'v1', 'deployments', 'deployment', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'] }),
  r('apps', 'v1', 'statefulsets', 'statefulset', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'] }),
  r('apps', 'v1', 'daemonsets', 'daemonset', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'] }),
  r('apps', 'v1', 'replicasets', 'replicaset', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'] }),
  r('batch', 'v1', 'jobs', 'job', 'Job', true, { categories: ['all'], fields: ['status.successful'] }),
  r('batch', 'v1', 'cronjobs', 'cronjob', 'CronJob', true, { shortNames: ['cj'], categories: ['all'] }),
  r('autoscaling', 'v2', 'horizontalpodautoscalers', 'horizontalpodautoscaler', 'HorizontalPodAutoscaler', true, { shortNames: ['hpa'], categories: ['all'] }),
  r('policy', 'v1', 'poddisruptionbudgets', 'poddisruptionbudget', 'PodDisruptionBudget', true, { shortNames: ['pdb'] }),
  r('storage.k8s.io', 'v1', 'storageclasses', 'storageclass', 'StorageClass', false, { shortNames: ['sc'] }),
  r('networking.k8s.io', 'v1', 'ingresses', 'ingress', 'Ingress', true, { shortNames: ['ing'] }),
  r('gateway.networking.k8s.io', 'v1', 'httproutes', 'httproute', 'HTTPRoute', true),
];

/** "pods" or "deployments.apps" -> resource. */
export function findResource(group: string, resource: string): ServerResource | undefined {
  return SERVER_RESOURCES.find((x) => x.group === group && x.resource === resource);
}

export function resourceByKind(apiVersion: string, kind: string): ServerResource | undefined {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return SERVER_RESOURCES.find((x) => x.group === group && x.version === version && x.kind === kind);
}

export const groupVersion = (res: ServerResource) => (res.group === '' ? res.version : `${res.group}/${res.version}`);
