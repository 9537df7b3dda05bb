import type { CheckInfo } from '../../inspections/check.js';
import type { ClusterCheck } from './cluster-check.js';
import { apiLivez, apiReachable, apiReadyz, apiVersion, apiVersionSkew } from './api-server.js';
import { nodeCordoned, nodeDiskPressure, nodeMemoryPressure, nodeNetworkUnavailable, nodePidPressure, nodeReady } from './nodes.js';
import { nodeCpuRequests, nodeGpu, nodeMemoryRequests, nodePodCapacity } from './node-resources.js';
import { nodeCpuManagerPolicy, podNumaAlignment } from './topology.js';
import { controlPlaneComponents } from './control-plane.js';
import { podCrashLoop, podImagePull, podOomKilled, podRestartsCheck, podTerminating, podUnowned } from './pods.js';
import { podPending } from './pending.js';
import { workloadHpaMax, workloadPdbMissing, workloadRolloutStalled, workloadUnavailable } from './workloads.js';
import { pvStatus, pvcUnbound } from './storage.js';
import { eventsWarnings } from './events.js';
import { certApiServer, certTlsSecrets } from './certificates.js';
import { imageLatestTag, imageRegistry } from './images.js';
import { cronJobMissed, cronJobSuspended, jobFailed, jobLongRunning } from './jobs.js';
import { quotaUsage } from './quotas.js';

/** Every Kubernetes API check, registered in one place (one line per check). */
export const clusterChecks: readonly ClusterCheck[] = [
  apiReachable,
  apiReadyz,
  apiLivez,
  apiVersion,
  apiVersionSkew,
  nodeReady,
  nodeMemoryPressure,
  nodeDiskPressure,
  nodePidPressure,
  nodeNetworkUnavailable,
  nodeCordoned,
  nodeCpuRequests,
  nodeMemoryRequests,
  nodePodCapacity,
  nodeCpuManagerPolicy,
  nodeGpu,
  podNumaAlignment,
  controlPlaneComponents,
  podCrashLoop,
  podImagePull,
  podOomKilled,
  podRestartsCheck,
  podPending,
  podTerminating,
  podUnowned,
  workloadUnavailable,
  workloadRolloutStalled,
  workloadHpaMax,
  workloadPdbMissing,
  pvcUnbound,
  pvStatus,
  eventsWarnings,
  certApiServer,
  certTlsSecrets,
  imageLatestTag,
  imageRegistry,
  cronJobMissed,
  cronJobSuspended,
  jobFailed,
  jobLongRunning,
  quotaUsage,
];

/** Catalog entries of the Kubernetes API checks (evaluated by the cluster inspection). */
export const clusterCheckInfos: CheckInfo[] = clusterChecks.map((c) => c.info);
