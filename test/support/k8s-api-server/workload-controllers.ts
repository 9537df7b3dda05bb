/**
 * The kube-controller-manager loops Patrol's steps observe: Deployment (a ReplicaSet per pod
 * template with the deployment.kubernetes.io/revision annotation, old ReplicaSets scaled down once
 * the new one is available, rollback by template, Progressing/Available conditions with
 * ProgressDeadlineExceeded), ReplicaSet, StatefulSet (ordinal pods, controller-revision-hash,
 * ordered rolling update) and DaemonSet (a pod per schedulable node).
 */
import { createHash } from 'node:crypto';
import { now, resource, type ClusterState } from './cluster-state.js';
import type { EventRecorder } from './event-recorder.js';
import { generateSuffix } from './writes.js';
import type { KubeObj } from './store.js';
import type { Status } from './status.js';

type Obj = Record<string, unknown>;
const REVISION = 'deployment.kubernetes.io/revision';
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A stable 10-character hash of a pod template (the pod-template-hash label). Like the real
 * controller's (a hash of the decoded struct), it does not depend on the order of keys a client sent.
 */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(template ?? {})).digest();
  return [...digest.subarray(0, 10)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().filter((k) => (v as Obj)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Obj)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const meta = (o: KubeObj) => o.metadata as Obj & { name: string; namespace: string; uid: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string; kind: string }[]; deletionTimestamp?: string };
const spec = (o: KubeObj) => (o.spec ?? {}) as Obj & { replicas?: number; template?: Obj; selector?: { matchLabels?: Record<string, string> } };
const ownedBy = (o: KubeObj, owner: KubeObj) => (meta(o).ownerReferences ?? []).some((r) => r.uid === meta(owner).uid);
const ownerRef = (owner: KubeObj, kind: string, apiVersion: string) => ({ apiVersion, kind, name: meta(owner).name, uid: meta(owner).uid, controller: true, blockOwnerDeletion: true });
const podReady = (p: KubeObj) => ((p.status as Obj | undefined)?.conditions as Obj[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const alive = (p: KubeObj) => !meta(p).deletionTimestamp && !['Succeeded', 'Failed'].includes(String((p.status as Obj | undefined)?.phase));

/** Creates a pod through admission (quota, webhooks); returns the refusal, if any. */
export type PodCreator = (pod: KubeObj) => Status | undefined;
/** Deletes an object with a propagation policy (the API's delete). */
export type Deleter = (res: ReturnType<typeof resource>, obj: KubeObj, policy: string) => void;

function writeIfChanged(state: ClusterState, res: ReturnType<typeof resource>, obj: KubeObj, before: string): void {
  if (JSON.stringify(obj) !== before) state.write(res, obj);
}

function podFromTemplate(template: Obj, name: string, namespace: string, labels: Record<string, string>, owner: Obj): KubeObj {
  const t = JSON.parse(JSON.stringify(template)) as { metadata?: Obj; spec?: Obj };
  return { metadata: { ...(t.metadata ?? {}), name, namespace, labels: { ...((t.metadata?.labels as Record<string, string> | undefined) ?? {}), ...labels }, ownerReferences: [owner] }, spec: t.spec ?? {}, status: { phase: 'Pending' } } as KubeObj;
}

export class WorkloadControllers {
  /** Per deployment uid: when it last progressed (for progressDeadlineSeconds). */
  private readonly progress = new Map<string, { key: string; at: number }>();

  constructor(
    private readonly state: ClusterState,
    private readonly events: EventRecorder,
    private readonly createPod: PodCreator,
    private readonly deleteObject: Deleter,
  ) {}

  tick(): void {
    this.deployments();
    this.replicaSets();
    this.statefulSets();
    this.daemonSets();
  }

  private deployments(): void {
    const depRes = resource('apps', 'deployments');
    const rsRes = resource('apps', 'replicasets');
    for (const dep of this.state.list(depRes)) {
      if (meta(dep).deletionTimestamp) continue;
      const before = JSON.stringify(dep);
      const desired = spec(dep).replicas ?? 1;
      const hash = templateHash(spec(dep).template);
      const owned = this.state.list(rsRes, meta(dep).namespace).filter((rs) => ownedBy(rs, dep));
      const rev = (rs: KubeObj) => Number(meta(rs).annotations?.[REVISION] ?? 0);
      const maxRev = owned.reduce((m, rs) => Math.max(m, rev(rs)), 0);
      let newRs = owned.find((rs) => meta(rs).labels?.['pod-template-hash'] === hash);
      if (!newRs) {
        const template = JSON.parse(JSON.stringify(spec(dep).template ?? {})) as { metadata?: Obj };
        template.metadata = { ...(template.metadata ?? {}), labels: { ...((template.metadata?.labels as Record<string, string> | undefined) ?? {}), 'pod-template-hash': hash } };
        newRs = {
          metadata: {
            name: `${meta(dep).name}-${hash}`,
            namespace: meta(dep).namespace,
            labels: { ...((template.metadata.labels as Record<string, string>) ?? {}) },
            annotations: { [REVISION]: String(maxRev + 1), 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + Math.ceil(desired / 4)) },
            ownerReferences: [ownerRef(dep, 'Deployment', 'apps/v1')],
          },
          spec: { replicas: desired, selector: { matchLabels: { ...(spec(dep).selector?.matchLabels ?? {}), 'pod-template-hash': hash } }, template },
        } as KubeObj;
        this.state.write(rsRes, newRs);
        this.events.record({ kind: 'Deployment', apiVersion: 'apps/v1', obj: dep }, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${meta(newRs).name} from 0 to ${desired}`, 'deployment-controller');
      } else {
        const b = JSON.stringify(newRs);
        // A template seen before (a rollback) becomes the newest revision again, as in the real controller.
        if (rev(newRs) < maxRev) meta(newRs).annotations = { ...meta(newRs).annotations, [REVISION]: String(maxRev + 1) };
        spec(newRs).replicas = desired;
        writeIfChanged(this.state, rsRes, newRs, b);
      }
      const nst = (newRs.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number };
      const newAvailable = nst.availableReplicas ?? 0;
      const olds = owned.filter((rs) => rs !== newRs && meta(rs).name !== meta(newRs!).name);
      if (newAvailable >= desired) {
        for (const old of olds) {
          if ((spec(old).replicas ?? 0) === 0) continue;
          const b = JSON.stringify(old);
          spec(old).replicas = 0;
          writeIfChanged(this.state, rsRes, old, b);
        }
      }
      const all = [newRs, ...olds];
      const sum = (f: (s: Obj) => number) => all.reduce((n, rs) => n + f((rs.status ?? {}) as Obj), 0);
      const replicas = sum((s) => Number(s.replicas ?? 0));
      const ready = sum((s) => Number(s.readyReplicas ?? 0));
      const available = sum((s) => Number(s.availableReplicas ?? 0));
      const updated = Number(nst.replicas ?? 0);
      meta(dep).annotations = { ...meta(dep).annotations, [REVISION]: meta(newRs).annotations![REVISION]! };
      const key = `${meta(newRs).name}/${nst.readyReplicas ?? 0}/${newAvailable}/${updated}`;
      const p = this.progress.get(meta(dep).uid);
      const t = Date.now();
      if (!p || p.key !== key) this.progress.set(meta(dep).uid, { key, at: t });
      const lastProgress = this.progress.get(meta(dep).uid)!.at;
      const complete = updated === desired && newAvailable === desired && replicas === desired;
      const deadline = Number(spec(dep).progressDeadlineSeconds ?? 600) * 1000;
      const maxUnavailable = Math.floor(desired / 4);
      const rsName = meta(newRs).name;
      const progressing = complete
        ? { status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }
        : t - lastProgress > deadline
          ? { status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }
          : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
      const availableCond = available >= desired - maxUnavailable ? { status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' } : { status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
      const old = ((dep.status as Obj | undefined)?.conditions ?? []) as Obj[];
      const cond = (type: string, c: { status: string; reason: string; message: string }) => {
        const o = old.find((x) => x.type === type);
        const same = o && o.status === c.status && o.reason === c.reason && o.message === c.message;
        return same ? o : { type, ...c, lastUpdateTime: now(), lastTransitionTime: o && o.status === c.status ? o.lastTransitionTime : now() };
      };
      dep.status = {
        observedGeneration: meta(dep).generation ?? 1,
        replicas,
        updatedReplicas: updated,
        readyReplicas: ready,
        availableReplicas: available,
        ...(replicas - available > 0 ? { unavailableReplicas: replicas - available } : {}),
        conditions: [cond('Available', availableCond), cond('Progressing', progressing)],
      };
      if (ready === 0) delete (dep.status as Obj).readyReplicas;
      writeIfChanged(this.state, depRes, dep, before);
    }
  }

  private replicaSets(): void {
    const rsRes = resource('apps', 'replicasets');
    const podRes = resource('', 'pods');
    for (const rs of this.state.list(rsRes)) {
      if (meta(rs).deletionTimestamp) continue;
      const pods = this.state.list(podRes, meta(rs).namespace).filter((p) => ownedBy(p, rs) && alive(p));
      const want = spec(rs).replicas ?? 1;
      for (let i = pods.length; i < want; i++) {
        const pod = podFromTemplate(spec(rs).template ?? {}, `${meta(rs).name}-${generateSuffix()}`, meta(rs).namespace, {}, ownerRef(rs, 'ReplicaSet', 'apps/v1'));
        const denied = this.createPod(pod);
        if (denied) {
          this.events.record({ kind: 'ReplicaSet', apiVersion: 'apps/v1', obj: rs }, 'Warning', 'FailedCreate', `Error creating: ${denied.message}`, 'replicaset-controller');
          break;
        }
        pods.push(pod);
      }
      // Scale down: pods that are not ready go first.
      const extra = pods.length - want;
      if (extra > 0) for (const p of [...pods].sort((a, b) => Number(podReady(a)) - Number(podReady(b))).slice(0, extra)) this.deleteObject(podRes, p, 'Background');
      const kept = pods.filter((p) => !meta(p).deletionTimestamp && this.state.get(podRes, meta(p).namespace, meta(p).name));
      const ready = kept.filter(podReady).length;
      const before = JSON.stringify(rs);
      rs.status = { replicas: kept.length, fullyLabeledReplicas: kept.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: meta(rs).generation ?? 1 };
      writeIfChanged(this.state, rsRes, rs, before);
    }
  }

  private statefulSets(): void {
    const stsRes = resource('apps', 'statefulsets');
    const podRes = resource('', 'pods');
    for (const sts of this.state.list(stsRes)) {
      if (meta(sts).deletionTimestamp) continue;
      const before = JSON.stringify(sts);
      const want = spec(sts).replicas ?? 1;
      const revision = `${meta(sts).name}-${templateHash(spec(sts).template)}`;
      const pods = this.state.list(podRes, meta(sts).namespace).filter((p) => ownedBy(p, sts) && !meta(p).deletionTimestamp);
      const byOrdinal = new Map(pods.map((p) => [Number(meta(p).name.slice(meta(sts).name.length + 1)), p]));
      // OrderedReady: pod i is created only when 0..i-1 are ready.
      for (let i = 0; i < want; i++) {
        const p = byOrdinal.get(i);
        if (p) {
          if (!podReady(p)) break;
          continue;
        }
        const pod = podFromTemplate(spec(sts).template ?? {}, `${meta(sts).name}-${i}`, meta(sts).namespace, { 'controller-revision-hash': revision, 'apps.kubernetes.io/pod-index': String(i), 'statefulset.kubernetes.io/pod-name': `${meta(sts).name}-${i}` }, ownerRef(sts, 'StatefulSet', 'apps/v1'));
        const denied = this.createPod(pod);
        if (denied) this.events.record({ kind: 'StatefulSet', apiVersion: 'apps/v1', obj: sts }, 'Warning', 'FailedCreate', `create Pod ${meta(pod).name} in StatefulSet ${meta(sts).name} failed error: ${denied.message}`, 'statefulset-controller');
        break;
      }
      for (const [i, p] of byOrdinal) if (i >= want) this.deleteObject(podRes, p, 'Background');
      const live = [...byOrdinal].filter(([i]) => i < want).map(([, p]) => p);
      // Rolling update from the highest ordinal, one pod at a time, when all are ready.
      if (live.length === want && live.every(podReady)) {
        const stale = live.filter((p) => meta(p).labels?.['controller-revision-hash'] !== revision).sort((a, b) => meta(b).name.localeCompare(meta(a).name, undefined, { numeric: true }));
        if (stale[0]) this.deleteObject(podRes, stale[0], 'Background');
      }
      const ready = live.filter(podReady).length;
      const updated = live.filter((p) => meta(p).labels?.['controller-revision-hash'] === revision).length;
      const prev = (sts.status ?? {}) as Obj;
      const done = updated === want && ready === want;
      sts.status = { observedGeneration: meta(sts).generation ?? 1, replicas: live.length, readyReplicas: ready, availableReplicas: ready, currentReplicas: done ? want : live.length - updated, updatedReplicas: updated, currentRevision: done ? revision : (prev.currentRevision ?? revision), updateRevision: revision, collisionCount: 0 };
      writeIfChanged(this.state, stsRes, sts, before);
    }
  }

  private daemonSets(): void {
    const dsRes = resource('apps', 'daemonsets');
    const podRes = resource('', 'pods');
    const nodes = this.state.list(resource('', 'nodes')).filter((n) => !(n.spec as Obj | undefined)?.unschedulable);
    for (const ds of this.state.list(dsRes)) {
      if (meta(ds).deletionTimestamp) continue;
      const before = JSON.stringify(ds);
      const hash = templateHash(spec(ds).template);
      const pods = this.state.list(podRes, meta(ds).namespace).filter((p) => ownedBy(p, ds) && !meta(p).deletionTimestamp);
      for (const node of nodes) {
        const onNode = pods.find((p) => (p.spec as Obj | undefined)?.nodeName === node.metadata.name);
        if (onNode && meta(onNode).labels?.['controller-revision-hash'] !== hash && pods.every(podReady)) this.deleteObject(podRes, onNode, 'Background');
        if (onNode) continue;
        const pod = podFromTemplate(spec(ds).template ?? {}, `${meta(ds).name}-${generateSuffix()}`, meta(ds).namespace, { 'controller-revision-hash': hash }, ownerRef(ds, 'DaemonSet', 'apps/v1'));
        (pod.spec as Obj).nodeName = node.metadata.name;
        if (!this.createPod(pod)) pods.push(pod);
      }
      const live = pods.filter((p) => this.state.get(podRes, meta(p).namespace, meta(p).name) && !meta(p).deletionTimestamp);
      const ready = live.filter(podReady).length;
      const updated = live.filter((p) => meta(p).labels?.['controller-revision-hash'] === hash).length;
      ds.status = { observedGeneration: meta(ds).generation ?? 1, desiredNumberScheduled: nodes.length, currentNumberScheduled: live.length, numberMisscheduled: 0, numberReady: ready, numberAvailable: ready, updatedNumberScheduled: updated, ...(nodes.length - ready > 0 ? { numberUnavailable: nodes.length - ready } : {}) };
      writeIfChanged(this.state, dsRes, ds, before);
    }
  }
}
