import { z } from 'zod';
import { isNotFound, kubeStepError } from '../../kubernetes-deploy/kube-failure.js';
import { headerOf, openKubeSession, refText, type KubeConnector, type ObjectRef } from '../../kubernetes-deploy/kube-session.js';
import { loadManifests } from '../../kubernetes-deploy/manifests.js';
import { defineStepType } from '../step-type.js';
import { clusterInputShape, clusterSpecOf, defaultApiVersion, objectRefInput } from './cluster-input.js';

export const k8sDeleteInput = z
  .object({
    ...clusterInputShape,
    objects: z.array(objectRefInput).default([]),
    /** Delete what these manifest files describe. */
    files: z.array(z.string().min(1)).default([]),
    propagationPolicy: z.enum(['Background', 'Foreground', 'Orphan']).default('Background'),
    /** An object that is already gone counts as deleted. @defaultValue true */
    ignoreNotFound: z.boolean().default(true),
  })
  .strict()
  .refine((i) => i.objects.length > 0 || i.files.length > 0, { message: 'give objects or files', path: ['objects'] });

export const k8sDeleteOutput = z.object({ deleted: z.array(z.string()), absent: z.array(z.string()), dryRun: z.boolean() });

export function createK8sDeleteStepType(deps: { connect?: KubeConnector } = {}) {
  const connect = deps.connect ?? openKubeSession;
  return defineStepType({
    type: 'k8s-delete',
    description: 'Deletes Kubernetes objects (named, or described by manifest files) with a propagation policy; server-side dry run in a dry run.',
    input: k8sDeleteInput,
    output: k8sDeleteOutput,
    defaults: { timeout: '5m' },
    retrySafe: (i: { ignoreNotFound?: boolean }) => i.ignoreNotFound !== false,
    examples: [{ description: 'Remove a finished job', with: { objects: [{ kind: 'Job', name: 'migrate-42' }], namespace: 'shop' } }],
    async run(ctx, input) {
      const refs: ObjectRef[] = input.objects.map((o) => ({ apiVersion: o.apiVersion ?? defaultApiVersion(o.kind), kind: o.kind, name: o.name, namespace: o.namespace ?? input.namespace }));
      for (const m of await loadManifests({ files: input.files, params: ctx.run.params }, input.namespace)) refs.push({ apiVersion: m.apiVersion, kind: m.kind, name: m.metadata.name, ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}) });
      const session = await connect(clusterSpecOf(input));
      const deleted: string[] = [];
      const absent: string[] = [];
      for (const ref of refs) {
        try {
          await session.objects.delete(headerOf(ref), undefined, ctx.dryRun ? 'All' : undefined, undefined, undefined, input.propagationPolicy);
          deleted.push(refText(ref));
          ctx.log.info(`${refText(ref)} deleted${ctx.dryRun ? ' (dry run)' : ''}`);
        } catch (err) {
          if (!isNotFound(err) || !input.ignoreNotFound) throw kubeStepError(`delete ${refText(ref)}`, err);
          absent.push(refText(ref));
          ctx.log.info(`${refText(ref)} was already absent`);
        }
      }
      return { deleted, absent, dryRun: ctx.dryRun };
    },
  });
}
