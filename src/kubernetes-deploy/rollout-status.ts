/** Where a workload's rollout (or a Job, or a condition) stands, in kubectl rollout status's words. */
export interface RolloutStatus {
  done: boolean;
  /** Set when waiting longer cannot help (ProgressDeadlineExceeded, Job Failed). */
  failed?: string;
  message: string;
}

type Obj = Record<string, unknown>;
interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const conditions = (o: Obj): Condition[] => (((o.status as Obj | undefined)?.conditions as Condition[] | undefined) ?? []);
const condition = (o: Obj, type: string) => conditions(o).find((c) => c.type === type);

/** The waits kubectl knows for these kinds; undefined for other kinds (use a condition). */
export function rolloutStatus(kind: string, o: Obj): RolloutStatus | undefined {
  const spec = (o.spec ?? {}) as Obj;
  const status = (o.status ?? {}) as Obj;
  const meta = (o.metadata ?? {}) as Obj;
  const name = `${kind} "${String(meta.name)}"`;
  if (kind !== 'Job' && num(meta.generation) > num(status.observedGeneration)) return { done: false, message: `waiting for ${name} spec update to be observed` };
  if (kind === 'Deployment') {
    const progressing = condition(o, 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, failed: `${name} exceeded its progress deadline: ${progressing.message ?? ''}`.trim(), message: 'progress deadline exceeded' };
    const want = spec.replicas === undefined ? 1 : num(spec.replicas);
    const updated = num(status.updatedReplicas);
    if (updated < want) return { done: false, message: `${updated} out of ${want} new replicas have been updated` };
    if (num(status.replicas) > updated) return { done: false, message: `${num(status.replicas) - updated} old replicas are pending termination` };
    if (num(status.availableReplicas) < updated) return { done: false, message: `${num(status.availableReplicas)} of ${updated} updated replicas are available` };
    return { done: true, message: `${name} successfully rolled out` };
  }
  if (kind === 'StatefulSet') {
    const want = spec.replicas === undefined ? 1 : num(spec.replicas);
    if (num(status.readyReplicas) < want) return { done: false, message: `${num(status.readyReplicas)} of ${want} pods are ready` };
    if (status.updateRevision !== status.currentRevision && (spec.updateStrategy as Obj | undefined)?.type !== 'OnDelete') return { done: false, message: `waiting for pods to be updated to revision ${String(status.updateRevision)}` };
    return { done: true, message: `${name} rolled out (${want} pods ready)` };
  }
  if (kind === 'DaemonSet') {
    const want = num(status.desiredNumberScheduled);
    if (num(status.updatedNumberScheduled) < want) return { done: false, message: `${num(status.updatedNumberScheduled)} out of ${want} new pods have been updated` };
    if (num(status.numberAvailable) < want) return { done: false, message: `${num(status.numberAvailable)} of ${want} updated pods are available` };
    return { done: true, message: `${name} successfully rolled out` };
  }
  if (kind === 'Job') {
    const failed = condition(o, 'Failed');
    if (failed?.status === 'True') return { done: false, failed: `${name} failed: ${failed.reason ?? ''}${failed.message ? ` (${failed.message})` : ''}`, message: 'failed' };
    if (condition(o, 'Complete')?.status === 'True') return { done: true, message: `${name} complete (${num(status.succeeded)} succeeded)` };
    return { done: false, message: `${num(status.active)} active, ${num(status.succeeded)} succeeded, ${num(status.failed)} failed` };
  }
  return undefined;
}

/** A condition reaching a status (e.g. Ready=True on anything that reports conditions). */
export function conditionStatus(o: Obj, type: string, want: string): RolloutStatus {
  const c = condition(o, type);
  if (c?.status === want) return { done: true, message: `condition ${type}=${want}` };
  return { done: false, message: c ? `condition ${type} is ${String(c.status)}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}` : `no condition ${type} yet` };
}
