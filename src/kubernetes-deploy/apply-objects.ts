import type { KubernetesObject } from '@kubernetes/client-node';
import { isNotFound, kubeStepError } from './kube-failure.js';
import { headerOf, refOf, refText, type KubeSession, type ObjectRef } from './kube-session.js';
import type { Manifest } from './manifests.js';
import { diffObjects, formatChange, redactSecret } from './object-diff.js';

export const FIELD_MANAGER = 'patrol';

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'pruned';

export interface AppliedObject extends ObjectRef {
  action: ApplyAction;
  /** What changed (or would change in a dry run), one line per field. */
  changes: string[];
}

export interface ApplyOptions {
  dryRun: boolean;
  /** Take over fields other managers own instead of failing with their conflicts. */
  force: boolean;
  /** Create objects that do not exist; leave existing ones exactly as they are (PVCs of storage traits). */
  createOnly?: boolean;
  log: (line: string) => void;
}

/** The client library returns typed objects (Dates, classes); compare and report plain JSON. */
export function plain<T>(v: T): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}

export async function readObject(session: KubeSession, ref: ObjectRef): Promise<Record<string, unknown> | undefined> {
  try {
    return plain(await session.objects.read(headerOf(ref)));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw kubeStepError(`read ${refText(ref)}`, err);
  }
}

/**
 * Server-side applies each object as field manager `patrol` (dryRun=All in a dry run) and
 * reports what changed against the live object: the API server's own answer, so defaulting,
 * admission and conflicts show in a dry run exactly as they would for real.
 */
export async function applyObjects(session: KubeSession, objects: Manifest[], opts: ApplyOptions): Promise<AppliedObject[]> {
  const out: AppliedObject[] = [];
  for (const obj of objects) {
    const ref = refOf(obj);
    const live = await readObject(session, ref);
    if (live && opts.createOnly) {
      opts.log(`${refText(ref)} exists: left as it is (create only)`);
      out.push({ ...ref, action: 'unchanged', changes: [] });
      continue;
    }
    let result: KubernetesObject;
    try {
      result = await session.objects.patch(obj, undefined, opts.dryRun ? 'All' : undefined, FIELD_MANAGER, opts.force, session.lib.PatchStrategy.ServerSideApply);
    } catch (err) {
      throw kubeStepError(`apply ${refText(ref)}${opts.dryRun ? ' (dry run)' : ''}`, err, { object: refText(ref) });
    }
    const changes = diffObjects(live, plain(result)).map((c) => formatChange(ref.kind === 'Secret' ? redactSecret(c) : c));
    const action: ApplyAction = !live ? 'created' : changes.length > 0 ? 'configured' : 'unchanged';
    opts.log(`${refText(ref)} ${action}${opts.dryRun ? ' (dry run)' : ''}`);
    for (const c of live ? changes : []) opts.log(`  ${c}`);
    out.push({ ...ref, action, changes });
  }
  return out;
}

/** Labels that mark the objects of one set, for pruning. */
export interface PruneSet {
  labels: Record<string, string>;
  /** Kinds to look for; the kinds applied when empty. */
  kinds: { apiVersion: string; kind: string }[];
}

/**
 * Deletes objects carrying the set's labels that are no longer in `applied`, in the namespaces
 * the set was applied to (dry run: only reports them).
 */
export async function pruneObjects(session: KubeSession, applied: ObjectRef[], set: PruneSet, opts: ApplyOptions): Promise<AppliedObject[]> {
  const kinds = set.kinds.length > 0 ? set.kinds : uniq(applied.map((a) => ({ apiVersion: a.apiVersion, kind: a.kind })));
  const namespaces = uniq(applied.map((a) => a.namespace));
  const selector = Object.entries(set.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const keep = new Set(applied.map((a) => refText(a)));
  const out: AppliedObject[] = [];
  for (const k of kinds) {
    for (const ns of namespaces) {
      let items: KubernetesObject[];
      try {
        items = (await session.objects.list(k.apiVersion, k.kind, ns, undefined, undefined, undefined, undefined, selector)).items;
      } catch (err) {
        throw kubeStepError(`list ${k.kind} with ${selector} for pruning`, err);
      }
      for (const item of items) {
        const ref: ObjectRef = { apiVersion: k.apiVersion, kind: k.kind, name: String(item.metadata?.name), ...(item.metadata?.namespace ? { namespace: item.metadata.namespace } : {}) };
        if (keep.has(refText(ref))) continue;
        try {
          await session.objects.delete(headerOf(ref), undefined, opts.dryRun ? 'All' : undefined, undefined, undefined, 'Background');
        } catch (err) {
          if (!isNotFound(err)) throw kubeStepError(`prune ${refText(ref)}`, err);
        }
        opts.log(`${refText(ref)} pruned${opts.dryRun ? ' (dry run)' : ''}`);
        out.push({ ...ref, action: 'pruned', changes: [] });
      }
    }
  }
  return out;
}

function uniq<T>(xs: T[]): T[] {
  const seen = new Map<string, T>();
  for (const x of xs) seen.set(JSON.stringify(x), x);
  return [...seen.values()];
}
