/**
 * The JSON wire shape of the Kubernetes objects the checks read: only the fields they use, all
 * optional where the API may omit them. These are objects as `JSON.parse` returns them (timestamps
 * are RFC 3339 strings, quantities are strings), not the client library's deserialised classes.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
  lastUpdateTime?: string;
}

export type ResourceList = Record<string, string>;

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface Container {
  name: string;
  image?: string;
  resources?: ResourceRequirements;
}

export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}
export interface ContainerStateTerminated {
  reason?: string;
  message?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
}
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: { startedAt?: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: Container[];
    initContainers?: Container[];
    overhead?: ResourceList;
    terminationGracePeriodSeconds?: number;
    schedulerName?: string;
    priorityClassName?: string;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    qosClass?: string;
    startTime?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; providerID?: string };
  status?: {
    capacity?: ResourceList;
    allocatable?: ResourceList;
    conditions?: Condition[];
    nodeInfo?: { kubeletVersion?: string; kubeProxyVersion?: string; containerRuntimeVersion?: string; osImage?: string; kernelVersion?: string; architecture?: string };
    addresses?: { type: string; address: string }[];
  };
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  fieldPath?: string;
}

/** core/v1 Event (what `kubectl get events` reads). */
export interface KubeEvent extends KubeObject {
  involvedObject?: ObjectReference;
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: Pod['spec'];
}

export interface Deployment extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate; paused?: boolean; progressDeadlineSeconds?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSet extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate; serviceName?: string };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface DaemonSet extends KubeObject {
  spec?: { selector?: LabelSelector; template?: PodTemplate };
  status?: {
    observedGeneration?: number;
    currentNumberScheduled?: number;
    desiredNumberScheduled?: number;
    numberMisscheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    updatedNumberScheduled?: number;
  };
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec?: { minReplicas?: number; maxReplicas: number; scaleTargetRef?: { kind?: string; name?: string; apiVersion?: string } };
  status?: { currentReplicas?: number; desiredReplicas?: number; conditions?: Condition[]; lastScaleTime?: string };
}

export interface PodDisruptionBudget extends KubeObject {
  spec?: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
  status?: { currentHealthy?: number; desiredHealthy?: number; disruptionsAllowed?: number; expectedPods?: number };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: { storageClassName?: string; volumeName?: string; resources?: { requests?: ResourceList } };
  status?: { phase?: string; capacity?: ResourceList; conditions?: Condition[] };
}

export interface PersistentVolume extends KubeObject {
  spec?: { capacity?: ResourceList; claimRef?: ObjectReference; persistentVolumeReclaimPolicy?: string; storageClassName?: string };
  status?: { phase?: string; reason?: string; message?: string; lastPhaseTransitionTime?: string };
}

export interface StorageClass extends KubeObject {
  provisioner?: string;
  volumeBindingMode?: string;
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export interface Job extends KubeObject {
  spec?: { completions?: number; parallelism?: number; backoffLimit?: number; activeDeadlineSeconds?: number; suspend?: boolean; template?: PodTemplate };
  status?: { active?: number; succeeded?: number; failed?: number; startTime?: string; completionTime?: string; conditions?: Condition[] };
}

export interface CronJob extends KubeObject {
  spec?: { schedule: string; timeZone?: string; suspend?: boolean; startingDeadlineSeconds?: number; concurrencyPolicy?: string };
  status?: { lastScheduleTime?: string; lastSuccessfulTime?: string; active?: ObjectReference[] };
}

export interface ResourceQuota extends KubeObject {
  spec?: { hard?: ResourceList };
  status?: { hard?: ResourceList; used?: ResourceList };
}

/** metav1.Status, the body of every API error. */
export interface ApiStatus {
  kind: 'Status';
  apiVersion?: string;
  metadata?: { continue?: string; resourceVersion?: string };
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[]; retryAfterSeconds?: number };
  code?: number;
}

/** Shape of every list response: `{kind: "PodList", metadata: {resourceVersion, continue, remainingItemCount}, items}`. */
export interface ListResponse<T = unknown> {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items?: T[];
}

export const objectKey = (o: KubeObject): string => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

export function conditionOf(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  if (!conditions) return undefined;
  for (const c of conditions) if (c.type === type) return c;
  return undefined;
}
