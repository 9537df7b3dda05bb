import { z } from 'zod';
import { readObject } from '../../kubernetes-deploy/apply-objects.js';
import { openKubeSession, type KubeConnector } from '../../kubernetes-deploy/kube-session.js';
import { rollbackDeployment } from '../../kubernetes-deploy/rollback-deployment.js';
import { httpCheckSchema, prometheusCheckSchema, verifyOnce, type VerificationResult } from '../../kubernetes-deploy/verification.js';
import { sleep } from '../../kubernetes-deploy/wait-until.js';
import { StepError } from '../../errors/index.js';
import { parseDuration } from '../../util/duration.js';
import { durationSchema } from '../../workflow/workflow-schema.js';
import { defineStepType } from '../step-type.js';
import { clusterInputShape, clusterSpecOf } from './cluster-input.js';
import { waitForObject } from './k8s-wait.js';

export const k8sVerifyInput = z
  .object({
    ...clusterInputShape,
    /** The Deployment rolled back when verification fails. */
    deployment: z.string().min(1),
    http: httpCheckSchema.optional(),
    prometheus: prometheusCheckSchema.optional(),
    attempts: z.number().int().min(1).max(60).default(3),
    interval: durationSchema.default('2s'),
    rollback: z.boolean().default(true),
    rolloutTimeout: durationSchema.default('5m'),
  })
  .strict()
  .refine((v) => v.http !== undefined || v.prometheus !== undefined, { message: 'give http or prometheus', path: ['http'] });

export const k8sVerifyOutput = z.object({ passed: z.boolean(), observed: z.string(), rolledBack: z.boolean(), fromRevision: z.number().nullable(), toRevision: z.number().nullable() });

export function createK8sVerifyStepType(deps: { connect?: KubeConnector } = {}) {
  const connect = deps.connect ?? openKubeSession;
  return defineStepType({
    type: 'k8s-verify',
    description: 'Post-deploy verification of a Deployment (HTTP status or a Prometheus query within bounds, retried); when it fails, rolls the Deployment back to its previous revision, waits for that rollout and fails with what was observed.',
    input: k8sVerifyInput,
    output: k8sVerifyOutput,
    defaults: { timeout: '15m' },
    retrySafe: false,
    examples: [{ description: 'Health endpoint after a rollout', with: { deployment: 'web', namespace: 'shop', http: { url: 'http://web.shop.svc/healthz' } } }],
    async run(ctx, input) {
      const spec = {
        ...(input.http ? { http: { url: input.http.url, expectStatus: input.http.expectStatus, timeoutMs: parseDuration(input.http.timeout, 'http.timeout') } } : {}),
        ...(input.prometheus ? { prometheus: { url: input.prometheus.url, query: input.prometheus.query, ...(input.prometheus.min !== undefined ? { min: input.prometheus.min } : {}), ...(input.prometheus.max !== undefined ? { max: input.prometheus.max } : {}) } } : {}),
      };
      if (ctx.dryRun) {
        ctx.log.info(`dry run: would verify ${[spec.http?.url, spec.prometheus?.query].filter(Boolean).join(' and ')} and roll back Deployment ${input.deployment} on failure`);
        return { passed: true, observed: 'dry run', rolledBack: false, fromRevision: null, toRevision: null };
      }
      let res: VerificationResult = { passed: false, observed: '' };
      for (let i = 1; i <= input.attempts; i++) {
        res = await verifyOnce(spec, ctx.signal);
        ctx.log.info(`verification attempt ${i}/${input.attempts}: ${res.passed ? 'passed' : 'failed'}: ${res.observed}`);
        if (res.passed) return { passed: true, observed: res.observed, rolledBack: false, fromRevision: null, toRevision: null };
        if (i < input.attempts) await sleep(parseDuration(input.interval, 'interval'), ctx.signal);
      }
      const failed = `verification of Deployment ${input.namespace}/${input.deployment} failed: ${res.observed}`;
      if (!input.rollback) throw new StepError(failed, { code: 'verification-failed', retryable: false, details: { outputs: { passed: false, observed: res.observed, rolledBack: false, fromRevision: null, toRevision: null } } });
      const session = await connect(clusterSpecOf(input));
      let back;
      try {
        back = await rollbackDeployment(session, input.namespace, input.deployment, { dryRun: false });
      } catch (err) {
        throw new StepError(`${failed}; automatic rollback impossible: ${(err as Error).message}`, { code: 'verification-failed', retryable: false, cause: err });
      }
      ctx.log.warn(`${failed}: rolling back from revision ${back.from} to ${back.to} (${back.images.join(', ')})`);
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: input.namespace, name: input.deployment };
      await waitForObject(() => readObject(session, ref), ref, 'rollout', { timeoutMs: parseDuration(input.rolloutTimeout, 'rolloutTimeout'), intervalMs: parseDuration(input.interval, 'interval'), signal: ctx.signal, log: (l) => ctx.log.info(l) });
      const outputs = { passed: false, observed: res.observed, rolledBack: true, fromRevision: back.from, toRevision: back.to };
      throw new StepError(`${failed}; rolled back automatically from revision ${back.from} to ${back.to} (${back.images.join(', ')})`, { code: 'verification-failed', retryable: false, details: { outputs } });
    },
  });
}
