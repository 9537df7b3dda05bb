import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { kubernetesClient, loadClusterConnection, type ClusterSpec } from '../kubernetes/client/connection.js';

/** A connection for writes: the client library's generic object API on a loaded kubeconfig. */
export interface KubeSession {
  /** The cluster's name (context name, or "in-cluster"). */
  readonly name: string;
  readonly kc: KubeConfig;
  readonly objects: KubernetesObjectApi;
  readonly lib: typeof import('@kubernetes/client-node');
}

/** Opens a session for the step types (dependency of each; tests may pass their own). */
export type KubeConnector = (spec: ClusterSpec) => Promise<KubeSession>;

export const openKubeSession: KubeConnector = async (spec) => {
  const conn = await loadClusterConnection(spec);
  const lib = await kubernetesClient();
  return { name: conn.name, kc: conn.kc, objects: lib.KubernetesObjectApi.makeApiClient(conn.kc), lib };
};

/** apiVersion, kind, namespace and name of an object: what identifies it in the API. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function refOf(obj: KubernetesObject): ObjectRef {
  return {
    apiVersion: String(obj.apiVersion),
    kind: String(obj.kind),
    name: String(obj.metadata?.name),
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** "Deployment/web" or "Deployment/shop/web": how steps name objects in logs and outputs. */
export function refText(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** The header the generic object API needs to address an object. */
export function headerOf(ref: ObjectRef): KubernetesObject & { metadata: { name: string } } {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}
