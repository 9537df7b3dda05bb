/**
 * Builders of Kubernetes objects shaped exactly as kube-apiserver v1.32 returns them in lists
 * (field order of the Go structs, managedFields, the conditions and statuses kubelet and the
 * controllers write), modelled on `kubectl get -o json` dumps of kubeadm clusters. List items
 * carry no kind/apiVersion (the API server omits them in typed lists); the server adds them on GET.
 */

export type Obj = Record<string, unknown> & { metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string } };

/** RFC 3339 in seconds, as metav1.Time serialises. */
export const ts = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
/** MicroTime (events.k8s.io eventTime). */
export const microTs = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

const ownerRef = (o: Owner) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: true, blockOwnerDeletion: true });

// ------------------------------------------------------------------------------------------------
// Pods

export type PodState =
  | 'running'
  | 'crashloop'
  | 'oomkilled'
  | 'imagepull'
  | 'errimagepull'
  | 'unschedulable'
  | 'containercreating'
  | 'terminating'
  | 'succeeded'
  | 'evicted';

export interface ContainerSpec {
  name: string;
  image: string;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  port?: number;
  probes?: boolean;
  env?: Record<string, string>;
}

export interface PodParams {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  created: number;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: Owner;
  generateName?: string;
  node?: string;
  hostIP?: string;
  podIP?: string;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  state: PodState;
  restarts?: number;
  /** For unschedulable pods: the scheduler's message. */
  schedulerMessage?: string;
  /** Terminating: when deletion was requested. */
  deletedAt?: number;
  serviceAccount?: string;
  priorityClassName?: string;
  priority?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  hostNetwork?: boolean;
  /** Static (mirror) pod of a control-plane component. */
  mirror?: boolean;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  /** Container runtime id seed. */
  hash: string;
}

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function qosClass(cs: ContainerSpec[]): string {
  let any = false;
  let guaranteed = true;
  for (const c of cs) {
    const r = c.requests ?? {};
    const l = c.limits ?? {};
    if (Object.keys(r).length || Object.keys(l).length) any = true;
    for (const res of ['cpu', 'memory']) {
      const lim = l[res];
      const req = r[res] ?? lim;
      if (lim === undefined || req !== lim) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function resources(c: ContainerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.limits) out.limits = c.limits;
  if (c.requests) out.requests = c.requests;
  return out;
}

function containerSpec(c: ContainerSpec, kubeApiAccess: string, mirror = false): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    ...(c.port ? { ports: [{ name: 'http', containerPort: c.port, protocol: 'TCP' }] } : {}),
    ...(c.env ? { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) } : {}),
    resources: resources(c),
    volumeMounts: mirror ? [{ name: 'k8s-certs', readOnly: true, mountPath: '/etc/kubernetes/pki' }] : [{ name: kubeApiAccess, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
    ...(c.probes && c.port
      ? {
          livenessProbe: { httpGet: { path: '/healthz', port: c.port, scheme: 'HTTP' }, initialDelaySeconds: 10, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          readinessProbe: { httpGet: { path: '/ready', port: c.port, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
        }
      : {}),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: c.image.endsWith(':latest') || !/:[^/]+$/.test(c.image) ? 'Always' : 'IfNotPresent',
  };
}

function imageId(image: string, hash: string): string {
  const repo = image.replace(/[:@].*$/, '');
  const full = repo.includes('/') && /[.:]/.test(repo.split('/')[0]!) ? repo : `docker.io/${repo.includes('/') ? repo : `library/${repo}`}`;
  return `${full}@sha256:${hash.padEnd(64, '0').slice(0, 64)}`;
}

const cond = (type: string, status: string, at: string, extra: Record<string, unknown> = {}) => ({ type, status, lastProbeTime: null, lastTransitionTime: at, ...extra });

export function buildPod(p: PodParams): Obj {
  const created = ts(p.created);
  const started = ts(p.created + 2000);
  const api = `kube-api-access-${p.hash.slice(0, 5)}`;
  const fieldsContainers: Record<string, unknown> = {};
  for (const c of p.containers) {
    fieldsContainers[`k:{"name":"${c.name}"}`] = { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': { '.': {}, ...(c.limits ? { 'f:limits': {} } : {}), ...(c.requests ? { 'f:requests': {} } : {}) }, 'f:terminationMessagePath': {}, 'f:terminationMessagePolicy': {} };
  }
  const managedFields: Record<string, unknown>[] = [
    {
      manager: p.owner ? 'kube-controller-manager' : p.mirror ? 'kubelet' : 'kubectl-client-side-apply',
      operation: 'Update',
      apiVersion: 'v1',
      time: created,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          ...(p.generateName ? { 'f:generateName': {} } : {}),
          'f:labels': Object.fromEntries([['.', {}], ...Object.keys(p.labels).map((k) => [`f:${k}`, {}])]),
          ...(p.owner ? { 'f:ownerReferences': { '.': {}, [`k:{"uid":"${p.owner.uid}"}`]: {} } } : {}),
        },
        'f:spec': { 'f:containers': fieldsContainers, 'f:dnsPolicy': {}, 'f:enableServiceLinks': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {}, 'f:terminationGracePeriodSeconds': {} },
      },
    },
  ];
  if (p.state !== 'unschedulable') {
    managedFields.push({
      manager: 'kubelet',
      operation: 'Update',
      apiVersion: 'v1',
      time: started,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:status': {
          'f:conditions': {
            'k:{"type":"ContainersReady"}': { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} },
            'k:{"type":"Initialized"}': { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} },
            'k:{"type":"PodReadyToStartContainers"}': { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} },
            'k:{"type":"Ready"}': { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} },
          },
          'f:containerStatuses': {},
          'f:hostIP': {},
          'f:hostIPs': {},
          'f:phase': {},
          'f:podIP': {},
          'f:podIPs': { '.': {}, [`k:{"ip":"${p.podIP ?? '10.244.0.1'}"}`]: { '.': {}, 'f:ip': {} } },
          'f:startTime': {},
        },
      },
      subresource: 'status',
    });
  } else {
    managedFields.push({ manager: 'kube-scheduler', operation: 'Update', apiVersion: 'v1', time: created, fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"PodScheduled"}': { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } } }, subresource: 'status' });
  }
  const metadata: Record<string, unknown> = {
    name: p.name,
    ...(p.generateName ? { generateName: p.generateName } : {}),
    namespace: p.namespace,
    uid: p.uid,
    resourceVersion: p.resourceVersion,
    creationTimestamp: created,
    ...(p.state === 'terminating' && p.deletedAt ? { deletionTimestamp: ts(p.deletedAt + 30_000), deletionGracePeriodSeconds: 30 } : {}),
    labels: p.labels,
    ...(p.annotations ? { annotations: p.annotations } : {}),
    ...(p.owner ? { ownerReferences: [ownerRef(p.owner)] } : {}),
    managedFields,
  };
  const spec: Record<string, unknown> = {
    volumes: p.mirror
      ? [{ name: 'k8s-certs', hostPath: { path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate' } }]
      : [
          {
            name: api,
            projected: {
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
              ],
              defaultMode: 420,
            },
          },
        ],
    ...(p.initContainers ? { initContainers: p.initContainers.map((c) => containerSpec(c, api)) } : {}),
    containers: p.containers.map((c) => containerSpec(c, api, p.mirror)),
    restartPolicy: p.restartPolicy ?? 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: p.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
    ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
    serviceAccountName: p.serviceAccount ?? 'default',
    serviceAccount: p.serviceAccount ?? 'default',
    ...(p.node && p.state !== 'unschedulable' ? { nodeName: p.node } : {}),
    ...(p.hostNetwork ? { hostNetwork: true } : {}),
    securityContext: {},
    schedulerName: 'default-scheduler',
    tolerations: p.tolerations ?? DEFAULT_TOLERATIONS,
    ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    priority: p.priority ?? 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  return { metadata, spec, status: podStatus(p, created, started) } as unknown as Obj;
}

function podStatus(p: PodParams, created: string, started: string): Record<string, unknown> {
  const qos = qosClass(p.containers);
  if (p.state === 'unschedulable') {
    return {
      phase: 'Pending',
      conditions: [cond('PodScheduled', 'False', created, { reason: 'Unschedulable', message: p.schedulerMessage ?? '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.' })],
      qosClass: qos,
    };
  }
  const hostIP = p.hostIP ?? '10.0.0.10';
  const podIP = p.hostNetwork ? hostIP : (p.podIP ?? '10.244.0.10');
  const base = { hostIP, hostIPs: [{ ip: hostIP }], podIP, podIPs: [{ ip: podIP }], startTime: created };
  const names = p.containers.map((c) => c.name).join(' ');
  const restarts = p.restarts ?? 0;
  const runtimeId = (i: number) => `containerd://${(p.hash + String(i)).padEnd(64, 'a').slice(0, 64)}`;
  const statuses = p.containers.map((c, i) => {
    const common = { name: c.name, image: c.image.includes('/') || c.image.includes(':') ? c.image : `docker.io/library/${c.image}:latest`, imageID: imageId(c.image, p.hash), containerID: runtimeId(i) };
    const terminatedBefore = (reason: string, exitCode: number) => ({ terminated: { exitCode, reason, startedAt: started, finishedAt: ts(Date.parse(started) + 60_000), containerID: runtimeId(i + 10) } });
    switch (p.state) {
      case 'crashloop':
        return i === 0
          ? { ...common, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name} pod=${p.name}_${p.namespace}(${p.uid})` } }, lastState: terminatedBefore('Error', 1), ready: false, restartCount: Math.max(restarts, 5), started: false }
          : { ...common, state: { running: { startedAt: started } }, lastState: {}, ready: true, restartCount: 0, started: true };
      case 'oomkilled':
        return i === 0
          ? { ...common, state: { running: { startedAt: ts(Date.parse(started) + 120_000) } }, lastState: terminatedBefore('OOMKilled', 137), ready: true, restartCount: Math.max(restarts, 1), started: true }
          : { ...common, state: { running: { startedAt: started } }, lastState: {}, ready: true, restartCount: 0, started: true };
      case 'imagepull':
      case 'errimagepull': {
        const reason = p.state === 'imagepull' ? 'ImagePullBackOff' : 'ErrImagePull';
        const message = p.state === 'imagepull' ? `Back-off pulling image "${c.image}"` : `failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": not found`;
        const { containerID: _c, ...noId } = common;
        return i === 0 ? { ...noId, imageID: '', state: { waiting: { reason, message } }, lastState: {}, ready: false, restartCount: 0, started: false } : { ...common, state: { running: { startedAt: started } }, lastState: {}, ready: true, restartCount: 0, started: true };
      }
      case 'containercreating': {
        const { containerID: _c, ...noId } = common;
        return { ...noId, imageID: '', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, started: false };
      }
      case 'succeeded':
        return { ...common, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: ts(Date.parse(started) + 45_000), containerID: common.containerID } }, lastState: {}, ready: false, restartCount: 0, started: false };
      case 'evicted':
        return { ...common, state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: null, finishedAt: null } }, lastState: {}, ready: false, restartCount: 0, started: false };
      default:
        return {
          ...common,
          state: { running: { startedAt: restarts > 0 ? ts(Date.parse(started) + 600_000) : started } },
          lastState: restarts > 0 ? terminatedBefore('Error', 2) : {},
          ready: true,
          restartCount: restarts,
          started: true,
        };
    }
  });
  const notReady = p.state === 'crashloop' || p.state === 'imagepull' || p.state === 'errimagepull' || p.state === 'containercreating';
  const unready = `containers with unready status: [${p.containers[0]!.name}]`;
  if (p.state === 'succeeded') {
    return {
      phase: 'Succeeded',
      conditions: [cond('PodReadyToStartContainers', 'False', started), cond('Initialized', 'True', created, { reason: 'PodCompleted' }), cond('Ready', 'False', started, { reason: 'PodCompleted' }), cond('ContainersReady', 'False', started, { reason: 'PodCompleted' }), cond('PodScheduled', 'True', created)],
      ...base,
      containerStatuses: statuses,
      qosClass: qos,
    };
  }
  if (p.state === 'evicted') {
    return {
      phase: 'Failed',
      conditions: [cond('PodReadyToStartContainers', 'False', started), cond('Initialized', 'True', created), cond('Ready', 'False', started, { reason: 'PodFailed' }), cond('ContainersReady', 'False', started, { reason: 'PodFailed' }), cond('PodScheduled', 'True', created), cond('DisruptionTarget', 'True', started, { reason: 'TerminationByKubelet', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91236Ki. ' })],
      message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91236Ki. ',
      reason: 'Evicted',
      ...base,
      containerStatuses: statuses,
      qosClass: qos,
    };
  }
  const pending = p.state === 'imagepull' || p.state === 'errimagepull' || p.state === 'containercreating';
  return {
    phase: pending ? 'Pending' : 'Running',
    conditions: [
      cond('PodReadyToStartContainers', p.state === 'containercreating' ? 'False' : 'True', started),
      cond('Initialized', 'True', created),
      notReady ? cond('Ready', 'False', started, { reason: 'ContainersNotReady', message: unready }) : cond('Ready', 'True', started),
      notReady ? cond('ContainersReady', 'False', started, { reason: 'ContainersNotReady', message: unready }) : cond('ContainersReady', 'True', started),
      cond('PodScheduled', 'True', created),
    ],
    ...base,
    containerStatuses: statuses.map((s) => ({ ...s, volumeMounts: [{ name: `kube-api-access-${p.hash.slice(0, 5)}`, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true, recursiveReadOnly: 'Disabled' }] })),
    qosClass: qos,
    ...(names ? {} : {}),
  };
}

// ------------------------------------------------------------------------------------------------
// Nodes

export interface NodeParams {
  name: string;
  uid: string;
  resourceVersion: string;
  created: number;
  now: number;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  cpu: number;
  memoryGi: number;
  pods?: number;
  gpus?: number;
  /** Allocatable GPUs when fewer than capacity (unhealthy devices). */
  gpusAllocatable?: number;
  ready?: 'True' | 'False' | 'Unknown';
  memoryPressure?: boolean;
  diskPressure?: boolean;
  pidPressure?: boolean;
  networkUnavailable?: boolean;
  unschedulable?: boolean;
  taints?: { key: string; value?: string; effect: string; timeAdded?: string }[];
  kubeletVersion: string;
  internalIP: string;
  podCIDR: string;
  images?: number;
  osImage?: string;
  kernelVersion?: string;
}

const IMAGES = [
  ['registry.k8s.io/etcd@sha256:a6dc63e6e8cfa0307d7851762fa6b629afb18f28d8aa3fab5a6e91b4af60026a', 'registry.k8s.io/etcd:3.5.16-0', 56909194],
  ['registry.k8s.io/kube-apiserver@sha256:2e6a2ce8d8c2c1f1b7b1c4d2e1c6f2c1a6b3d4e5f6a7b8c9d0e1f2a3b4c5d6e7', 'registry.k8s.io/kube-apiserver:v1.32.4', 28680136],
  ['registry.k8s.io/kube-proxy@sha256:6b1c5e3d4a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d', 'registry.k8s.io/kube-proxy:v1.32.4', 30907622],
  ['quay.io/prometheus/node-exporter@sha256:4032c6d5bf7d13d9bd0b4a3ad8a8f2f1c4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9', 'quay.io/prometheus/node-exporter:v1.8.2', 12219232],
  ['registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a', 'registry.k8s.io/pause:3.10', 320368],
  ['docker.io/calico/node@sha256:9a0cbde7b9a4ee6f2b7d4a6f3c2e1d0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d', 'docker.io/calico/node:v3.28.2', 144320481],
  ['docker.io/calico/cni@sha256:1f2e3d4c5b6a79881726354453627180918273645546372819ab0cd9ef8a7b6c', 'docker.io/calico/cni:v3.28.2', 94518311],
  ['registry.k8s.io/coredns/coredns@sha256:9caabbf6238b189a65d0d6e6ac138de60d6a1c419e5a341fbbb7c78382559c6e', 'registry.k8s.io/coredns/coredns:v1.11.3', 18562039],
];

export function buildNode(p: NodeParams): Obj {
  const created = ts(p.created);
  const hb = ts(p.now - 20_000);
  const gpus = p.gpus ?? 0;
  const capacity: Record<string, string> = { cpu: String(p.cpu), 'ephemeral-storage': '203070420Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${p.memoryGi * 1024 * 1024}Ki`, ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}), pods: String(p.pods ?? 110) };
  const allocatable: Record<string, string> = {
    cpu: p.cpu >= 8 ? `${p.cpu * 1000 - 200}m` : `${p.cpu * 1000 - 100}m`,
    'ephemeral-storage': '187149781926',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${p.memoryGi * 1024 * 1024 - 1024 * 1024}Ki`,
    ...(gpus ? { 'nvidia.com/gpu': String(p.gpusAllocatable ?? gpus) } : {}),
    pods: String(p.pods ?? 110),
  };
  const ready = p.ready ?? 'True';
  const readyCond =
    ready === 'True'
      ? { type: 'Ready', status: 'True', lastHeartbeatTime: hb, lastTransitionTime: created, reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : ready === 'Unknown'
        ? { type: 'Ready', status: 'Unknown', lastHeartbeatTime: ts(p.now - 3_600_000), lastTransitionTime: ts(p.now - 3_500_000), reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }
        : { type: 'Ready', status: 'False', lastHeartbeatTime: hb, lastTransitionTime: ts(p.now - 1_800_000), reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized' };
  const pressure = (type: string, on: boolean | undefined, okReason: string, okMsg: string, badReason: string, badMsg: string) =>
    on ? { type, status: 'True', lastHeartbeatTime: hb, lastTransitionTime: ts(p.now - 900_000), reason: badReason, message: badMsg } : { type, status: 'False', lastHeartbeatTime: hb, lastTransitionTime: created, reason: okReason, message: okMsg };
  const conditions = [
    p.networkUnavailable
      ? { type: 'NetworkUnavailable', status: 'True', lastHeartbeatTime: ts(p.now - 600_000), lastTransitionTime: ts(p.now - 600_000), reason: 'CalicoIsDown', message: 'Calico is shutting down on this node' }
      : { type: 'NetworkUnavailable', status: 'False', lastHeartbeatTime: ts(p.created + 60_000), lastTransitionTime: ts(p.created + 60_000), reason: 'CalicoIsUp', message: 'Calico is running on this node' },
    pressure('MemoryPressure', p.memoryPressure, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'),
    pressure('DiskPressure', p.diskPressure, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', 'KubeletHasDiskPressure', 'kubelet has disk pressure'),
    pressure('PIDPressure', p.pidPressure, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available'),
    readyCond,
  ];
  const taints = [...(p.taints ?? [])];
  if (p.unschedulable) taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: ts(p.now - 7_200_000) });
  if (ready !== 'True') taints.push({ key: ready === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: ts(p.now - 1_800_000) });
  const images = IMAGES.slice(0, p.images ?? IMAGES.length).map(([digest, tag, size]) => ({ names: [digest, tag], sizeBytes: size }));
  return {
    metadata: {
      name: p.name,
      uid: p.uid,
      resourceVersion: p.resourceVersion,
      creationTimestamp: created,
      labels: p.labels,
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'projectcalico.org/IPv4Address': `${p.internalIP}/24`,
        'projectcalico.org/IPv4IPIPTunnelAddr': p.podCIDR.replace(/0\/24$/, '1'),
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...(p.annotations ?? {}),
      },
      managedFields: [
        { manager: 'kubeadm', operation: 'Update', apiVersion: 'v1', time: created, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:kubeadm.alpha.kubernetes.io/cri-socket': {} } } } },
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: ts(p.created + 30_000), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:node.alpha.kubernetes.io/ttl': {} } }, 'f:spec': { 'f:podCIDR': {}, 'f:podCIDRs': { '.': {}, [`v:"${p.podCIDR}"`]: {} } } } },
        { manager: 'calico-node', operation: 'Update', apiVersion: 'v1', time: ts(p.created + 60_000), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:projectcalico.org/IPv4Address': {}, 'f:projectcalico.org/IPv4IPIPTunnelAddr': {} } }, 'f:status': { 'f:conditions': { 'k:{"type":"NetworkUnavailable"}': { '.': {}, 'f:lastHeartbeatTime': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } } }, subresource: 'status' },
        { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: hb, fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:allocatable': {}, 'f:capacity': {}, 'f:conditions': { 'k:{"type":"DiskPressure"}': { 'f:lastHeartbeatTime': {} }, 'k:{"type":"MemoryPressure"}': { 'f:lastHeartbeatTime': {} }, 'k:{"type":"PIDPressure"}': { 'f:lastHeartbeatTime': {} }, 'k:{"type":"Ready"}': { 'f:lastHeartbeatTime': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {} } }, 'f:images': {}, 'f:nodeInfo': { 'f:bootID': {} } } }, subresource: 'status' },
      ],
    },
    spec: { podCIDR: p.podCIDR, podCIDRs: [p.podCIDR], ...(taints.length ? { taints } : {}), ...(p.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity,
      allocatable,
      conditions,
      addresses: [
        { type: 'InternalIP', address: p.internalIP },
        { type: 'Hostname', address: p.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: p.uid.replace(/-/g, ''),
        systemUUID: p.uid.toUpperCase(),
        bootID: p.uid.split('').reverse().join(''),
        kernelVersion: p.kernelVersion ?? '5.15.0-125-generic',
        osImage: p.osImage ?? 'Ubuntu 22.04.5 LTS',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: p.kubeletVersion,
        kubeProxyVersion: p.kubeletVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images,
      runtimeHandlers: [
        { name: 'runc', features: { recursiveReadOnlyMounts: true, userNamespaces: true } },
        { name: '', features: { recursiveReadOnlyMounts: true, userNamespaces: true } },
      ],
      features: { supplementalGroupsPolicy: true },
    },
  } as unknown as Obj;
}

/** The kubelet's /configz document (KubeletConfiguration under "kubeletconfig"). */
export function kubeletConfigz(p: { cpuManagerPolicy: string; topologyManagerPolicy: string; memoryManagerPolicy?: string; maxPods?: number; reservedCpus?: string }): Record<string, unknown> {
  return {
    kubeletconfig: {
      enableServer: true,
      staticPodPath: '/etc/kubernetes/manifests',
      syncFrequency: '1m0s',
      fileCheckFrequency: '20s',
      httpCheckFrequency: '20s',
      address: '0.0.0.0',
      port: 10250,
      tlsCertFile: '/var/lib/kubelet/pki/kubelet.crt',
      tlsPrivateKeyFile: '/var/lib/kubelet/pki/kubelet.key',
      rotateCertificates: true,
      authentication: { x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' }, webhook: { enabled: true, cacheTTL: '2m0s' }, anonymous: { enabled: false } },
      authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '5m0s', cacheUnauthorizedTTL: '30s' } },
      registryPullQPS: 5,
      registryBurst: 10,
      eventRecordQPS: 50,
      eventBurst: 100,
      enableDebuggingHandlers: true,
      healthzPort: 10248,
      healthzBindAddress: '127.0.0.1',
      oomScoreAdj: -999,
      clusterDomain: 'cluster.local',
      clusterDNS: ['10.96.0.10'],
      streamingConnectionIdleTimeout: '4h0m0s',
      nodeStatusUpdateFrequency: '10s',
      nodeStatusReportFrequency: '5m0s',
      nodeLeaseDurationSeconds: 40,
      imageMinimumGCAge: '2m0s',
      imageMaximumGCAge: '0s',
      imageGCHighThresholdPercent: 85,
      imageGCLowThresholdPercent: 80,
      volumeStatsAggPeriod: '1m0s',
      cgroupsPerQOS: true,
      cgroupDriver: 'systemd',
      cpuManagerPolicy: p.cpuManagerPolicy,
      cpuManagerReconcilePeriod: '10s',
      memoryManagerPolicy: p.memoryManagerPolicy ?? 'None',
      topologyManagerPolicy: p.topologyManagerPolicy,
      topologyManagerScope: 'container',
      runtimeRequestTimeout: '2m0s',
      hairpinMode: 'promiscuous-bridge',
      maxPods: p.maxPods ?? 110,
      podPidsLimit: -1,
      resolvConf: '/run/systemd/resolve/resolv.conf',
      cpuCFSQuota: true,
      cpuCFSQuotaPeriod: '100ms',
      nodeStatusMaxImages: 50,
      maxOpenFiles: 1000000,
      contentType: 'application/vnd.kubernetes.protobuf',
      kubeAPIQPS: 50,
      kubeAPIBurst: 100,
      serializeImagePulls: true,
      evictionHard: { 'imagefs.available': '15%', 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%' },
      evictionPressureTransitionPeriod: '5m0s',
      enableControllerAttachDetach: true,
      makeIPTablesUtilChains: true,
      iptablesMasqueradeBit: 14,
      iptablesDropBit: 15,
      failSwapOn: true,
      memorySwap: {},
      containerLogMaxSize: '10Mi',
      containerLogMaxFiles: 5,
      containerLogMaxWorkers: 1,
      containerLogMonitorInterval: '10s',
      configMapAndSecretChangeDetectionStrategy: 'Watch',
      ...(p.reservedCpus ? { reservedSystemCPUs: p.reservedCpus } : {}),
      enforceNodeAllocatable: ['pods'],
      volumePluginDir: '/usr/libexec/kubernetes/kubelet-plugins/volume/exec/',
      logging: { format: 'text', flushFrequency: '5s', verbosity: 0, options: { text: { infoBufferSize: '0' }, json: { infoBufferSize: '0' } } },
      enableSystemLogHandler: true,
      enableSystemLogQuery: false,
      shutdownGracePeriod: '0s',
      shutdownGracePeriodCriticalPods: '0s',
      enableProfilingHandler: true,
      enableDebugFlagsHandler: true,
      seccompDefault: false,
      memoryThrottlingFactor: 0.9,
      registerNode: true,
      localStorageCapacityIsolation: true,
      containerRuntimeEndpoint: 'unix:///var/run/containerd/containerd.sock',
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Events

export interface EventParams {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  involved: { kind: string; name: string; namespace?: string; uid: string; apiVersion: string; resourceVersion?: string; fieldPath?: string };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  count: number;
  first: number;
  last: number;
  /** kubelet (core/v1 style with count and timestamps) or the scheduler (events.k8s.io style with series). */
  source: { component: string; host?: string };
}

export function buildEvent(p: EventParams): Obj {
  const scheduler = p.source.component === 'default-scheduler';
  const meta = { name: p.name, namespace: p.namespace, uid: p.uid, resourceVersion: p.resourceVersion, creationTimestamp: ts(p.first) };
  const involvedObject = { kind: p.involved.kind, namespace: p.involved.namespace ?? p.namespace, name: p.involved.name, uid: p.involved.uid, apiVersion: p.involved.apiVersion, ...(p.involved.resourceVersion ? { resourceVersion: p.involved.resourceVersion } : {}), ...(p.involved.fieldPath ? { fieldPath: p.involved.fieldPath } : {}) };
  if (scheduler) {
    return {
      metadata: { ...meta, managedFields: [{ manager: 'kube-scheduler', operation: 'Update', apiVersion: 'events.k8s.io/v1', time: ts(p.last), fieldsType: 'FieldsV1', fieldsV1: { 'f:action': {}, 'f:eventTime': {}, 'f:note': {}, 'f:reason': {}, 'f:regarding': {}, 'f:reportingController': {}, 'f:reportingInstance': {}, ...(p.count > 1 ? { 'f:series': { '.': {}, 'f:count': {}, 'f:lastObservedTime': {} } } : {}), 'f:type': {} } }] },
      involvedObject,
      reason: p.reason,
      message: p.message,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: p.type,
      eventTime: microTs(p.first),
      ...(p.count > 1 ? { series: { count: p.count, lastObservedTime: microTs(p.last) } } : {}),
      action: 'Scheduling',
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-cp-01',
    } as unknown as Obj;
  }
  return {
    metadata: { ...meta, managedFields: [{ manager: p.source.component, operation: 'Update', apiVersion: 'v1', time: ts(p.last), fieldsType: 'FieldsV1', fieldsV1: { 'f:count': {}, 'f:firstTimestamp': {}, 'f:involvedObject': {}, 'f:lastTimestamp': {}, 'f:message': {}, 'f:reason': {}, 'f:reportingComponent': {}, 'f:reportingInstance': {}, 'f:source': { 'f:component': {}, ...(p.source.host ? { 'f:host': {} } : {}) }, 'f:type': {} } }] },
    involvedObject,
    reason: p.reason,
    message: p.message,
    source: { component: p.source.component, ...(p.source.host ? { host: p.source.host } : {}) },
    firstTimestamp: ts(p.first),
    lastTimestamp: ts(p.last),
    count: p.count,
    type: p.type,
    eventTime: null,
    reportingComponent: p.source.component,
    reportingInstance: p.source.host ?? '',
  } as unknown as Obj;
}

// ------------------------------------------------------------------------------------------------
// Workloads

export interface TemplateParams {
  labels: Record<string, string>;
  containers: ContainerSpec[];
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  serviceAccount?: string;
}

function podTemplate(t: TemplateParams): Record<string, unknown> {
  return {
    metadata: { creationTimestamp: null, labels: t.labels },
    spec: {
      containers: t.containers.map((c) => {
        const s = containerSpec(c, 'x');
        delete s.volumeMounts;
        return s;
      }),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      ...(t.nodeSelector ? { nodeSelector: t.nodeSelector } : {}),
      ...(t.serviceAccount ? { serviceAccountName: t.serviceAccount, serviceAccount: t.serviceAccount } : {}),
      securityContext: {},
      schedulerName: 'default-scheduler',
      ...(t.tolerations ? { tolerations: t.tolerations } : {}),
    },
  };
}

export interface WorkloadMeta {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  created: number;
  labels: Record<string, string>;
  generation?: number;
}

const workloadManagedFields = (created: string, updated: string, kind: string) => [
  { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: kind === 'HorizontalPodAutoscaler' ? 'autoscaling/v2' : kind === 'PodDisruptionBudget' ? 'policy/v1' : kind === 'CronJob' || kind === 'Job' ? 'batch/v1' : 'apps/v1', time: created, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} }, 'f:labels': { '.': {} } }, 'f:spec': {} } },
  { manager: 'kube-controller-manager', operation: 'Update', apiVersion: kind === 'HorizontalPodAutoscaler' ? 'autoscaling/v2' : kind === 'PodDisruptionBudget' ? 'policy/v1' : kind === 'CronJob' || kind === 'Job' ? 'batch/v1' : 'apps/v1', time: updated, fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} }, subresource: 'status' },
];

function workloadMetadata(m: WorkloadMeta, kind: string, now: number, extraAnnotations: Record<string, string> = {}): Record<string, unknown> {
  return {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation ?? 1,
    creationTimestamp: ts(m.created),
    labels: m.labels,
    annotations: { ...extraAnnotations, 'kubectl.kubernetes.io/last-applied-configuration': `{"apiVersion":"apps/v1","kind":"${kind}","metadata":{"annotations":{},"labels":${JSON.stringify(m.labels)},"name":"${m.name}","namespace":"${m.namespace}"}}\n` },
    managedFields: workloadManagedFields(ts(m.created), ts(now - 60_000), kind),
  };
}

export function buildDeployment(m: WorkloadMeta, t: TemplateParams, s: { replicas: number; ready: number; available: number; updated?: number; now: number; progressDeadlineExceeded?: boolean; rsName: string }): Obj {
  const created = ts(m.created);
  const unavailable = Math.max(0, s.replicas - s.available);
  const conditions = [
    s.available >= s.replicas || s.available > 0
      ? { type: 'Available', status: unavailable === 0 ? 'True' : 'False', lastUpdateTime: created, lastTransitionTime: created, reason: unavailable === 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: unavailable === 0 ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' }
      : { type: 'Available', status: 'False', lastUpdateTime: ts(s.now - 900_000), lastTransitionTime: ts(s.now - 900_000), reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    s.progressDeadlineExceeded
      ? { type: 'Progressing', status: 'False', lastUpdateTime: ts(s.now - 600_000), lastTransitionTime: ts(s.now - 600_000), reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${s.rsName}" has timed out progressing.` }
      : { type: 'Progressing', status: 'True', lastUpdateTime: ts(m.created + 30_000), lastTransitionTime: created, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${s.rsName}" has successfully progressed.` },
  ];
  const { matchLabels } = { matchLabels: { app: t.labels.app ?? m.name } };
  return {
    metadata: workloadMetadata(m, 'Deployment', s.now, { 'deployment.kubernetes.io/revision': String(m.generation ?? 1) }),
    spec: { replicas: s.replicas, selector: { matchLabels }, template: podTemplate(t), strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    status: {
      observedGeneration: m.generation ?? 1,
      ...(s.replicas > 0 ? { replicas: s.replicas, updatedReplicas: s.updated ?? s.replicas } : {}),
      ...(s.ready > 0 ? { readyReplicas: s.ready } : {}),
      ...(s.available > 0 ? { availableReplicas: s.available } : {}),
      ...(unavailable > 0 ? { unavailableReplicas: unavailable } : {}),
      conditions,
    },
  } as unknown as Obj;
}

export function buildStatefulSet(m: WorkloadMeta, t: TemplateParams, s: { replicas: number; ready: number; now: number; serviceName: string; storage?: string; revision: string; updateRevision?: string; updated?: number }): Obj {
  return {
    metadata: workloadMetadata(m, 'StatefulSet', s.now),
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: { app: t.labels.app ?? m.name } },
      template: podTemplate(t),
      ...(s.storage
        ? { volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: s.storage } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }] }
        : {}),
      serviceName: s.serviceName,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
    status: {
      observedGeneration: m.generation ?? 1,
      replicas: s.replicas,
      ...(s.ready > 0 ? { readyReplicas: s.ready } : {}),
      currentReplicas: s.updateRevision ? s.replicas - (s.updated ?? 0) : s.replicas,
      updatedReplicas: s.updateRevision ? (s.updated ?? 0) : s.replicas,
      currentRevision: s.revision,
      updateRevision: s.updateRevision ?? s.revision,
      collisionCount: 0,
      ...(s.ready > 0 ? { availableReplicas: s.ready } : { availableReplicas: 0 }),
    },
  } as unknown as Obj;
}

export function buildDaemonSet(m: WorkloadMeta, t: TemplateParams, s: { desired: number; ready: number; scheduled?: number; misscheduled?: number; updated?: number; now: number }): Obj {
  const unavailable = s.desired - s.ready;
  return {
    metadata: workloadMetadata(m, 'DaemonSet', s.now, { 'deprecated.daemonset.template.generation': String(m.generation ?? 1) }),
    spec: { selector: { matchLabels: { 'k8s-app': t.labels['k8s-app'] ?? m.name } }, template: podTemplate(t), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
    status: {
      currentNumberScheduled: s.scheduled ?? s.desired,
      numberMisscheduled: s.misscheduled ?? 0,
      desiredNumberScheduled: s.desired,
      numberReady: s.ready,
      observedGeneration: m.generation ?? 1,
      updatedNumberScheduled: s.updated ?? s.desired,
      numberAvailable: s.ready,
      ...(unavailable > 0 ? { numberUnavailable: unavailable } : {}),
    },
  } as unknown as Obj;
}

export function buildHpa(m: WorkloadMeta, s: { target: string; min: number; max: number; current: number; desired: number; cpuUtilization: number; now: number }): Obj {
  const atMax = s.current >= s.max;
  const at = ts(s.now - 1_800_000);
  return {
    metadata: { ...workloadMetadata(m, 'HorizontalPodAutoscaler', s.now), generation: undefined },
    spec: { scaleTargetRef: { kind: 'Deployment', name: s.target, apiVersion: 'apps/v1' }, minReplicas: s.min, maxReplicas: s.max, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    status: {
      lastScaleTime: at,
      currentReplicas: s.current,
      desiredReplicas: s.desired,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '412m', averageUtilization: s.cpuUtilization } } }],
      conditions: [
        { type: 'AbleToScale', status: 'True', lastTransitionTime: ts(m.created), reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
        { type: 'ScalingActive', status: 'True', lastTransitionTime: ts(m.created), reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
        atMax
          ? { type: 'ScalingLimited', status: 'True', lastTransitionTime: at, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }
          : { type: 'ScalingLimited', status: 'False', lastTransitionTime: ts(m.created), reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
      ],
    },
  } as unknown as Obj;
}

export function buildPdb(m: WorkloadMeta, s: { app: string; minAvailable?: number; maxUnavailable?: number; expected: number; healthy: number; now: number }): Obj {
  const desired = s.minAvailable ?? Math.max(0, s.expected - (s.maxUnavailable ?? 1));
  return {
    metadata: { ...workloadMetadata(m, 'PodDisruptionBudget', s.now) },
    spec: { ...(s.minAvailable !== undefined ? { minAvailable: s.minAvailable } : { maxUnavailable: s.maxUnavailable ?? 1 }), selector: { matchLabels: { app: s.app } } },
    status: {
      observedGeneration: 1,
      disruptionsAllowed: Math.max(0, s.healthy - desired),
      currentHealthy: s.healthy,
      desiredHealthy: desired,
      expectedPods: s.expected,
      conditions: [{ type: 'DisruptionAllowed', status: s.healthy > desired ? 'True' : 'False', observedGeneration: 1, lastTransitionTime: ts(m.created), reason: s.healthy > desired ? 'SufficientPods' : 'InsufficientPods', message: '' }],
    },
  } as unknown as Obj;
}

export function buildJob(m: WorkloadMeta, t: TemplateParams, s: { owner?: Owner; start: number; end?: number; state: 'succeeded' | 'failed' | 'running'; backoffLimit?: number; now: number; failedReason?: string }): Obj {
  const conditions =
    s.state === 'succeeded'
      ? [
          { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: ts(s.end!), lastTransitionTime: ts(s.end!), reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
          { type: 'Complete', status: 'True', lastProbeTime: ts(s.end!), lastTransitionTime: ts(s.end!), reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
        ]
      : s.state === 'failed'
        ? [
            { type: 'FailureTarget', status: 'True', lastProbeTime: ts(s.end!), lastTransitionTime: ts(s.end!), reason: s.failedReason ?? 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
            { type: 'Failed', status: 'True', lastProbeTime: ts(s.end!), lastTransitionTime: ts(s.end!), reason: s.failedReason ?? 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
          ]
        : undefined;
  return {
    metadata: { ...workloadMetadata(m, 'Job', s.now), ...(s.owner ? { ownerReferences: [ownerRef(s.owner)] } : {}) },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: s.backoffLimit ?? 6,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': m.uid } },
      manualSelector: false,
      template: podTemplate({ ...t, labels: { ...t.labels, 'batch.kubernetes.io/controller-uid': m.uid, 'batch.kubernetes.io/job-name': m.name, 'controller-uid': m.uid, 'job-name': m.name } }),
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
    },
    status: {
      ...(conditions ? { conditions } : {}),
      startTime: ts(s.start),
      ...(s.state === 'succeeded' ? { completionTime: ts(s.end!), succeeded: 1 } : {}),
      ...(s.state === 'failed' ? { failed: (s.backoffLimit ?? 6) + 1 } : {}),
      ...(s.state === 'running' ? { active: 1, ready: 1 } : {}),
      terminating: 0,
      uncountedTerminatedPods: {},
    },
  } as unknown as Obj;
}

export function buildCronJob(m: WorkloadMeta, t: TemplateParams, s: { schedule: string; timeZone?: string; suspend?: boolean; lastSchedule?: number; lastSuccess?: number; active?: { name: string; uid: string }[]; now: number }): Obj {
  return {
    metadata: { ...workloadMetadata(m, 'CronJob', s.now) },
    spec: {
      schedule: s.schedule,
      ...(s.timeZone ? { timeZone: s.timeZone } : {}),
      concurrencyPolicy: 'Forbid',
      suspend: s.suspend ?? false,
      jobTemplate: { metadata: { creationTimestamp: null }, spec: { backoffLimit: 2, template: { ...podTemplate(t), spec: { ...(podTemplate(t).spec as Record<string, unknown>), restartPolicy: 'OnFailure' } } } },
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    },
    status: {
      ...(s.active?.length ? { active: s.active.map((a) => ({ kind: 'Job', namespace: m.namespace, name: a.name, uid: a.uid, apiVersion: 'batch/v1', resourceVersion: m.resourceVersion })) } : {}),
      ...(s.lastSchedule ? { lastScheduleTime: ts(s.lastSchedule) } : {}),
      ...(s.lastSuccess ? { lastSuccessfulTime: ts(s.lastSuccess) } : {}),
    },
  } as unknown as Obj;
}

// ------------------------------------------------------------------------------------------------
// Storage, quotas, secrets

export function buildPvc(m: WorkloadMeta, s: { storageClass: string; size: string; phase: 'Bound' | 'Pending' | 'Lost'; volumeName?: string; selectedNode?: string; now: number }): Obj {
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: ts(m.created),
      labels: m.labels,
      annotations: {
        ...(s.phase !== 'Pending' ? { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' } : {}),
        'volume.beta.kubernetes.io/storage-provisioner': 'rook-ceph.rbd.csi.ceph.com',
        'volume.kubernetes.io/storage-provisioner': 'rook-ceph.rbd.csi.ceph.com',
        ...(s.selectedNode ? { 'volume.kubernetes.io/selected-node': s.selectedNode } : {}),
      },
      finalizers: ['kubernetes.io/pvc-protection'],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: ts(m.created), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': {} }, 'f:spec': { 'f:volumeName': {} } } }],
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: s.size } }, ...(s.volumeName ? { volumeName: s.volumeName } : {}), storageClassName: s.storageClass, volumeMode: 'Filesystem' },
    status: s.phase === 'Bound' ? { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: s.size } } : { phase: s.phase },
  } as unknown as Obj;
}

export function buildPv(p: { name: string; uid: string; resourceVersion: string; created: number; storageClass: string; size: string; phase: 'Bound' | 'Released' | 'Failed' | 'Available' | 'Pending'; claim?: { namespace: string; name: string; uid: string }; reclaimPolicy?: string; message?: string; now: number }): Obj {
  return {
    metadata: {
      name: p.name,
      uid: p.uid,
      resourceVersion: p.resourceVersion,
      creationTimestamp: ts(p.created),
      annotations: { 'pv.kubernetes.io/provisioned-by': 'rook-ceph.rbd.csi.ceph.com', 'volume.kubernetes.io/provisioner-deletion-secret-name': 'rook-csi-rbd-provisioner', 'volume.kubernetes.io/provisioner-deletion-secret-namespace': 'rook-ceph' },
      finalizers: ['external-provisioner.volume.kubernetes.io/finalizer', 'kubernetes.io/pv-protection'],
      managedFields: [{ manager: 'csi-provisioner', operation: 'Update', apiVersion: 'v1', time: ts(p.created), fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:csi': {} } } }],
    },
    spec: {
      capacity: { storage: p.size },
      csi: { driver: 'rook-ceph.rbd.csi.ceph.com', volumeHandle: `0001-0009-rook-ceph-0000000000000002-${p.uid}`, fsType: 'ext4', volumeAttributes: { clusterID: 'rook-ceph', imageFeatures: 'layering', pool: 'replicapool' } },
      accessModes: ['ReadWriteOnce'],
      ...(p.claim ? { claimRef: { kind: 'PersistentVolumeClaim', namespace: p.claim.namespace, name: p.claim.name, uid: p.claim.uid, apiVersion: 'v1', resourceVersion: p.resourceVersion } } : {}),
      persistentVolumeReclaimPolicy: p.reclaimPolicy ?? 'Delete',
      storageClassName: p.storageClass,
      volumeMode: 'Filesystem',
    },
    status: { phase: p.phase, ...(p.message ? { message: p.message } : {}), lastPhaseTransitionTime: ts(p.phase === 'Bound' ? p.created : p.now - 86_400_000) },
  } as unknown as Obj;
}

export function buildStorageClass(p: { name: string; uid: string; resourceVersion: string; created: number; provisioner: string; bindingMode: 'Immediate' | 'WaitForFirstConsumer'; isDefault?: boolean }): Obj {
  return {
    metadata: { name: p.name, uid: p.uid, resourceVersion: p.resourceVersion, creationTimestamp: ts(p.created), ...(p.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    provisioner: p.provisioner,
    parameters: { clusterID: 'rook-ceph', imageFeatures: 'layering', pool: 'replicapool', 'csi.storage.k8s.io/fstype': 'ext4' },
    reclaimPolicy: 'Delete',
    allowVolumeExpansion: true,
    volumeBindingMode: p.bindingMode,
  } as unknown as Obj;
}

export function buildTlsSecret(m: WorkloadMeta, s: { certPem: string; keyPem: string; issuer?: string }): Obj {
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: ts(m.created),
      labels: m.labels,
      annotations: { 'cert-manager.io/alt-names': `${m.name}.example.internal`, 'cert-manager.io/certificate-name': m.name, 'cert-manager.io/common-name': `${m.name}.example.internal`, 'cert-manager.io/issuer-kind': 'ClusterIssuer', 'cert-manager.io/issuer-name': s.issuer ?? 'corp-ca' },
      managedFields: [{ manager: 'cert-manager-certificates-issuing', operation: 'Update', apiVersion: 'v1', time: ts(m.created), fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:ca.crt': {}, 'f:tls.crt': {}, 'f:tls.key': {} }, 'f:type': {} } }],
    },
    data: { 'ca.crt': '', 'tls.crt': Buffer.from(s.certPem).toString('base64'), 'tls.key': Buffer.from(s.keyPem).toString('base64') },
    type: 'kubernetes.io/tls',
  } as unknown as Obj;
}

export function buildResourceQuota(m: WorkloadMeta, s: { hard: Record<string, string>; used: Record<string, string>; now: number }): Obj {
  return {
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: ts(m.created), labels: m.labels, managedFields: workloadManagedFields(ts(m.created), ts(s.now - 30_000), 'ResourceQuota').map((f) => ({ ...f, apiVersion: 'v1' })) },
    spec: { hard: s.hard },
    status: { hard: s.hard, used: s.used },
  } as unknown as Obj;
}

export function buildNamespace(p: { name: string; uid: string; resourceVersion: string; created: number; labels?: Record<string, string> }): Obj {
  return {
    metadata: { name: p.name, uid: p.uid, resourceVersion: p.resourceVersion, creationTimestamp: ts(p.created), labels: { 'kubernetes.io/metadata.name': p.name, ...(p.labels ?? {}) }, managedFields: [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: ts(p.created), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {} } } } }] },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  } as unknown as Obj;
}
