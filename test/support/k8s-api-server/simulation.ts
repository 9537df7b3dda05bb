/**
 * A test API server with a simulated cluster behind it: writes (server-side apply, patches,
 * delete with propagation, dryRun=All), watch, admission (ResourceQuota, webhooks), controllers
 * (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job), a scheduler, kubelets whose containers
 * behave as their image says, and pod logs. The core server (server.ts) keeps serving reads.
 *
 *   const sim = await SimulatedCluster.start({ nodes: [simNode('gpu-1', { gpu: 2 })] });
 *   sim.image('registry.local/ai-eval:1', { exitCode: 137, reason: 'OOMKilled' });
 *   const kubeconfig = sim.server.writeKubeconfig();
 */
import { quotaAdmission, webhookAdmission, type AdmissionRequest, type WebhookRule } from './admission.js';
import { ClusterState, resourceOf, resource, type ChangeEvent } from './cluster-state.js';
import { EventRecorder } from './event-recorder.js';
import { JobController } from './job-controller.js';
import { Kubelet, type ImageBehaviour } from './kubelet.js';
import { PodLogs } from './pod-logs.js';
import { Scheduler } from './scheduler.js';
import { KubeApiServer, type KubeApiServerOptions } from './server.js';
import type { KubeObj } from './store.js';
import { WatchHub } from './watch.js';
import { WorkloadControllers } from './workload-controllers.js';
import { Writes } from './writes.js';

export interface SimulatedClusterOptions extends KubeApiServerOptions {
  /** Nodes to start with (see simNode). */
  nodes?: Record<string, unknown>[];
  /** Refuse objects in namespaces that do not exist. @defaultValue false */
  requireNamespaces?: boolean;
  /** Controller, scheduler and kubelet period. @defaultValue 25 ms */
  tickMs?: number;
}

export class SimulatedCluster {
  readonly state: ClusterState;
  readonly kubelet: Kubelet;
  /** Validating webhooks that deny matching requests; change freely during a test. */
  readonly webhooks: WebhookRule[] = [];
  requireNamespaces: boolean;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly watch: WatchHub;
  private readonly writes: Writes;
  private interval: NodeJS.Timeout | undefined;

  private constructor(
    readonly server: KubeApiServer,
    opts: SimulatedClusterOptions,
  ) {
    this.requireNamespaces = opts.requireNamespaces ?? false;
    this.state = new ClusterState(server);
    const events = new EventRecorder(this.state);
    const admission = [quotaAdmission(this.state), webhookAdmission(this.webhooks)];
    this.writes = new Writes(this.state, { admission, requireNamespaces: () => this.requireNamespaces, later: (fn, ms) => this.later(fn, ms) });
    this.watch = new WatchHub(this.state);
    this.kubelet = new Kubelet(this.state, events);
    server.use(this.watch);
    server.use(this.writes);
    server.use(new PodLogs(this.state, this.kubelet));
    const podRes = resource('', 'pods');
    const createPod = (pod: KubeObj) => {
      const a: AdmissionRequest = { operation: 'CREATE', res: podRes, object: pod, namespace: pod.metadata.namespace, user: 'system:serviceaccount:kube-system:job-controller' };
      for (const plugin of admission) {
        const denied = plugin(a);
        if (denied) return denied;
      }
      this.state.write(podRes, pod);
      return undefined;
    };
    const deleter = (res: ReturnType<typeof resource>, obj: KubeObj, policy: string) => void this.writes.deleteObject(res, obj, policy);
    const workloads = new WorkloadControllers(this.state, events, createPod, deleter);
    const jobs = new JobController(this.state, events, createPod, deleter);
    const scheduler = new Scheduler(this.state, events);
    this.state.onChange((e: ChangeEvent) => {
      if (e.type === 'DELETED' && e.res === podRes) this.kubelet.forget(String((e.object.metadata as { uid?: string }).uid));
    });
    for (const n of opts.nodes ?? []) this.apply(n);
    this.interval = setInterval(() => {
      workloads.tick();
      jobs.tick();
      scheduler.tick();
      this.kubelet.tick();
    }, opts.tickMs ?? 25);
  }

  static async start(opts: SimulatedClusterOptions = {}): Promise<SimulatedCluster> {
    const server = await KubeApiServer.start(opts);
    return new SimulatedCluster(server, opts);
  }

  /** How containers of `image` behave (start, readiness, exit code, OOM kill, pull errors, logs). */
  image(image: string, behaviour: ImageBehaviour): void {
    this.kubelet.images.set(image, behaviour);
  }

  /** Stores an object as the cluster's own (nodes, quotas, namespaces): controllers and watches see it. */
  apply(obj: Record<string, unknown>): KubeObj {
    const { kind, apiVersion, ...rest } = obj as { kind: string; apiVersion: string } & Record<string, unknown>;
    const res = resourceOf(apiVersion, kind);
    const o = JSON.parse(JSON.stringify(rest)) as KubeObj;
    if (res.namespaced) o.metadata.namespace ??= 'default';
    return this.state.write(res, o);
  }

  /** The stored object, as a GET would return it (without kind/apiVersion), or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Record<string, unknown> | undefined {
    const o = this.state.get(resourceOf(apiVersion, kind), namespace, name);
    return o ? (JSON.parse(JSON.stringify(o)) as Record<string, unknown>) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string): Record<string, unknown>[] {
    return this.state.list(resourceOf(apiVersion, kind), namespace).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
  }

  /** Resolves when `check` holds (polled every 20 ms), or throws after timeoutMs. */
  async until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`simulated cluster: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  async stop(): Promise<void> {
    clearInterval(this.interval);
    for (const t of this.timers) clearTimeout(t);
    this.watch.closeAll();
    this.kubelet.tick();
    await this.server.stop();
  }
}

/** A Ready node with allocatable cpu (cores), memory (GiB), pods and optional GPUs. */
export function simNode(name: string, o: { cpu?: number; memoryGi?: number; pods?: number; gpu?: number; unschedulable?: boolean; labels?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] } = {}): Record<string, unknown> {
  const alloc: Record<string, string> = { cpu: String(o.cpu ?? 4), memory: `${o.memoryGi ?? 16}Gi`, pods: String(o.pods ?? 110), 'ephemeral-storage': '100Gi' };
  if (o.gpu !== undefined) alloc['nvidia.com/gpu'] = String(o.gpu);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(o.labels ?? {}) } },
    spec: { ...(o.unschedulable ? { unschedulable: true } : {}), ...(o.taints ? { taints: o.taints } : {}) },
    status: { capacity: alloc, allocatable: alloc, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }], nodeInfo: { kubeletVersion: 'v1.32.4' } },
  };
}

export function simNamespace(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } };
}
