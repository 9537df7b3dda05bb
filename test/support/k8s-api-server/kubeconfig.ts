import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** One context of a kubeconfig: a cluster (server + CA) and its user's credentials. */
export interface KubeconfigContext {
  name: string;
  server: string;
  caPem?: string;
  /** Bearer token. */
  token?: string;
  clientCert?: { cert: string; key: string };
  insecureSkipTlsVerify?: boolean;
  namespace?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig exactly as kubectl writes one (clusters, contexts, users, current-context). */
export function kubeconfigYaml(contexts: readonly KubeconfigContext[], current?: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({
      name: c.name,
      cluster: {
        server: c.server,
        ...(c.caPem ? { 'certificate-authority-data': b64(c.caPem) } : {}),
        ...(c.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
      },
    })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: `${c.name}-user`, ...(c.namespace ? { namespace: c.namespace } : {}) } })),
    'current-context': current ?? contexts[0]?.name ?? '',
    preferences: {},
    users: contexts.map((c) => ({
      name: `${c.name}-user`,
      user: {
        ...(c.token ? { token: c.token } : {}),
        ...(c.clientCert ? { 'client-certificate-data': b64(c.clientCert.cert), 'client-key-data': b64(c.clientCert.key) } : {}),
      },
    })),
  };
  return stringify(doc);
}

export function writeKubeconfig(file: string, contexts: readonly KubeconfigContext[], current?: string): string {
  writeFileSync(file, kubeconfigYaml(contexts, current), { mode: 0o600 });
  return file;
}
