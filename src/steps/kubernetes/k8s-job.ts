import { z } from 'zod';
import { checkCapacity, podRequests } from '../../kubernetes-deploy/capacity-check.js';
import { kubeStepError } from '../../kubernetes-deploy/kube-failure.js';
import { openKubeSession, type KubeConnector } from '../../kubernetes-deploy/kube-session.js';
import { loadManifests, type Manifest } from '../../kubernetes-deploy/manifests.js';
import { runJob } from '../../kubernetes-deploy/run-job.js';
import { InputError, NonRetryableError } from '../../errors/index.js';
import { parseDuration } from '../../util/duration.js';
import { durationSchema } from '../../workflow/workflow-schema.js';
import { defineStepType } from '../step-type.js';
import { clusterInputShape, clusterSpecOf } from './cluster-input.js';

const resourcesSchema = z.object({ requests: z.record(z.string(), z.union([z.string(), z.number()])).optional(), limits: z.record(z.string(), z.union([z.string(), z.number()])).optional() }).strict();

export const k8sJobInput = z
  .object({
    ...clusterInputShape,
    /** A whole Job manifest; or the fields below for one container. */
    job: z.record(z.string(), z.unknown()).optional(),
    /** Name prefix: the Job is created as NAME-xxxxx so runs never collide. */
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes name').max(50).optional(),
    image: z.string().min(1).optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).default({}),
    resources: resourcesSchema.optional(),
    /** Pod retries before the Job fails. @defaultValue 0 */
    backoffLimit: z.number().int().min(0).default(0),
    /** Fail when the Job's pod stays unschedulable this long. @defaultValue 10m */
    pendingTimeout: durationSchema.default('10m'),
    interval: durationSchema.default('2s'),
    /** Before submitting, check that a node has the free resources the Job requests (GPUs...). */
    capacityCheck: z.boolean().default(false),
  })
  .strict()
  .refine((i) => (i.job !== undefined) !== (i.image !== undefined), { message: 'give either job (a Job manifest) or image', path: ['image'] })
  .refine((i) => i.job !== undefined || i.name !== undefined, { message: 'name is required with image', path: ['name'] });

export const k8sJobOutput = z.object({ job: z.string(), namespace: z.string(), pods: z.array(z.string()), durationMs: z.number(), dryRun: z.boolean() });

type JobInput = z.infer<typeof k8sJobInput>;

async function jobManifest(input: JobInput, params: Record<string, unknown>): Promise<Manifest> {
  if (input.job) {
    const withName = { ...input.job, metadata: { ...((input.job.metadata as Record<string, unknown> | undefined) ?? {}), name: 'placeholder' } };
    const [m] = await loadManifests({ manifests: [withName], params }, input.namespace);
    if (m!.kind !== 'Job') throw new InputError(`k8s-job: job must be a batch/v1 Job, not ${m!.kind}`);
    const given = (input.job.metadata as { name?: string; generateName?: string } | undefined) ?? {};
    const meta: Record<string, unknown> = { ...m!.metadata };
    delete meta.name;
    meta.generateName = given.generateName ?? `${given.name ?? 'patrol-job'}-`;
    return { ...m!, metadata: meta } as unknown as Manifest;
  }
  const container = {
    name: input.name!,
    image: input.image!,
    ...(input.command ? { command: input.command } : {}),
    ...(input.args ? { args: input.args } : {}),
    ...(Object.keys(input.env).length > 0 ? { env: Object.entries(input.env).map(([name, value]) => ({ name, value })) } : {}),
    ...(input.resources ? { resources: input.resources } : {}),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: `${input.name}-`, namespace: input.namespace, labels: { 'app.kubernetes.io/managed-by': 'patrol' } },
    spec: { backoffLimit: input.backoffLimit, template: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'patrol' } }, spec: { restartPolicy: 'Never', containers: [container] } } },
  } as unknown as Manifest;
}

export function createK8sJobStepType(deps: { connect?: KubeConnector } = {}) {
  const connect = deps.connect ?? openKubeSession;
  return defineStepType({
    type: 'k8s-job',
    description: 'Runs a Kubernetes Job, streaming its pod logs into the step log; tells apart rejected by the platform (quota, admission, RBAC), unschedulable (the scheduler\'s reason, pending timeout) and failed (exit code, OOMKilled); optional capacity pre-check of free GPUs/resources.',
    input: k8sJobInput,
    output: k8sJobOutput,
    defaults: { timeout: '2h' },
    retrySafe: false,
    examples: [
      { description: 'An evaluation on one GPU', with: { name: 'ai-eval', namespace: 'ml', image: 'registry.local/ai-eval:3', args: ['--suite', 'nightly'], resources: { limits: { 'nvidia.com/gpu': 1, memory: '16Gi' } }, capacityCheck: true, pendingTimeout: '15m' } },
      { description: 'Create tables before the web tier starts', with: { name: 'migrate', namespace: 'shop', image: 'registry.local/web:1.4.2', command: ['./manage', 'migrate'] } },
    ],
    async run(ctx, input) {
      const job = await jobManifest(input, ctx.run.params);
      const session = await connect(clusterSpecOf(input));
      const spec = (job as unknown as { spec: { template: { spec: Parameters<typeof podRequests>[0] } } }).spec.template.spec;
      if (input.capacityCheck) {
        const requests = podRequests(spec);
        const cap = await checkCapacity(session, requests);
        for (const line of cap.nodes) ctx.log.info(line);
        if (!cap.fits) throw new NonRetryableError(`capacity pre-check: no schedulable node has the free ${cap.short.join(', ')} this Job requests (${Object.entries(requests).map(([k, v]) => `${k}=${v}`).join(', ')}); not submitted`, { code: 'insufficient-capacity', details: { nodes: cap.nodes } });
        ctx.log.info('capacity pre-check passed');
      }
      if (ctx.dryRun) {
        try {
          const res = await session.objects.create(job, undefined, 'All');
          ctx.log.info(`dry run: Job ${input.namespace}/${String(res.metadata?.name)} accepted by the API server (not created)`);
        } catch (err) {
          throw kubeStepError(`dry run of Job ${input.namespace}/${String((job.metadata as { generateName?: string }).generateName)}`, err);
        }
        return { job: '', namespace: input.namespace, pods: [], durationMs: 0, dryRun: true };
      }
      const out = await runJob(session, job, { pendingTimeoutMs: parseDuration(input.pendingTimeout, 'pendingTimeout'), intervalMs: parseDuration(input.interval, 'interval'), signal: ctx.signal, log: ctx.log });
      return { job: out.job, namespace: input.namespace, pods: out.pods, durationMs: out.durationMs, dryRun: false };
    },
  });
}
