import type { Finding } from '../findings/finding.js';
import { InputError } from '../errors/index.js';

/** Where a Kubernetes runbook acts: the finding's pod, its workload and the cluster the inspection read. */
export interface KubernetesParams {
  namespace: string;
  workload: string;
  /** kubeconfig context ("" = the kubeconfig's current context). */
  context: string;
  /** kubeconfig file of the inspection ("" = $KUBECONFIG, ~/.kube/config or in-cluster). */
  kubeconfig: string;
}

/**
 * The params of a Kubernetes runbook from a pod finding. Cluster inspections name pods
 * `CLUSTER/NAMESPACE/POD` (CLUSTER is the kubeconfig context when the run listed `contexts`; a
 * context may itself hold "/", e.g. an EKS ARN); `NAMESPACE/POD` is read too. The workload is the
 * pod name without its generated suffixes: two for a Deployment (`web-5d9c7b-x2k4q` -> web), one
 * for a StatefulSet (`db-0`) or DaemonSet (`agent-x2k4q`). `given` (the -p params) wins.
 */
export function kubernetesParams(finding: Finding, kind: string, sourceParams: Record<string, unknown>, given: Record<string, string> = {}): KubernetesParams {
  const kubeconfig = typeof sourceParams.kubeconfig === 'string' ? sourceParams.kubeconfig : '';
  const parts = finding.target.split('/');
  if (given.namespace && given.workload) return { namespace: given.namespace, workload: given.workload, context: given.context ?? '', kubeconfig: given.kubeconfig ?? kubeconfig };
  if (parts.length < 2 || parts.some((p) => p === '')) {
    throw new InputError(`finding ${finding.id} (${finding.check}): target "${finding.target}" names no pod (CLUSTER/NAMESPACE/POD); pass -p namespace=NS -p workload=NAME`, { field: 'params.workload' });
  }
  const pod = parts[parts.length - 1]!;
  const cluster = parts.slice(0, -2).join('/');
  const contexts = Array.isArray(sourceParams.contexts) ? sourceParams.contexts : [];
  const suffixes = kind === 'Deployment' ? 2 : 1;
  const workload = pod.split('-').slice(0, -suffixes).join('-');
  return {
    namespace: parts[parts.length - 2]!,
    workload: workload === '' ? pod : workload,
    context: cluster !== '' && contexts.includes(cluster) ? cluster : '',
    kubeconfig,
  };
}
