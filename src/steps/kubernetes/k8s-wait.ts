import { z } from 'zod';
import { readObject } from '../../kubernetes-deploy/apply-objects.js';
import { openKubeSession, refText, type KubeConnector, type ObjectRef } from '../../kubernetes-deploy/kube-session.js';
import { conditionStatus, rolloutStatus, type RolloutStatus } from '../../kubernetes-deploy/rollout-status.js';
import { waitUntil } from '../../kubernetes-deploy/wait-until.js';
import { workloadProblems } from '../../kubernetes-deploy/pod-diagnosis.js';
import { NonRetryableError, StepError } from '../../errors/index.js';
import { parseDuration } from '../../util/duration.js';
import { durationSchema } from '../../workflow/workflow-schema.js';
import { defineStepType } from '../step-type.js';
import { clusterInputShape, clusterSpecOf, defaultApiVersion, objectRefInput } from './cluster-input.js';

export const k8sWaitInput = z
  .object({
    ...clusterInputShape,
    object: objectRefInput,
    /** `rollout` (Deployment/StatefulSet/DaemonSet available, Job complete) or a condition. @defaultValue rollout */
    for: z.union([z.literal('rollout'), z.object({ condition: z.string().min(1), status: z.enum(['True', 'False', 'Unknown']).default('True') }).strict()]).default('rollout'),
    /** How long to wait before failing with the last state seen. @defaultValue 5m */
    timeout: durationSchema.default('5m'),
    /** Poll period. @defaultValue 2s */
    interval: durationSchema.default('2s'),
  })
  .strict();

export const k8sWaitOutput = z.object({ object: z.string(), message: z.string(), waitedMs: z.number() });

/** Reads the object until its rollout (or condition) is done; fails at once when it can no longer succeed. */
export async function waitForObject(check: () => Promise<Record<string, unknown> | undefined>, ref: ObjectRef, cond: 'rollout' | { condition: string; status: string }, opts: { timeoutMs: number; intervalMs: number; signal: AbortSignal; log: (l: string) => void }): Promise<string> {
  const what = cond === 'rollout' ? `the rollout of ${refText(ref)}` : `${refText(ref)} condition ${cond.condition}=${cond.status}`;
  return waitUntil(
    what,
    async () => {
      const o = await check();
      if (!o) return { state: `${refText(ref)} does not exist (yet)` };
      let s: RolloutStatus | undefined;
      if (cond === 'rollout') {
        s = rolloutStatus(ref.kind, o);
        if (!s) throw new NonRetryableError(`k8s-wait: ${ref.kind} has no rollout; wait for a condition instead (for: { condition: Ready })`, { code: 'invalid-input' });
      } else s = conditionStatus(o, cond.condition, cond.status);
      if (s.failed) throw new StepError(`${what} failed: ${s.failed}`, { code: 'rollout-failed', retryable: false });
      return s.done ? { value: s.message, state: s.message } : { state: s.message };
    },
    { ...opts, onState: (s) => opts.log(s) },
  );
}

export function createK8sWaitStepType(deps: { connect?: KubeConnector } = {}) {
  const connect = deps.connect ?? openKubeSession;
  return defineStepType({
    type: 'k8s-wait',
    description: 'Waits for a Deployment/StatefulSet/DaemonSet rollout, a Job to complete, or any object condition; fails with the last state seen on timeout, and at once on ProgressDeadlineExceeded or a failed Job.',
    input: k8sWaitInput,
    output: k8sWaitOutput,
    defaults: { timeout: '30m' },
    retrySafe: true,
    examples: [
      { description: 'Rollout of a Deployment', with: { object: { kind: 'Deployment', name: 'web' }, namespace: 'shop', timeout: '10m' } },
      { description: 'A custom condition', with: { object: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'web-tls' }, for: { condition: 'Ready' } } },
    ],
    async run(ctx, input) {
      const ref: ObjectRef = { apiVersion: input.object.apiVersion ?? defaultApiVersion(input.object.kind), kind: input.object.kind, name: input.object.name, namespace: input.object.namespace ?? input.namespace };
      // A dry run changed nothing, so there is no rollout to wait for.
      if (ctx.dryRun) {
        ctx.log.info(`dry run: would wait for ${input.for === 'rollout' ? 'the rollout of' : `condition ${input.for.condition}=${input.for.status} on`} ${refText(ref)}`);
        return { object: refText(ref), message: 'dry run', waitedMs: 0 };
      }
      const session = await connect(clusterSpecOf(input));
      const started = Date.now();
      let last: Record<string, unknown> | undefined;
      const read = async () => (last = await readObject(session, ref));
      let message: string;
      try {
        message = await waitForObject(read, ref, input.for, { timeoutMs: parseDuration(input.timeout, 'timeout'), intervalMs: parseDuration(input.interval, 'interval'), signal: ctx.signal, log: (l) => ctx.log.info(l) });
      } catch (err) {
        // The workload's status says how far it got; its pods say why (ImagePullBackOff, unschedulable, OOMKilled).
        const why = err instanceof StepError && last && ref.namespace ? await workloadProblems(session, ref.namespace, last) : '';
        if (why && err instanceof StepError) throw new StepError(`${err.message}; ${why}`, { code: String(err.code), retryable: err.retryable, details: { ...err.details, pods: why } });
        throw err;
      }
      ctx.log.info(message);
      return { object: refText(ref), message, waitedMs: Date.now() - started };
    },
  });
}
