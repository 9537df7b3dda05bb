/**
 * ?watch=true as kube-apiserver serves it: a chunked stream of {"type","object"} lines. Without a
 * resourceVersion (or "0") the current objects come first as ADDED; with one, the changes after it
 * are replayed from a window of recent events, and a resourceVersion older than the window is
 * 410 Gone ("too old resource version"). timeoutSeconds ends the stream, as the server does.
 */
import type { ChangeEvent, ClusterState } from './cluster-state.js';
import { withKind } from './cluster-state.js';
import type { ResourceRequest, Responder, ServerExtension } from './extension.js';
import { labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { fieldValue } from './store.js';
import * as S from './status.js';

const WINDOW = 20_000;

export class WatchHub implements ServerExtension {
  private readonly events: ChangeEvent[] = [];
  private readonly subscribers = new Set<(e: ChangeEvent) => void>();
  private readonly streams = new Set<{ end(): void }>();

  constructor(private readonly state: ClusterState) {
    state.onChange((e) => {
      this.events.push(e);
      if (this.events.length > WINDOW) this.events.splice(0, this.events.length - WINDOW);
      for (const s of this.subscribers) s(e);
    });
  }

  /** Ends every open watch (the server is stopping). */
  closeAll(): void {
    for (const s of this.streams) s.end();
  }

  async handle(r: ResourceRequest, out: Responder): Promise<boolean> {
    if (r.verb !== 'watch' || r.sub.length > 0) return false;
    let fields;
    let labels;
    try {
      fields = r.query.get('fieldSelector') ? parseFieldSelector(r.query.get('fieldSelector')!, r.res.fields) : [];
      labels = r.query.get('labelSelector') ? parseLabelSelector(r.query.get('labelSelector')!) : [];
    } catch (err) {
      await out.sendStatus(S.badRequest((err as Error).message));
      return true;
    }
    const matches = (obj: Record<string, unknown>) => {
      const meta = obj.metadata as { namespace?: string; labels?: Record<string, string> };
      if (r.namespace !== undefined && r.res.namespaced && meta.namespace !== r.namespace) return false;
      for (const f of fields) if ((fieldValue(obj, f.field) === f.value) !== (f.op === '=')) return false;
      return labels.length === 0 || labelsMatch(labels, meta.labels);
    };
    const rvParam = r.query.get('resourceVersion');
    const fromRv = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
    const oldest = this.events[0]?.rv;
    if (fromRv !== undefined && this.events.length >= WINDOW && oldest !== undefined && fromRv < oldest - 1) {
      await out.sendStatus({ ...S.badRequest(`too old resource version: ${fromRv} (${oldest - 1})`), code: 410, reason: 'Expired' });
      return true;
    }
    const res = r.response;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    const write = (type: string, object: Record<string, unknown>) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    if (fromRv === undefined) {
      for (const o of this.state.list(r.res, r.res.namespaced ? r.namespace : undefined)) if (matches(o)) write('ADDED', withKind(r.res, o));
    } else {
      for (const e of this.events) if (e.rv > fromRv && e.res === r.res && matches(e.object)) write(e.type, e.object);
    }
    const sub = (e: ChangeEvent) => {
      if (e.res === r.res && matches(e.object)) write(e.type, e.object);
    };
    this.subscribers.add(sub);
    const timeout = Number(r.query.get('timeoutSeconds') ?? 1800);
    await new Promise<void>((resolve) => {
      const stream = {
        end: () => {
          if (!res.writableEnded) res.end();
          resolve();
        },
      };
      this.streams.add(stream);
      const timer = setTimeout(stream.end, timeout * 1000);
      timer.unref();
      res.on('close', () => {
        clearTimeout(timer);
        this.streams.delete(stream);
        resolve();
      });
    });
    this.subscribers.delete(sub);
    return true;
  }
}
