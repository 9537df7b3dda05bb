/**
 * Create, update, patch (server-side apply, merge, strategic merge, JSON patch) and delete, with
 * dryRun=All, field managers, defaulting, validation, admission (quota, webhooks), resourceVersion
 * preconditions and garbage collection of dependents by propagation policy.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { recordUpdate, serverSideApply, conflictMessage, pathText, type FieldPath } from './apply.js';
import * as A from './api-status.js';
import { clone, now, resource, withKind, type ClusterState } from './cluster-state.js';
import type { AdmissionPlugin } from './admission.js';
import { answered, type ResourceRequest, type Responder, type ServerExtension } from './extension.js';
import { applyDefaults, immutableChanges, validateObject } from './object-rules.js';
import { jsonPatch, JsonPatchError, mergePatch, strategicMergePatch } from './patches.js';
import { groupVersion, type ServerResource } from './resources.js';
import * as S from './status.js';
import type { KubeObj } from './store.js';

type Obj = Record<string, unknown>;

export interface WriteOptions {
  admission: AdmissionPlugin[];
  /** Refuse objects in namespaces that do not exist (kube-apiserver's NamespaceLifecycle). @defaultValue false */
  requireNamespaces: () => boolean;
  /** Runs fn after ms on the simulation's clock (cancelled when it stops). */
  later: (fn: () => void, ms: number) => void;
}

const DEFAULT_PROPAGATION: Record<string, string> = { Job: 'Orphan', CronJob: 'Orphan' };
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateSuffix(n = 5): string {
  const bytes = randomBytes(n);
  return [...bytes].map((b) => GENERATE_ALPHABET[b % GENERATE_ALPHABET.length]).join('');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const metaOf = (o: Obj) => (o.metadata ??= {}) as Obj & { name?: string; namespace?: string; uid?: string; generation?: number; resourceVersion?: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[]; finalizers?: string[]; deletionTimestamp?: string };

export class Writes implements ServerExtension {
  constructor(
    private readonly state: ClusterState,
    private readonly opts: WriteOptions,
  ) {}

  async handle(r: ResourceRequest, out: Responder): Promise<boolean> {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) || r.sub.length > 0) return false;
    const dry = r.query.get('dryRun');
    if (dry !== null && dry !== 'All') {
      await out.sendStatus(A.badRequestMessage(`invalid dry run option: ${dry}`));
      return true;
    }
    const body = await readBody(r.req);
    let parsed: unknown;
    try {
      parsed = body.trim() === '' ? undefined : parseYaml(body);
    } catch (err) {
      await out.sendStatus(A.badRequestMessage(`error decoding ${r.req.headers['content-type'] ?? 'body'}: ${(err as Error).message.split('\n')[0]}`));
      return true;
    }
    if (r.method === 'DELETE') return this.delete(r, parsed as Obj | undefined, dry === 'All', out);
    if (r.method === 'POST' && r.name === undefined) return this.create(r, parsed as Obj, dry === 'All', out);
    if (r.name === undefined) return false;
    if (r.method === 'PUT') return this.update(r, parsed as Obj, dry === 'All', out);
    return this.patch(r, parsed, dry === 'All', out);
  }

  private manager(r: ResourceRequest): string {
    return r.query.get('fieldManager') ?? String(r.req.headers['user-agent'] ?? 'unknown').split('/')[0]!;
  }

  private async create(r: ResourceRequest, obj: Obj, dryRun: boolean, out: Responder): Promise<boolean> {
    const bad = this.checkBody(r, obj);
    if (bad) return answered(out.sendStatus(bad));
    const meta = metaOf(obj);
    if (!meta.name && typeof meta.generateName === 'string') meta.name = `${meta.generateName}${generateSuffix()}`;
    if (r.res.namespaced) meta.namespace = r.namespace;
    if (this.state.get(r.res, r.namespace, String(meta.name ?? ''))) return answered(out.sendStatus(A.alreadyExists(r.res, String(meta.name))));
    const result = await this.admit(r, undefined, obj, this.manager(r), dryRun, out);
    if (result) await out.send(201, JSON.stringify(withKind(r.res, result as KubeObj)));
    return true;
  }

  private async update(r: ResourceRequest, obj: Obj, dryRun: boolean, out: Responder): Promise<boolean> {
    const bad = this.checkBody(r, obj);
    if (bad) return answered(out.sendStatus(bad));
    const live = this.state.get(r.res, r.namespace, r.name!);
    if (!live) return answered(out.sendStatus(notFound(r)));
    const rv = metaOf(obj).resourceVersion;
    if (rv !== undefined && rv !== live.metadata.resourceVersion) return answered(out.sendStatus(A.modified(r.res, r.name!)));
    const next = clone(obj);
    Object.assign(metaOf(next), { uid: metaOf(live).uid, creationTimestamp: (live.metadata as Obj).creationTimestamp, managedFields: (live.metadata as Obj).managedFields, namespace: r.namespace, name: r.name });
    next.status = (live as Obj).status;
    const result = await this.admit(r, live, next, this.manager(r), dryRun, out);
    if (result) await out.send(200, JSON.stringify(withKind(r.res, result as KubeObj)));
    return true;
  }

  private async patch(r: ResourceRequest, patch: unknown, dryRun: boolean, out: Responder): Promise<boolean> {
    const type = String(r.req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const live = this.state.get(r.res, r.namespace, r.name!);
    if (type === 'application/apply-patch+yaml') {
      const fieldManager = r.query.get('fieldManager');
      if (!fieldManager) return answered(out.sendStatus(A.badRequestMessage('PATCH requests with application/apply-patch+yaml require a fieldManager (the fieldManager query parameter)')));
      const applied = patch as Obj;
      const bad = this.checkBody(r, applied);
      if (bad) return answered(out.sendStatus(bad));
      if (metaOf(applied).name !== r.name) return answered(out.sendStatus(A.badRequestMessage(`the name of the object (${String(metaOf(applied).name)}) does not match the name on the URL (${r.name})`)));
      const res = serverSideApply(live ? clone(live) : undefined, applied, { manager: fieldManager, force: r.query.get('force') === 'true', apiVersion: groupVersion(r.res) });
      if (!res.ok) {
        const msg = conflictMessage(res.conflicts, groupVersion(r.res));
        await out.sendStatus(A.applyConflict(msg, res.conflicts.map((c) => ({ field: pathText(JSON.parse(c.path) as FieldPath), message: `conflict with "${c.manager}" using ${groupVersion(r.res)}` }))));
        return true;
      }
      const next = res.object;
      Object.assign(metaOf(next), { name: r.name, ...(r.res.namespaced ? { namespace: r.namespace } : {}) });
      if (live) next.status = (live as Obj).status;
      const result = await this.admit(r, live, next, undefined, dryRun, out);
      if (result) await out.send(live ? 200 : 201, JSON.stringify(withKind(r.res, result as KubeObj)));
      return true;
    }
    if (!live) return answered(out.sendStatus(notFound(r)));
    let next: Obj;
    try {
      if (type === 'application/merge-patch+json') next = mergePatch(clone(live), patch) as Obj;
      else if (type === 'application/strategic-merge-patch+json') next = strategicMergePatch(clone(live), patch) as Obj;
      else if (type === 'application/json-patch+json') next = jsonPatch(clone(live), patch);
      else return answered(out.sendStatus(A.unsupportedMediaType(type)));
    } catch (err) {
      if (err instanceof JsonPatchError) return answered(out.sendStatus({ ...A.badRequestMessage(err.message), code: 422, reason: 'Invalid' }));
      throw err;
    }
    Object.assign(metaOf(next), { name: r.name, uid: metaOf(live).uid, ...(r.res.namespaced ? { namespace: r.namespace } : {}) });
    next.status = (live as Obj).status;
    const result = await this.admit(r, live, next, this.manager(r), dryRun, out);
    if (result) await out.send(200, JSON.stringify(withKind(r.res, result as KubeObj)));
    return true;
  }

  /** Defaults, validation, admission, generation; stores unless dry run. Returns undefined when refused (already answered). */
  private async admit(r: ResourceRequest, live: KubeObj | undefined, next: Obj, updateManager: string | undefined, dryRun: boolean, out: Responder): Promise<Obj | undefined> {
    const created = !live;
    if (created && r.res.namespaced && this.opts.requireNamespaces() && !this.state.get(resource('', 'namespaces'), undefined, r.namespace ?? '')) {
      await out.sendStatus(A.namespaceNotFound(r.namespace ?? ''));
      return undefined;
    }
    delete next.kind;
    delete next.apiVersion;
    applyDefaults(r.res, next, created);
    const errors = [...validateObject(r.res, next), ...(live ? immutableChanges(r.res, live, next) : [])];
    if (errors.length > 0) {
      await out.sendStatus(A.invalid(r.res, String(metaOf(next).name ?? ''), errors));
      return undefined;
    }
    for (const plugin of this.opts.admission) {
      const denied = plugin({ operation: created ? 'CREATE' : 'UPDATE', res: r.res, object: next, namespace: r.namespace, user: r.who.user });
      if (denied) {
        await out.sendStatus(denied);
        return undefined;
      }
    }
    if (updateManager !== undefined) recordUpdate(live, next, { manager: updateManager, apiVersion: groupVersion(r.res) });
    const meta = metaOf(next);
    const specChanged = created || JSON.stringify((live as Obj).spec) !== JSON.stringify(next.spec);
    meta.generation = created ? 1 : Number((live!.metadata as Obj).generation ?? 1) + (specChanged ? 1 : 0);
    if (created && r.res.kind === 'Namespace') next.status = { phase: 'Active' };
    // Like kube-apiserver, a write that changes nothing (managedFields timestamps aside) is not stored.
    if (!created && unchanged(live as Obj, next)) return live as Obj;
    if (dryRun) {
      if (created) meta.creationTimestamp ??= now();
      return next;
    }
    return this.state.write(r.res, next as KubeObj) as Obj;
  }

  private checkBody(r: ResourceRequest, obj: unknown): ReturnType<typeof A.badRequestMessage> | undefined {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return A.badRequestMessage('the body of the request must be an object');
    const o = obj as Obj;
    if (o.kind !== undefined && o.kind !== r.res.kind) return A.badRequestMessage(`the kind of the object (${String(o.kind)}) does not match the kind on the URL (${r.res.kind})`);
    if (o.apiVersion !== undefined && o.apiVersion !== groupVersion(r.res)) return A.badRequestMessage(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${groupVersion(r.res)})`);
    const ns = metaOf(o).namespace;
    if (r.res.namespaced && ns !== undefined && ns !== r.namespace) return A.badRequestMessage('the namespace of the provided object does not match the namespace sent on the request');
    return undefined;
  }

  private async delete(r: ResourceRequest, body: Obj | undefined, dryRun: boolean, out: Responder): Promise<boolean> {
    if (r.name === undefined) return false;
    const live = this.state.get(r.res, r.namespace, r.name);
    if (!live) return answered(out.sendStatus(notFound(r)));
    const policy = r.query.get('propagationPolicy') ?? (body?.propagationPolicy as string | undefined) ?? DEFAULT_PROPAGATION[r.res.kind] ?? 'Background';
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      await out.sendStatus(A.badRequestMessage(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`));
      return true;
    }
    if (dryRun) {
      await out.send(200, JSON.stringify(A.success(r.res, r.name, String(metaOf(live).uid))));
      return true;
    }
    const kept = this.deleteObject(r.res, live, policy);
    await out.send(200, JSON.stringify(kept ? withKind(r.res, kept) : A.success(r.res, r.name, String(metaOf(live).uid))));
    return true;
  }

  /**
   * Deletes with a propagation policy; returns the object when it stays for now (foreground
   * deletion waiting for dependents, a pod's grace period).
   */
  deleteObject(res: ServerResource, obj: KubeObj, policy: string): KubeObj | undefined {
    const meta = metaOf(obj);
    const uid = String(meta.uid);
    if (policy === 'Orphan') {
      for (const d of this.state.dependents(uid)) {
        const dm = metaOf(d.obj);
        dm.ownerReferences = (dm.ownerReferences ?? []).filter((o) => o.uid !== uid);
        if (dm.ownerReferences.length === 0) delete dm.ownerReferences;
        this.state.write(d.res, d.obj);
      }
      this.state.remove(res, obj);
      return undefined;
    }
    if (policy === 'Foreground') {
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = now();
        meta.finalizers = [...new Set([...(meta.finalizers ?? []), 'foregroundDeletion'])];
        this.state.write(res, obj);
      }
      const finish = () => {
        const deps = this.state.dependents(uid);
        for (const d of deps) if (!metaOf(d.obj).deletionTimestamp) this.deleteObject(d.res, d.obj, 'Foreground');
        if (this.state.dependents(uid).length > 0) return this.opts.later(finish, 40);
        const cur = this.state.get(res, meta.namespace, String(meta.name));
        if (cur) this.state.remove(res, cur);
      };
      this.opts.later(finish, 40);
      return obj;
    }
    if (res.kind === 'Pod' && !meta.deletionTimestamp) {
      meta.deletionTimestamp = now();
      (meta as Obj).deletionGracePeriodSeconds = 30;
      this.state.write(res, obj);
      this.opts.later(() => {
        const cur = this.state.get(res, meta.namespace, String(meta.name));
        if (cur) this.state.remove(res, cur);
      }, 50);
      return obj;
    }
    this.state.remove(res, obj);
    this.opts.later(() => {
      for (const d of this.state.dependents(uid)) this.deleteObject(d.res, d.obj, 'Background');
    }, 20);
    return undefined;
  }
}

function notFound(r: ResourceRequest) {
  return S.notFound(r.res.group, r.res.resource, r.name!);
}

function unchanged(a: Obj, b: Obj): boolean {
  const strip = (o: Obj) => {
    const c = clone(o);
    const m = metaOf(c);
    delete m.resourceVersion;
    for (const e of (m.managedFields as Obj[] | undefined) ?? []) delete e.time;
    return JSON.stringify(c, Object.keys(flatKeys(c)).sort());
  };
  return strip(a) === strip(b);
}

/** Every key used anywhere in a value (a stable JSON.stringify replacer list). */
function flatKeys(v: unknown, acc: Record<string, true> = {}): Record<string, true> {
  if (Array.isArray(v)) v.forEach((x) => flatKeys(x, acc));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (acc[k] = true), flatKeys(x, acc);
  return acc;
}
