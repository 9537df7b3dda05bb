import { existsSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '../../errors/index.js';

/** One cluster to inspect, as a workflow or the CLI names it. */
export interface ClusterSpec {
  /** Name used in finding targets (`<name>/ns/pod`). @defaultValue the context name, or "in-cluster" */
  name?: string;
  /** kubeconfig file. @defaultValue $KUBECONFIG, then ~/.kube/config, then the in-cluster service account */
  kubeconfig?: string;
  /** Context in the kubeconfig. @defaultValue its current-context */
  context?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST and /var/run/secrets/kubernetes.io/serviceaccount). */
  inCluster?: boolean;
  /** Groups for `overrides[].match.groups` in the InspectionConfig. */
  groups?: string[];
  /**
   * Root under which /var/run/secrets/kubernetes.io/serviceaccount is found with `inCluster`
   * (for pods that mount the token elsewhere, and for tests). @defaultValue "" (the real path)
   */
  serviceAccountRoot?: string;
}

/** A loaded, validated connection: the client library's KubeConfig set to the chosen context. */
export interface ClusterConnection {
  name: string;
  groups: string[];
  server: string;
  context?: string;
  kubeconfig?: string;
  inCluster: boolean;
  kc: KubeConfig;
}

/** A kubeconfig that cannot be used as given: missing file, unknown context, no server. Bad input, not a cluster problem. */
export class KubeconfigError extends InputError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { ...details, kind: 'kubeconfig' });
  }
}

let clientModule: Promise<typeof import('@kubernetes/client-node')> | undefined;
/** @kubernetes/client-node is large (~70 MB, 0.4 s to import): loaded only when a cluster is inspected. */
export function kubernetesClient(): Promise<typeof import('@kubernetes/client-node')> {
  return (clientModule ??= import('@kubernetes/client-node'));
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads a kubeconfig (or the in-cluster service account) with @kubernetes/client-node, selects the
 * context and checks it names a cluster with a server and a user. Authentication itself (tokens,
 * client certificates, exec plugins, OIDC, token files) is the library's: the API client asks it
 * for headers and TLS options on every refresh.
 */
export async function loadClusterConnection(spec: ClusterSpec): Promise<ClusterConnection> {
  const { KubeConfig } = await kubernetesClient();
  const kc = new KubeConfig();
  let source: string;
  if (spec.inCluster) {
    if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
      throw new KubeconfigError('inCluster: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set (Patrol is not running in a pod); give a kubeconfig instead');
    }
    const root = spec.serviceAccountRoot ?? '';
    if (!existsSync(`${root}${SERVICE_ACCOUNT_TOKEN}`)) throw new KubeconfigError(`inCluster: no service account token at ${root}${SERVICE_ACCOUNT_TOKEN} (automountServiceAccountToken disabled?)`);
    kc.loadFromCluster(root);
    source = 'the in-cluster service account';
  } else if (spec.kubeconfig) {
    if (!existsSync(spec.kubeconfig)) throw new KubeconfigError(`kubeconfig ${spec.kubeconfig} does not exist`, { kubeconfig: spec.kubeconfig });
    try {
      kc.loadFromFile(spec.kubeconfig);
    } catch (err) {
      throw new KubeconfigError(`kubeconfig ${spec.kubeconfig} cannot be read: ${(err as Error).message}`, { kubeconfig: spec.kubeconfig });
    }
    source = `kubeconfig ${spec.kubeconfig}`;
  } else {
    const env = process.env.KUBECONFIG;
    const home = process.env.HOME ? `${process.env.HOME}/.kube/config` : '';
    if (!env && !(home && existsSync(home)) && !existsSync(SERVICE_ACCOUNT_TOKEN)) {
      throw new KubeconfigError('no kubeconfig: give --kubeconfig (or a cluster `kubeconfig:`), set KUBECONFIG, create ~/.kube/config, or run in a pod with inCluster: true');
    }
    try {
      kc.loadFromDefault();
    } catch (err) {
      throw new KubeconfigError(`the default kubeconfig cannot be read: ${(err as Error).message}`);
    }
    source = env ? `KUBECONFIG=${env}` : existsSync(home) ? `kubeconfig ${home}` : 'the in-cluster service account';
  }
  if (spec.context) {
    if (!kc.getContextObject(spec.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeconfigError(`context "${spec.context}" is not in ${source} (contexts: ${known.join(', ') || 'none'})`, { context: spec.context, contexts: known });
    }
    kc.setCurrentContext(spec.context);
  }
  const contextName = kc.getCurrentContext();
  if (!contextName || !kc.getContextObject(contextName)) throw new KubeconfigError(`${source} has no current-context; choose one with --context (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) throw new KubeconfigError(`context "${contextName}" in ${source} names no cluster with a server`, { context: contextName });
  if (!kc.getCurrentUser()) throw new KubeconfigError(`context "${contextName}" in ${source} names no user`, { context: contextName });
  const name = spec.name ?? (spec.inCluster ? 'in-cluster' : contextName);
  if (!/^[A-Za-z0-9]([-A-Za-z0-9_.:@]*[A-Za-z0-9])?$/.test(name)) throw new KubeconfigError(`cluster name "${name}" must be letters, digits and - _ . : @ (give the cluster a name)`, { name });
  return {
    name,
    groups: spec.groups ?? [],
    server: cluster.server.replace(/\/+$/, ''),
    ...(spec.inCluster ? {} : { context: contextName }),
    ...(spec.kubeconfig ? { kubeconfig: spec.kubeconfig } : {}),
    inCluster: spec.inCluster ?? false,
    kc,
  };
}

/** Context names of a kubeconfig file (for CLI validation and `--context` help). */
export async function kubeconfigContexts(file: string): Promise<{ contexts: string[]; current: string }> {
  const { KubeConfig } = await kubernetesClient();
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return { contexts: kc.getContexts().map((c) => c.name), current: kc.getCurrentContext() };
}
