/**
 * The kubelets of the simulated nodes: pods bound to a node start, become ready, write log lines
 * and exit the way their image says (ImageBehaviour): pulls that fail (ErrImagePull, then
 * ImagePullBackOff), servers that crash (CrashLoopBackOff with restarts), jobs that exit with a
 * code or are OOMKilled. Container status, pod phase and conditions are what the real kubelet reports.
 */
import { now, resource, type ClusterState } from './cluster-state.js';
import type { EventRecorder } from './event-recorder.js';
import { podDone } from './pod-resources.js';
import type { KubeObj } from './store.js';

type Obj = Record<string, unknown>;

/** How a container of an image behaves once its pod is on a node. */
export interface ImageBehaviour {
  /** Pulling fails with this message: ErrImagePull, then ImagePullBackOff. */
  pullError?: string;
  /** From binding to running. @defaultValue 40 ms */
  startMs?: number;
  /** From running to ready, for containers that keep running. @defaultValue 40 ms */
  readyMs?: number;
  /** The container exits with this code after `runMs`; undefined: it runs until deleted. Jobs' containers default to 0. */
  exitCode?: number;
  /** How long the container runs before it exits. @defaultValue 150 ms */
  runMs?: number;
  /** terminated.reason, e.g. "OOMKilled" (exit code 137). @defaultValue Completed for 0, else Error */
  reason?: string;
  /** Lines written to stdout, spread over the run. */
  logs?: string[];
}

interface LogLine {
  at: number;
  text: string;
}

interface ContainerRun {
  startAt: number;
  lines: LogLine[];
  exitAt?: number;
  restarts: number;
  finished: boolean;
}

const isJobPod = (pod: KubeObj) => ((pod.metadata as Obj).ownerReferences as { kind: string }[] | undefined)?.some((o) => o.kind === 'Job') ?? false;

export class Kubelet {
  readonly images = new Map<string, ImageBehaviour>();
  private readonly runs = new Map<string, ContainerRun>();
  private readonly logWaiters = new Set<() => void>();

  constructor(
    private readonly state: ClusterState,
    private readonly events: EventRecorder,
  ) {}

  behaviour(image: string, pod: KubeObj): Required<Pick<ImageBehaviour, 'startMs' | 'readyMs' | 'runMs'>> & ImageBehaviour {
    const b = this.images.get(image) ?? {};
    const restart = ((pod.spec as Obj | undefined)?.restartPolicy as string | undefined) ?? 'Always';
    const exitCode = b.exitCode ?? (isJobPod(pod) || restart !== 'Always' ? 0 : undefined);
    return { startMs: 40, readyMs: 40, runMs: 150, ...b, ...(exitCode !== undefined ? { exitCode } : {}) };
  }

  /** Log lines written so far by a container, and whether it has exited. */
  logs(uid: string, container: string): { lines: string[]; finished: boolean; started: boolean } {
    const run = this.runs.get(`${uid}/${container}`);
    if (!run) return { lines: [], finished: false, started: false };
    const t = Date.now();
    return { lines: run.lines.filter((l) => l.at <= t).map((l) => l.text), finished: run.finished, started: true };
  }

  /** Resolves on the next kubelet tick (for log followers). */
  nextTick(): Promise<void> {
    return new Promise((resolve) => this.logWaiters.add(resolve));
  }

  tick(): void {
    const res = resource('', 'pods');
    const t = Date.now();
    for (const pod of this.state.list(res)) {
      const spec = (pod.spec ?? {}) as { nodeName?: string; containers?: { name: string; image?: string }[]; restartPolicy?: string };
      if (!spec.nodeName || podDone(pod) || (pod.metadata as Obj).deletionTimestamp) continue;
      const before = JSON.stringify(pod.status);
      const status = (pod.status ??= {}) as Obj;
      const uid = String((pod.metadata as Obj).uid);
      const statuses: Obj[] = [];
      let allReady = true;
      let terminatedCodes: number[] = [];
      let running = 0;
      for (const c of spec.containers ?? []) {
        const b = this.behaviour(c.image ?? '', pod);
        const key = `${uid}/${c.name}`;
        let run = this.runs.get(key);
        const prev = ((status.containerStatuses as Obj[] | undefined) ?? []).find((s) => s.name === c.name);
        const cs: Obj = { name: c.name, image: c.image, imageID: '', restartCount: Number(prev?.restartCount ?? 0), ready: false, started: false };
        if (!run) {
          const scheduledAt = Date.parse(String(((status.conditions as Obj[] | undefined) ?? []).find((x) => x.type === 'PodScheduled')?.lastTransitionTime ?? now()));
          run = { startAt: Math.max(t, (Number.isFinite(scheduledAt) ? scheduledAt : t)) + b.startMs, lines: [], restarts: 0, finished: false };
          this.runs.set(key, run);
        }
        if (b.pullError && t >= run.startAt) {
          const backoff = t >= run.startAt + 80;
          cs.state = { waiting: backoff ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } : { reason: 'ErrImagePull', message: b.pullError } };
          if (prev && ((prev.state as Obj | undefined)?.waiting as Obj | undefined)?.reason !== (cs.state as { waiting: Obj }).waiting.reason) this.events.record({ kind: 'Pod', apiVersion: 'v1', obj: pod }, 'Warning', backoff ? 'BackOff' : 'Failed', backoff ? `Back-off pulling image "${c.image}"` : `Failed to pull image "${c.image}": ${b.pullError}`, 'kubelet');
          allReady = false;
        } else if (t < run.startAt) {
          cs.state = run.restarts > 0 ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` } } : { waiting: { reason: 'ContainerCreating' } };
          if (run.restarts > 0) cs.lastState = prev?.lastState ?? prev?.state;
          allReady = false;
        } else {
          if (run.lines.length === 0 && b.logs && b.logs.length > 0 && !run.finished) {
            const span = b.exitCode !== undefined ? b.runMs : b.readyMs;
            b.logs.forEach((text, i) => run!.lines.push({ at: run!.startAt + Math.floor((span * i) / Math.max(1, b.logs!.length)), text }));
          }
          const startedAt = new Date(run.startAt).toISOString().replace(/\.\d+Z$/, 'Z');
          const exitAt = b.exitCode !== undefined ? run.startAt + b.runMs : undefined;
          if (exitAt !== undefined && t >= exitAt) {
            const code = b.exitCode!;
            const terminated = { exitCode: code, reason: b.reason ?? (code === 0 ? 'Completed' : 'Error'), startedAt, finishedAt: new Date(exitAt).toISOString().replace(/\.\d+Z$/, 'Z'), containerID: `containerd://${uid.replace(/-/g, '')}` };
            const restartPolicy = spec.restartPolicy ?? 'Always';
            if (restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && code === 0)) {
              cs.state = { terminated };
              run.finished = true;
              terminatedCodes.push(code);
            } else {
              // Restart with back-off: the container waits in CrashLoopBackOff, then runs again.
              run.restarts++;
              cs.restartCount = Number(cs.restartCount) + 1;
              cs.lastState = { terminated };
              cs.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` } };
              run.startAt = t + 250;
              run.lines = [];
              this.events.record({ kind: 'Pod', apiVersion: 'v1', obj: pod }, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`, 'kubelet');
            }
            allReady = false;
          } else {
            running++;
            cs.state = { running: { startedAt } };
            cs.started = true;
            if (run.restarts > 0) cs.lastState = prev?.lastState;
            cs.ready = exitAt === undefined ? t >= run.startAt + b.readyMs : true;
            if (!cs.ready) allReady = false;
          }
        }
        statuses.push(cs);
      }
      const containers = spec.containers ?? [];
      const allTerminated = terminatedCodes.length === containers.length && containers.length > 0;
      status.containerStatuses = statuses;
      status.hostIP ??= '10.0.0.10';
      status.podIP ??= `10.244.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
      status.startTime ??= now();
      status.qosClass ??= 'BestEffort';
      status.phase = allTerminated ? (terminatedCodes.every((c) => c === 0) ? 'Succeeded' : 'Failed') : running > 0 || statuses.some((s) => Number(s.restartCount) > 0) ? 'Running' : 'Pending';
      const ready = !allTerminated && allReady;
      const cond = (type: string, ok: boolean, reason?: string) => ({ type, status: ok ? 'True' : 'False', ...(ok || !reason ? {} : { reason }), lastTransitionTime: now() });
      const oldConds = (status.conditions as Obj[] | undefined) ?? [];
      const conds = [cond('PodReadyToStartContainers', true), cond('Initialized', true), cond('Ready', ready, allTerminated ? 'PodCompleted' : 'ContainersNotReady'), cond('ContainersReady', ready, allTerminated ? 'PodCompleted' : 'ContainersNotReady'), oldConds.find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled', true)];
      // Keep transition times of conditions that did not change.
      status.conditions = conds.map((c) => {
        const o = oldConds.find((x) => x.type === c.type);
        return o && o.status === c.status && o.reason === c.reason ? o : c;
      });
      if (JSON.stringify(status) !== before) this.state.write(res, pod);
    }
    for (const w of this.logWaiters) w();
    this.logWaiters.clear();
  }

  /** Forgets the runs of pods that are gone. */
  forget(uid: string): void {
    for (const k of this.runs.keys()) if (k.startsWith(`${uid}/`)) this.runs.delete(k);
  }
}
