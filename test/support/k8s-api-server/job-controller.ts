/**
 * The Job controller: pods up to parallelism/completions (through admission, so quota and webhook
 * refusals become FailedCreate events on the Job), Complete (with SuccessCriteriaMet) or Failed
 * (BackoffLimitExceeded, DeadlineExceeded) conditions, and the Job's status counters.
 */
import { now, resource, type ClusterState } from './cluster-state.js';
import type { EventRecorder } from './event-recorder.js';
import { generateSuffix } from './writes.js';
import type { Deleter, PodCreator } from './workload-controllers.js';
import type { KubeObj } from './store.js';

type Obj = Record<string, unknown>;
const meta = (o: KubeObj) => o.metadata as Obj & { name: string; namespace: string; uid: string; ownerReferences?: { uid: string }[]; deletionTimestamp?: string };
const phase = (p: KubeObj) => String((p.status as Obj | undefined)?.phase ?? 'Pending');
const podReady = (p: KubeObj) => ((p.status as Obj | undefined)?.conditions as Obj[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export class JobController {
  /** When pod creation may be tried again after a refusal, per job uid. */
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly state: ClusterState,
    private readonly events: EventRecorder,
    private readonly createPod: PodCreator,
    private readonly deleteObject: Deleter,
  ) {}

  tick(): void {
    const jobRes = resource('batch', 'jobs');
    const podRes = resource('', 'pods');
    for (const job of this.state.list(jobRes)) {
      if (meta(job).deletionTimestamp) continue;
      const spec = (job.spec ?? {}) as { parallelism?: number; completions?: number; backoffLimit?: number; activeDeadlineSeconds?: number; suspend?: boolean; template?: Obj };
      const status = (job.status ?? {}) as Obj & { conditions?: Obj[]; startTime?: string };
      const before = JSON.stringify(job);
      if (status.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) continue;
      if (spec.suspend) continue;
      const pods = this.state.list(podRes, meta(job).namespace).filter((p) => (meta(p).ownerReferences ?? []).some((o) => o.uid === meta(job).uid));
      const active = pods.filter((p) => !['Succeeded', 'Failed'].includes(phase(p)) && !meta(p).deletionTimestamp);
      const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
      const failed = pods.filter((p) => phase(p) === 'Failed').length;
      const completions = spec.completions ?? 1;
      status.startTime ??= now();
      const finish = (type: 'Complete' | 'Failed', reason: string, message: string) => {
        for (const p of active) this.deleteObject(podRes, p, 'Background');
        const t = now();
        const criteria = type === 'Complete' ? { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: t, lastTransitionTime: t } : { type: 'FailureTarget', status: 'True', reason, message, lastProbeTime: t, lastTransitionTime: t };
        status.conditions = [...(status.conditions ?? []), criteria, { type, status: 'True', reason: type === 'Complete' ? 'CompletionsReached' : reason, message: type === 'Complete' ? 'Reached expected number of succeeded pods' : message, lastProbeTime: t, lastTransitionTime: t }];
        if (type === 'Complete') status.completionTime = t;
        this.events.record({ kind: 'Job', apiVersion: 'batch/v1', obj: job }, type === 'Complete' ? 'Normal' : 'Warning', type === 'Complete' ? 'Completed' : reason, type === 'Complete' ? 'Job completed' : message, 'job-controller');
      };
      const deadline = spec.activeDeadlineSeconds !== undefined ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 : Infinity;
      if (failed > (spec.backoffLimit ?? 6)) finish('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      else if (Date.now() > deadline) finish('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
      else if (succeeded >= completions) finish('Complete', 'CompletionsReached', '');
      else if (Date.now() >= (this.retryAt.get(meta(job).uid) ?? 0)) {
        const want = Math.min(spec.parallelism ?? 1, completions - succeeded) - active.length;
        for (let i = 0; i < want; i++) {
          const t = JSON.parse(JSON.stringify(spec.template ?? {})) as { metadata?: Obj; spec?: Obj };
          const pod = { metadata: { ...(t.metadata ?? {}), name: `${meta(job).name}-${generateSuffix()}`, namespace: meta(job).namespace, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: meta(job).name, uid: meta(job).uid, controller: true, blockOwnerDeletion: true }] }, spec: t.spec ?? {}, status: { phase: 'Pending' } } as KubeObj;
          const denied = this.createPod(pod);
          if (denied) {
            this.events.record({ kind: 'Job', apiVersion: 'batch/v1', obj: job }, 'Warning', 'FailedCreate', `Error creating: ${denied.message}`, 'job-controller');
            this.retryAt.set(meta(job).uid, Date.now() + 1000);
            break;
          }
          active.push(pod);
        }
      }
      const done = status.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      Object.assign(status, { active: done ? 0 : active.length, ready: done ? 0 : active.filter(podReady).length, succeeded, failed, terminating: 0, uncountedTerminatedPods: {} });
      if (succeeded === 0) delete status.succeeded;
      if (failed === 0) delete status.failed;
      job.status = status;
      if (JSON.stringify(job) !== before) this.state.write(jobRes, job);
    }
  }
}
