/** The non-apply patch types kube-apiserver accepts: JSON patch, JSON merge patch, strategic merge patch. */
import { clone } from './cluster-state.js';
import { mergeObjects } from './apply.js';

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386: maps merge, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return clone(patch);
  const out: Obj = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Strategic merge: like a merge patch, but keyed lists (containers, env, ports...) merge by key. */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  const withoutNulls = (v: unknown): unknown => (isMap(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)])) : v);
  const merged = mergeObjects(target, withoutNulls(patch));
  const deleteNulls = (t: unknown, p: unknown) => {
    if (!isMap(t) || !isMap(p)) return;
    for (const [k, v] of Object.entries(p)) {
      if (v === null) delete t[k];
      else deleteNulls(t[k], v);
    }
  };
  deleteNulls(merged, patch);
  return merged;
}

export class JsonPatchError extends Error {}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** RFC 6902 add, remove, replace and test (what kubectl and client libraries send). */
export function jsonPatch(target: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops)) throw new JsonPatchError('json patch must be an array of operations');
  const doc = clone(target);
  for (const op of ops as { op: string; path: string; value?: unknown }[]) {
    const parts = op.path.split('/').slice(1).map(unescape);
    const last = parts.pop();
    if (last === undefined) throw new JsonPatchError(`invalid path "${op.path}"`);
    let parent: unknown = doc;
    for (const p of parts) {
      parent = Array.isArray(parent) ? parent[Number(p)] : isMap(parent) ? parent[p] : undefined;
      if (parent === undefined) throw new JsonPatchError(`doc is missing path: "${op.path}": missing value`);
    }
    const has = Array.isArray(parent) ? Number(last) < parent.length : isMap(parent) && last in parent;
    if (op.op === 'test') {
      const cur = Array.isArray(parent) ? parent[Number(last)] : (parent as Obj)[last];
      if (JSON.stringify(cur) !== JSON.stringify(op.value)) throw new JsonPatchError(`testing value ${op.path} failed: test failed`);
    } else if (op.op === 'remove' || op.op === 'replace') {
      if (!has) throw new JsonPatchError(`${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`);
      if (Array.isArray(parent)) {
        if (op.op === 'remove') parent.splice(Number(last), 1);
        else parent[Number(last)] = clone(op.value);
      } else if (op.op === 'remove') delete (parent as Obj)[last];
      else (parent as Obj)[last] = clone(op.value);
    } else if (op.op === 'add') {
      if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, clone(op.value));
      else if (isMap(parent)) parent[last] = clone(op.value);
      else throw new JsonPatchError(`add operation does not apply: doc is missing path: "${op.path}"`);
    } else throw new JsonPatchError(`Unexpected kind: ${op.op}`);
  }
  return doc;
}
