import { now, resource, type ClusterState } from './cluster-state.js';
import { generateSuffix } from './writes.js';
import type { KubeObj } from './store.js';

type Obj = Record<string, unknown>;

/**
 * Writes core/v1 Events as controllers do: one event per (object, reason, message), its count and
 * lastTimestamp bumped when it happens again.
 */
export class EventRecorder {
  constructor(private readonly state: ClusterState) {}

  record(involved: { kind: string; apiVersion: string; obj: KubeObj }, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const res = resource('', 'events');
    const meta = involved.obj.metadata as { name: string; namespace?: string; uid?: string };
    const ns = meta.namespace ?? 'default';
    const existing = this.state.list(res, ns).find((e) => {
      const io = e.involvedObject as { uid?: string } | undefined;
      return io?.uid === meta.uid && e.reason === reason && e.message === message;
    });
    const t = now();
    if (existing) {
      (existing as Obj).count = Number((existing as Obj).count ?? 1) + 1;
      (existing as Obj).lastTimestamp = t;
      this.state.write(res, existing);
      return;
    }
    const event: KubeObj = {
      metadata: { name: `${meta.name}.${generateSuffix(8)}`, namespace: ns },
      involvedObject: { kind: involved.kind, apiVersion: involved.apiVersion, name: meta.name, namespace: ns, uid: meta.uid },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: t,
      lastTimestamp: t,
      source: { component },
      reportingComponent: component,
    };
    this.state.write(res, event);
  }
}
