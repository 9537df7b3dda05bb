import { z } from 'zod';
import { openKubeSession, type KubeConnector } from '../../kubernetes-deploy/kube-session.js';
import { rollbackDeployment } from '../../kubernetes-deploy/rollback-deployment.js';
import { defineStepType } from '../step-type.js';
import { clusterInputShape, clusterSpecOf } from './cluster-input.js';

export const k8sRollbackInput = z
  .object({
    ...clusterInputShape,
    deployment: z.string().min(1),
    /** The revision to return to. @defaultValue the one before the current */
    toRevision: z.number().int().min(1).optional(),
  })
  .strict();

export const k8sRollbackOutput = z.object({ deployment: z.string(), fromRevision: z.number(), toRevision: z.number(), images: z.array(z.string()), dryRun: z.boolean() });

export function createK8sRollbackStepType(deps: { connect?: KubeConnector } = {}) {
  const connect = deps.connect ?? openKubeSession;
  return defineStepType({
    type: 'k8s-rollback',
    description: 'Rolls a Deployment back to its previous revision, or to a given one (like kubectl rollout undo); follow with k8s-wait to wait for the rollout.',
    input: k8sRollbackInput,
    output: k8sRollbackOutput,
    defaults: { timeout: '2m' },
    // Rolling back to a given revision twice ends in the same place; "the previous one" would not.
    retrySafe: (i: { toRevision?: number }) => i.toRevision !== undefined,
    examples: [
      { description: 'Undo the last rollout', with: { deployment: 'web', namespace: 'shop' } },
      { description: 'Back to revision 3', with: { deployment: 'web', namespace: 'shop', toRevision: 3 } },
    ],
    async run(ctx, input) {
      const session = await connect(clusterSpecOf(input));
      const r = await rollbackDeployment(session, input.namespace, input.deployment, { ...(input.toRevision !== undefined ? { toRevision: input.toRevision } : {}), dryRun: ctx.dryRun });
      ctx.log.info(r.from === r.to ? `Deployment/${input.namespace}/${input.deployment} is already at revision ${r.to}` : `Deployment/${input.namespace}/${input.deployment} rolled back from revision ${r.from} to ${r.to} (${r.images.join(', ')})${ctx.dryRun ? ' (dry run)' : ''}`);
      return { deployment: `${input.namespace}/${input.deployment}`, fromRevision: r.from, toRevision: r.to, images: r.images, dryRun: ctx.dryRun };
    },
  });
}
