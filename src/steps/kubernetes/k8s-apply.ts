import { z } from 'zod';
import { applyObjects, pruneObjects, type AppliedObject } from '../../kubernetes-deploy/apply-objects.js';
import { openKubeSession, type KubeConnector } from '../../kubernetes-deploy/kube-session.js';
import { loadManifests } from '../../kubernetes-deploy/manifests.js';
import { InputError } from '../../errors/index.js';
import { defineStepType } from '../step-type.js';
import { clusterInputShape, clusterSpecOf } from './cluster-input.js';

const labelValue = z.string().regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, 'must be a label value');

export const k8sApplyInput = z
  .object({
    ...clusterInputShape,
    files: z.array(z.string().min(1)).default([]),
    manifests: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]).optional(),
    /** Values for `${{ params.NAME }}` in the manifests (besides the run's params). */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Take over fields another field manager owns (kubectl --force-conflicts). */
    force: z.boolean().default(false),
    /** Only create objects that do not exist; existing ones are never modified. */
    createOnly: z.boolean().default(false),
    /** Server-side dry run (dryRun=All) with a diff, also when the run is not a dry run. */
    dryRun: z.boolean().default(false),
    prune: z
      .object({
        /** Labels stamped on every applied object; objects with them that are not applied any more are deleted. */
        labels: z.record(z.string(), labelValue).refine((l) => Object.keys(l).length > 0, 'prune needs at least one label to select the set'),
        kinds: z.array(z.object({ apiVersion: z.string().min(1), kind: z.string().min(1) }).strict()).default([]),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((i) => i.files.length > 0 || i.manifests !== undefined, { message: 'give files or manifests', path: ['files'] });

const appliedSchema = z.object({ apiVersion: z.string(), kind: z.string(), namespace: z.string().optional(), name: z.string(), action: z.enum(['created', 'configured', 'unchanged', 'pruned']), changes: z.array(z.string()) });

export const k8sApplyOutput = z.object({
  objects: z.array(appliedSchema),
  created: z.number().int(),
  configured: z.number().int(),
  unchanged: z.number().int(),
  pruned: z.number().int(),
  dryRun: z.boolean(),
  /** Every change, one line per field, objects in order (what the approval shows). */
  diff: z.string(),
});

export function createK8sApplyStepType(deps: { connect?: KubeConnector } = {}) {
  const connect = deps.connect ?? openKubeSession;
  return defineStepType({
    type: 'k8s-apply',
    description: 'Server-side apply of Kubernetes manifests (files, inline, rendered from params) as field manager "patrol"; dry run (dryRun=All) with a diff of what would change; opt-in prune of labelled objects no longer applied.',
    input: k8sApplyInput,
    output: k8sApplyOutput,
    defaults: { timeout: '5m' },
    // Server-side apply is idempotent: applying the same manifests again changes nothing more.
    retrySafe: true,
    examples: [
      { description: 'Apply a directory of rendered manifests', with: { files: ['deploy/web.yaml'], namespace: 'shop', params: { image: 'registry.local/web:1.4.2' } } },
      { description: 'Dry run with a diff', with: { files: ['deploy/web.yaml'], dryRun: true } },
      { description: 'Prune what left the set', with: { files: ['deploy/web.yaml'], prune: { labels: { 'app.kubernetes.io/part-of': 'shop' } } } },
    ],
    async run(ctx, input) {
      const dryRun = ctx.dryRun || input.dryRun;
      const objects = await loadManifests({ files: input.files, ...(input.manifests !== undefined ? { manifests: input.manifests } : {}), params: { ...ctx.run.params, ...input.params } }, input.namespace);
      if (objects.length === 0) throw new InputError('k8s-apply: the files and manifests hold no objects');
      if (input.prune) for (const o of objects) o.metadata.labels = { ...(o.metadata.labels ?? {}), ...input.prune.labels };
      const session = await connect(clusterSpecOf(input));
      const opts = { dryRun, force: input.force, createOnly: input.createOnly, log: (l: string) => ctx.log.info(l) };
      const applied: AppliedObject[] = await applyObjects(session, objects, opts);
      if (input.prune) applied.push(...(await pruneObjects(session, applied, { labels: input.prune.labels, kinds: input.prune.kinds }, opts)));
      const count = (a: string) => applied.filter((o) => o.action === a).length;
      const diff = applied.flatMap((o) => [`${o.action} ${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`, ...o.changes.map((c) => `  ${c}`)]).join('\n');
      return { objects: applied, created: count('created'), configured: count('configured'), unchanged: count('unchanged'), pruned: count('pruned'), dryRun, diff };
    },
  });
}
