import { NonRetryableError } from '../errors/index.js';
import { plain, readObject } from './apply-objects.js';
import { kubeStepError } from './kube-failure.js';
import type { KubeSession } from './kube-session.js';

const REVISION = 'deployment.kubernetes.io/revision';

type Obj = Record<string, unknown>;
interface Meta {
  name?: string;
  uid?: string;
  annotations?: Record<string, string>;
  ownerReferences?: { uid?: string }[];
}

export interface RollbackResult {
  from: number;
  to: number;
  /** The container images of the template rolled back to. */
  images: string[];
}

/**
 * Rolls a Deployment back the way `kubectl rollout undo` does: the ReplicaSet of the wanted
 * revision (the one before the current, or `toRevision`) gives its pod template back to the
 * Deployment (a JSON patch of spec.template); the controller then makes that ReplicaSet the
 * newest revision again.
 */
export async function rollbackDeployment(session: KubeSession, namespace: string, name: string, opts: { toRevision?: number; dryRun: boolean }): Promise<RollbackResult> {
  const what = `roll back Deployment/${namespace}/${name}`;
  const dep = await readObject(session, { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  if (!dep) throw new NonRetryableError(`${what}: the Deployment does not exist`, { code: 'not-found' });
  const depMeta = dep.metadata as Meta;
  const current = Number(depMeta.annotations?.[REVISION] ?? 0);
  let sets: Obj[];
  try {
    sets = (await session.objects.list('apps/v1', 'ReplicaSet', namespace)).items.map(plain);
  } catch (err) {
    throw kubeStepError(`${what}: list its ReplicaSets`, err);
  }
  const owned = sets.filter((rs) => ((rs.metadata as Meta).ownerReferences ?? []).some((o) => o.uid === depMeta.uid));
  const revisionOf = (rs: Obj) => Number((rs.metadata as Meta).annotations?.[REVISION] ?? 0);
  const known = owned.map(revisionOf).sort((a, b) => a - b);
  const target = opts.toRevision !== undefined ? owned.find((rs) => revisionOf(rs) === opts.toRevision) : owned.filter((rs) => revisionOf(rs) < current).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  if (!target) {
    const want = opts.toRevision !== undefined ? `revision ${opts.toRevision}` : `a revision before ${current}`;
    throw new NonRetryableError(`${what}: no ${want} (revisions kept: ${known.join(', ') || 'none'})`, { code: 'no-revision', details: { revisions: known } });
  }
  const to = revisionOf(target);
  const template = structuredClone((target.spec as { template: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { image?: string }[] } } }).template);
  // The controller adds pod-template-hash to a ReplicaSet's template; the Deployment never has it.
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  const images = (template.spec?.containers ?? []).map((c) => String(c.image));
  if (to === current) return { from: current, to, images };
  try {
    const apps = session.kc.makeApiClient(session.lib.AppsV1Api);
    await apps.patchNamespacedDeployment({ name, namespace, body: [{ op: 'replace', path: '/spec/template', value: template }], ...(opts.dryRun ? { dryRun: 'All' } : {}) });
  } catch (err) {
    throw kubeStepError(what, err);
  }
  return { from: current, to, images };
}
