import { randomUUID } from 'node:crypto';
import type { KubeApiServer } from './server.js';
import { groupVersion, resourceByKind, SERVER_RESOURCES, type ServerResource } from './resources.js';
import { keyFor, type KubeObj } from './store.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change of a stored object, in the order writes happened (what watches replay). */
export interface ChangeEvent {
  rv: number;
  type: WatchEventType;
  res: ServerResource;
  /** The object as it was written, with kind and apiVersion. */
  object: Record<string, unknown>;
}

export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A deep copy through JSON: what a real client gets is never the stored object itself. */
export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** "apps/deployments" -> the resource; throws for kinds the server does not serve. */
export function resourceOf(apiVersion: string, kind: string): ServerResource {
  const res = resourceByKind(apiVersion, kind);
  if (!res) throw new Error(`the test API server does not serve ${apiVersion}/${kind}`);
  return res;
}

export const resource = (group: string, plural: string): ServerResource => {
  const res = SERVER_RESOURCES.find((r) => r.group === group && r.resource === plural);
  if (!res) throw new Error(`unknown resource ${group}/${plural}`);
  return res;
};

/** The object as the API returns it: kind and apiVersion first. */
export const withKind = (res: ServerResource, obj: KubeObj): Record<string, unknown> => ({ kind: res.kind, apiVersion: groupVersion(res), ...obj });

/**
 * The writable state of the simulated cluster on top of the core server's stores: every write gets
 * a resourceVersion and becomes a change event (for watches and controllers). Objects are stored
 * without kind/apiVersion, like the core's static store.
 */
export class ClusterState {
  private readonly listeners = new Set<(e: ChangeEvent) => void>();

  constructor(readonly server: KubeApiServer) {}

  get(res: ServerResource, namespace: string | undefined, name: string): KubeObj | undefined {
    return this.server.staticsFor(res).get(res.namespaced ? `${namespace ?? ''}/${name}` : name);
  }

  list(res: ServerResource, namespace?: string): KubeObj[] {
    const src = this.server.staticsFor(res);
    const out: KubeObj[] = [];
    for (let i = 0; i < src.size; i++) {
      const o = src.objectAt(i);
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(o);
    }
    return out;
  }

  /** Stores an object (new or changed) with a fresh resourceVersion and announces it. */
  write(res: ServerResource, obj: KubeObj): KubeObj {
    const meta = obj.metadata as KubeObj['metadata'] & { uid?: string; creationTimestamp?: string };
    const existed = this.get(res, meta.namespace, meta.name) !== undefined;
    meta.uid ??= randomUUID();
    meta.creationTimestamp ??= now();
    meta.resourceVersion = String(this.server.nextResourceVersion());
    this.server.staticsFor(res).put(obj);
    this.emit({ rv: Number(meta.resourceVersion), type: existed ? 'MODIFIED' : 'ADDED', res, object: withKind(res, clone(obj)) });
    return obj;
  }

  /** Removes an object and announces it. */
  remove(res: ServerResource, obj: KubeObj): void {
    if (!this.server.staticsFor(res).delete(keyFor(obj))) return;
    const rv = this.server.nextResourceVersion();
    const gone = clone(obj);
    gone.metadata.resourceVersion = String(rv);
    this.emit({ rv, type: 'DELETED', res, object: withKind(res, gone) });
  }

  /** Every object whose ownerReferences name `uid`, with its resource. */
  dependents(uid: string): { res: ServerResource; obj: KubeObj }[] {
    const out: { res: ServerResource; obj: KubeObj }[] = [];
    for (const res of SERVER_RESOURCES) {
      for (const obj of this.list(res)) {
        const refs = (obj.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences ?? [];
        if (refs.some((r) => r.uid === uid)) out.push({ res, obj });
      }
    }
    return out;
  }

  onChange(fn: (e: ChangeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: ChangeEvent): void {
    for (const fn of this.listeners) fn(e);
  }
}
