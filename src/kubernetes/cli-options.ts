import { InputError } from '../errors/index.js';
import { clustersOf } from './inspect-cluster-step.js';
import { KubeconfigError, loadClusterConnection } from './client/connection.js';

export interface ClusterCliOptions {
  kubeconfig?: string;
  context?: string[];
  inCluster?: boolean;
}

/**
 * Validates `patrol inspect cluster|all` Kubernetes options before the run starts (a missing
 * kubeconfig or unknown context is bad input: exit 2), and returns the workflow params and a
 * name for the inspection (the contexts, e.g. "prod-dr" -> inspection "prod-dr-cluster").
 */
export async function clusterCliParams(kind: string, opts: ClusterCliOptions): Promise<{ params: Record<string, unknown>; name?: string }> {
  const contexts = opts.context ?? [];
  const wanted = kind === 'cluster' || !!opts.kubeconfig || !!opts.inCluster || contexts.length > 0;
  if (!wanted) return { params: {} };
  if (opts.inCluster && (opts.kubeconfig || contexts.length > 0)) throw new InputError('--in-cluster uses the pod\'s service account: do not combine it with --kubeconfig or --context');
  if (kind === 'all' && !opts.kubeconfig && !opts.inCluster && contexts.length > 0) throw new InputError('patrol inspect all --context needs --kubeconfig (or use --in-cluster)');
  const names: string[] = [];
  for (const spec of clustersOf({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), contexts, inCluster: opts.inCluster ?? false })) {
    try {
      const conn = await loadClusterConnection(spec);
      names.push(conn.name);
    } catch (err) {
      if (err instanceof KubeconfigError) throw new InputError(err.message, err.details);
      throw err;
    }
  }
  return {
    params: { kubeconfig: opts.kubeconfig ?? '', contexts, inCluster: opts.inCluster ?? false },
    name: names.join('-').replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 60),
  };
}

