/**
 * GET /api/v1/namespaces/NS/pods/NAME/log as the API server proxies it from the kubelet: text/plain,
 * `container` (required when the pod has several), `follow` (streams until the container exits),
 * `tailLines`, `limitBytes`, and 400 "is waiting to start" for containers that never ran.
 */
import { resource, type ClusterState } from './cluster-state.js';
import { answered, type ResourceRequest, type Responder, type ServerExtension } from './extension.js';
import type { Kubelet } from './kubelet.js';
import * as S from './status.js';

type Obj = Record<string, unknown>;

export class PodLogs implements ServerExtension {
  constructor(
    private readonly state: ClusterState,
    private readonly kubelet: Kubelet,
  ) {}

  async handle(r: ResourceRequest, out: Responder): Promise<boolean> {
    if (r.method !== 'GET' || r.res.resource !== 'pods' || r.sub[0] !== 'log' || !r.name) return false;
    const pod = this.state.get(resource('', 'pods'), r.namespace, r.name);
    if (!pod) return answered(out.sendStatus(S.notFound('', 'pods', r.name)));
    const containers = (((pod.spec as Obj | undefined)?.containers ?? []) as { name: string }[]).map((c) => c.name);
    const container = r.query.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) return answered(out.sendStatus(S.badRequest(`a container name must be specified for pod ${r.name}, choose one of: [${containers.join(' ')}]`)));
    if (!containers.includes(container)) return answered(out.sendStatus(S.badRequest(`container ${container} is not valid for pod ${r.name}`)));
    const uid = String((pod.metadata as Obj).uid);
    const first = this.kubelet.logs(uid, container);
    if (!first.started || first.lines.length === 0) {
      const cs = (((pod.status as Obj | undefined)?.containerStatuses ?? []) as Obj[]).find((c) => c.name === container);
      const waiting = (cs?.state as { waiting?: { reason?: string } } | undefined)?.waiting;
      if (!cs || (waiting && Number(cs.restartCount ?? 0) === 0)) {
        const reason = waiting?.reason ?? 'ContainerCreating';
        const why = reason === 'ImagePullBackOff' || reason === 'ErrImagePull' ? 'trying and failing to pull image' : reason;
        return answered(out.sendStatus(S.badRequest(`container "${container}" in pod "${r.name}" is waiting to start: ${why}`)));
      }
    }
    const follow = r.query.get('follow') === 'true';
    const tail = r.query.get('tailLines') !== null ? Number(r.query.get('tailLines')) : undefined;
    const limit = r.query.get('limitBytes') !== null ? Number(r.query.get('limitBytes')) : Infinity;
    const res = r.response;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    let sent = 0;
    let bytes = 0;
    const emit = (lines: string[]) => {
      for (const l of lines) {
        if (bytes >= limit || res.writableEnded) return;
        const chunk = Buffer.from(`${l}\n`).subarray(0, Math.max(0, limit - bytes));
        bytes += chunk.length;
        res.write(chunk);
      }
    };
    const initial = first.lines;
    emit(tail !== undefined ? initial.slice(Math.max(0, initial.length - tail)) : initial);
    sent = initial.length;
    let closed = false;
    res.on('close', () => (closed = true));
    while (follow && !closed && bytes < limit) {
      const cur = this.kubelet.logs(uid, container);
      emit(cur.lines.slice(sent));
      sent = cur.lines.length;
      if (cur.finished || !this.state.get(resource('', 'pods'), r.namespace, r.name)) break;
      await this.kubelet.nextTick();
    }
    if (!res.writableEnded) res.end();
    return true;
  }
}
