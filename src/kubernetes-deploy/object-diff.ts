/** One field that an apply would change, in kubectl-like dotted paths ("spec.template.spec.containers[0].image"). */
export interface FieldChange {
  path: string;
  op: 'add' | 'remove' | 'change';
  from?: unknown;
  to?: unknown;
}

/** Fields the API server writes itself: a diff of them says nothing about the manifest. */
const SERVER_META = new Set(['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink']);

function strip(obj: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!obj) return {};
  const { status: _status, metadata, apiVersion, kind, ...rest } = obj;
  const meta = Object.fromEntries(Object.entries((metadata ?? {}) as Record<string, unknown>).filter(([k]) => !SERVER_META.has(k)));
  // Metadata first, as manifests are written and read.
  return { apiVersion, kind, metadata: meta, ...rest };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * What changes from `live` (undefined: the object does not exist yet) to `next` (the dry-run
 * answer), leaving out status and server-written metadata. Lists are compared item by item.
 */
export function diffObjects(live: Record<string, unknown> | undefined, next: Record<string, unknown>): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (isObj(a) && isObj(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`);
      return;
    }
    if (a === undefined) out.push({ path, op: 'add', to: b });
    else if (b === undefined) out.push({ path, op: 'remove', from: a });
    else out.push({ path, op: 'change', from: a, to: b });
  };
  walk(strip(live), strip(next), '');
  return out;
}

const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** "~ spec.replicas: 2 -> 3", "+ metadata.labels.tier: \"web\"", "- spec.paused: true". */
export function formatChange(c: FieldChange): string {
  if (c.op === 'add') return `+ ${c.path}: ${short(c.to)}`;
  if (c.op === 'remove') return `- ${c.path}: ${short(c.from)}`;
  return `~ ${c.path}: ${short(c.from)} -> ${short(c.to)}`;
}

/** A Secret's values never reach a log or a plan: the change says which key, not what it holds. */
export function redactSecret(c: FieldChange): FieldChange {
  if (!/^(data|stringData)\./.test(c.path) && c.path !== 'data' && c.path !== 'stringData') return c;
  const hide = (v: unknown) => (v === undefined ? undefined : '(secret)');
  return { ...c, ...(c.from !== undefined ? { from: hide(c.from) } : {}), ...(c.to !== undefined ? { to: hide(c.to) } : {}) };
}
