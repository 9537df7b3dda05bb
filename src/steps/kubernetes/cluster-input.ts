import { z } from 'zod';
import type { ClusterSpec } from '../../kubernetes/client/connection.js';

/** The connection fields every Kubernetes step type accepts (same meaning as inspect-cluster's). */
export const clusterInputShape = {
  /** kubeconfig file. @defaultValue $KUBECONFIG, ~/.kube/config, then the in-cluster service account */
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  inCluster: z.boolean().optional(),
  /** Namespace for objects that name none. @defaultValue default */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name').default('default'),
};

export function clusterSpecOf(input: { kubeconfig?: string | undefined; context?: string | undefined; inCluster?: boolean | undefined }): ClusterSpec {
  return {
    ...(input.kubeconfig !== undefined ? { kubeconfig: input.kubeconfig } : {}),
    ...(input.context !== undefined ? { context: input.context } : {}),
    ...(input.inCluster !== undefined ? { inCluster: input.inCluster } : {}),
  };
}

/** An object an input names: apiVersion defaults by kind for the common workload kinds. */
export const objectRefInput = z
  .object({
    kind: z.string().min(1),
    name: z.string().min(1),
    apiVersion: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
  })
  .strict();

const DEFAULT_API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Ingress: 'networking.k8s.io/v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
};

/** apiVersion for a kind named without one: apps/v1, batch/v1 and friends, else v1 (core). */
export function defaultApiVersion(kind: string): string {
  return DEFAULT_API_VERSIONS[kind] ?? 'v1';
}
