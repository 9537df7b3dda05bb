/**
 * Server-side apply as kube-apiserver does it (structured-merge-diff), to the extent Patrol's
 * steps rely on it: field sets per manager in managedFields (FieldsV1), conflicts when another
 * manager owns a field the apply would set to a different value (409 unless force), shared
 * ownership of equal values, removal of fields the manager applied before and no longer applies
 * (when nobody else owns them), keyed lists (containers, env, ports, volumes...) merged by key,
 * other lists atomic. Non-apply writes take ownership of the fields they change.
 */
import { clone, now } from './cluster-state.js';

/** A path of FieldsV1 segments: "f:spec", 'k:{"name":"web"}', and "." for a list item itself. */
export type FieldPath = string[];

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** Keyed lists (x-kubernetes-list-type: map) by field name, with their key field. */
const LIST_KEYS: Record<string, (item: Record<string, unknown>) => string | undefined> = {
  containers: () => 'name',
  initContainers: () => 'name',
  ephemeralContainers: () => 'name',
  env: () => 'name',
  volumes: () => 'name',
  imagePullSecrets: () => 'name',
  volumeMounts: () => 'mountPath',
  ports: (item) => ('containerPort' in item ? 'containerPort' : 'port' in item ? 'port' : undefined),
  conditions: () => 'type',
};

/** Identity and server-owned fields: never part of a manager's set. */
const NOT_OWNED = new Set(['apiVersion', 'kind', 'status']);
const META_NOT_OWNED = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'selfLink']);

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function listKey(field: string, list: unknown[]): string | undefined {
  const keyOf = LIST_KEYS[field];
  if (!keyOf || list.length === 0 || !list.every(isMap)) return undefined;
  const k = keyOf(list[0] as Record<string, unknown>);
  return k && list.every((i) => (i as Record<string, unknown>)[k] !== undefined) ? k : undefined;
}

const itemSeg = (key: string, item: Record<string, unknown>) => `k:${JSON.stringify({ [key]: item[key] })}`;

/** The leaf paths an object sets (what a manager owns after applying it). */
export function fieldsOf(obj: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, path: FieldPath, field: string) => {
    if (isMap(v)) {
      const keys = Object.keys(v).filter((k) => v[k] !== undefined && !(path.length === 0 && NOT_OWNED.has(k)) && !(path.length === 1 && path[0] === 'f:metadata' && META_NOT_OWNED.has(k)));
      // An empty map is a value the manager sets; a map holding only identity fields (metadata
      // with just a name) sets nothing.
      if (Object.keys(v).length === 0 && path.length > 0) out.add(JSON.stringify(path));
      for (const k of keys) walk(v[k], [...path, `f:${k}`], k);
      return;
    }
    if (Array.isArray(v)) {
      const key = listKey(field, v);
      if (key) {
        for (const item of v as Record<string, unknown>[]) {
          const seg = itemSeg(key, item);
          out.add(JSON.stringify([...path, seg, '.']));
          walk(item, [...path, seg], '');
        }
        return;
      }
    }
    out.add(JSON.stringify(path));
  };
  walk(obj, [], '');
  return out;
}

/** The value at a path, or undefined. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (seg === '.') return cur;
    if (seg.startsWith('f:')) {
      if (!isMap(cur)) return undefined;
      cur = cur[seg.slice(2)];
    } else if (seg.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = JSON.parse(seg.slice(2)) as Record<string, unknown>;
      const [k, v] = Object.entries(want)[0]!;
      cur = cur.find((i) => isMap(i) && i[k] === v);
    }
  }
  return cur;
}

/** Deletes the field at a path (a keyed list item when the path ends with "."). */
export function removeAt(obj: Record<string, unknown>, path: FieldPath): void {
  const parentPath = path[path.length - 1] === '.' ? path.slice(0, -2) : path.slice(0, -1);
  const last = path[path.length - 1] === '.' ? path[path.length - 2]! : path[path.length - 1]!;
  const parent = valueAt(obj, parentPath);
  if (last.startsWith('f:') && isMap(parent)) delete parent[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(parent)) {
    const [k, v] = Object.entries(JSON.parse(last.slice(2)) as Record<string, unknown>)[0]!;
    const i = parent.findIndex((x) => isMap(x) && x[k] === v);
    if (i >= 0) parent.splice(i, 1);
  }
}

/** Merges `applied` into `live`: maps by key, keyed lists by their key, everything else replaced. */
export function mergeObjects(live: unknown, applied: unknown, field = ''): unknown {
  if (isMap(live) && isMap(applied)) {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = k in live ? mergeObjects(live[k], v, k) : clone(v);
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const key = listKey(field, applied) ?? listKey(field, live);
    if (key && live.every(isMap) && applied.every(isMap)) {
      const rest = (live as Record<string, unknown>[]).filter((l) => !(applied as Record<string, unknown>[]).some((a) => a[key] === l[key]));
      const merged = (applied as Record<string, unknown>[]).map((a) => {
        const match = (live as Record<string, unknown>[]).find((l) => l[key] === a[key]);
        return match ? mergeObjects(match, a) : clone(a);
      });
      return [...merged, ...rest];
    }
  }
  return clone(applied);
}

/** ".spec.template.spec.containers[name=\"web\"].image", as kube-apiserver prints paths in conflicts. */
export function pathText(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (seg === '.') continue;
    if (seg.startsWith('f:')) out += `.${seg.slice(2)}`;
    else if (seg.startsWith('k:')) {
      const [k, v] = Object.entries(JSON.parse(seg.slice(2)) as Record<string, unknown>)[0]!;
      // structured-merge-diff prints key values as Go %q strings: [name="web"], [containerPort=80].
      out += `[${k}=${JSON.stringify(v)}]`;
    }
  }
  return out;
}

/** FieldsV1 JSON from a set of paths. */
export function toFieldsV1(paths: Iterable<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let node = root;
    for (const seg of JSON.parse(p) as FieldPath) node = (node[seg] ??= {}) as Record<string, unknown>;
  }
  return root;
}

/** Paths of a FieldsV1 tree (its leaves and the "." markers of list items). */
export function fromFieldsV1(tree: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const walk = (node: Record<string, unknown>, path: FieldPath) => {
    const keys = Object.keys(node);
    if (keys.length === 0) out.add(JSON.stringify(path));
    for (const k of keys) walk(node[k] as Record<string, unknown>, [...path, k]);
  };
  for (const k of Object.keys(tree)) walk(tree[k] as Record<string, unknown>, [k]);
  return out;
}

export interface Conflict {
  manager: string;
  path: string;
}

export type ApplyResult = { ok: true; object: Record<string, unknown> } | { ok: false; conflicts: Conflict[] };

interface Entry {
  e: ManagedFieldsEntry;
  fields: Set<string>;
}

const entriesOf = (obj: Record<string, unknown> | undefined): Entry[] => (((obj?.metadata as { managedFields?: ManagedFieldsEntry[] })?.managedFields ?? []) as ManagedFieldsEntry[]).map((e) => ({ e: clone(e), fields: fromFieldsV1(e.fieldsV1 ?? {}) }));

function setEntries(obj: Record<string, unknown>, entries: Entry[]): void {
  const meta = obj.metadata as Record<string, unknown>;
  const kept = entries.filter((x) => x.fields.size > 0).map((x) => ({ ...x.e, fieldsV1: toFieldsV1(x.fields) }));
  if (kept.length > 0) meta.managedFields = kept;
  else delete meta.managedFields;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Server-side apply of `applied` by `manager` onto `live` (undefined when the object is new). */
export function serverSideApply(live: Record<string, unknown> | undefined, applied: Record<string, unknown>, opts: { manager: string; force: boolean; apiVersion: string }): ApplyResult {
  const config = clone(applied);
  delete config.status;
  const mine = fieldsOf(config);
  const entries = entriesOf(live);
  const conflicts: Conflict[] = [];
  for (const other of entries) {
    if (other.e.manager === opts.manager && other.e.operation === 'Apply') continue;
    for (const p of mine) {
      // A list item's "." marker says the item exists: shared, never a conflict by itself.
      if (!other.fields.has(p) || p.endsWith('"."]')) continue;
      const path = JSON.parse(p) as FieldPath;
      if (!same(valueAt(live, path), valueAt(config, path))) conflicts.push({ manager: other.e.manager, path: p });
    }
  }
  if (conflicts.length > 0 && !opts.force) return { ok: false, conflicts };
  for (const c of conflicts) for (const other of entries) if (other.e.manager === c.manager) other.fields.delete(c.path);

  const result = mergeObjects(live ?? {}, config) as Record<string, unknown>;
  const own = entries.find((x) => x.e.manager === opts.manager && x.e.operation === 'Apply');
  for (const p of own?.fields ?? []) {
    if (mine.has(p) || entries.some((x) => x !== own && x.fields.has(p))) continue;
    removeAt(result, JSON.parse(p) as FieldPath);
  }
  const entry: ManagedFieldsEntry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {} };
  const rest = entries.filter((x) => x !== own);
  setEntries(result, [...rest, { e: entry, fields: mine }]);
  return { ok: true, object: result };
}

/**
 * Ownership after a non-apply write (create, update, patch) by `manager`: it owns every field it
 * changed, and those fields leave every other manager's set.
 */
export function recordUpdate(before: Record<string, unknown> | undefined, after: Record<string, unknown>, opts: { manager: string; apiVersion: string }): void {
  const entries = entriesOf(before);
  const prev = before ? fieldsOf(stripMeta(before)) : new Set<string>();
  const next = fieldsOf(stripMeta(after));
  const changed = new Set<string>();
  for (const p of next) if (!prev.has(p) || !same(valueAt(before, JSON.parse(p) as FieldPath), valueAt(after, JSON.parse(p) as FieldPath))) changed.add(p);
  for (const x of entries) for (const p of [...x.fields]) if (changed.has(p) || !next.has(p)) x.fields.delete(p);
  if (changed.size === 0) return setEntries(after, entries);
  let own = entries.find((x) => x.e.manager === opts.manager && x.e.operation === 'Update');
  if (!own) entries.push((own = { e: { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: {} }, fields: new Set() }));
  own.e.time = now();
  for (const p of changed) own.fields.add(p);
  setEntries(after, entries);
}

function stripMeta(obj: Record<string, unknown>): Record<string, unknown> {
  const c = clone(obj);
  delete (c.metadata as Record<string, unknown> | undefined)?.managedFields;
  return c;
}

/** The 409 message kube-apiserver writes for apply conflicts. */
export function conflictMessage(conflicts: Conflict[], apiVersion: string): string {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), pathText(JSON.parse(c.path) as FieldPath)]);
  const n = conflicts.length;
  if (n === 1) return `Apply failed with 1 conflict: conflict with "${conflicts[0]!.manager}" using ${apiVersion}: ${pathText(JSON.parse(conflicts[0]!.path) as FieldPath)}`;
  const parts = [...byManager].map(([m, paths]) => `conflicts with "${m}" using ${apiVersion}:\n${paths.map((p) => `- ${p}`).join('\n')}`);
  return `Apply failed with ${n} conflicts: ${parts.join('\n')}`;
}
