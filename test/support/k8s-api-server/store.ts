/**
 * Where the test API server's objects come from. A source is an ordered, random-access sequence
 * of objects sorted by storage key (namespace/name, or name): the order etcd returns them in.
 * Static sources hold objects (fixtures, later writes); generated sources build object i on
 * demand, so a 150,000-pod cluster is served without ever being in memory.
 */
export type KubeObj = Record<string, unknown> & { metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string } };

export interface ObjectSource {
  readonly size: number;
  keyAt(i: number): string;
  /** The object as the API returns it in a list (no kind/apiVersion). */
  objectAt(i: number): KubeObj;
  /**
   * Field values for fieldSelector matching without building the object (generated sources use
   * this to filter 50,000 events by type cheaply). Falls back to reading objectAt(i).
   */
  fieldAt?(i: number, field: string): string | undefined;
}

/** First index whose key is >= key. */
export function lowerBound(src: ObjectSource, key: string): number {
  let lo = 0;
  let hi = src.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (src.keyAt(mid) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const keyFor = (o: { metadata: { name: string; namespace?: string } }) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

/** Objects held in memory, kept sorted by key; supports writes (for step types that create objects). */
export class StaticSource implements ObjectSource {
  private items: { key: string; obj: KubeObj }[] = [];

  constructor(objects: KubeObj[] = []) {
    for (const o of objects) this.items.push({ key: keyFor(o), obj: o });
    this.items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get size(): number {
    return this.items.length;
  }
  keyAt(i: number): string {
    return this.items[i]!.key;
  }
  objectAt(i: number): KubeObj {
    return this.items[i]!.obj;
  }

  get(key: string): KubeObj | undefined {
    const i = lowerBound(this, key);
    return i < this.items.length && this.items[i]!.key === key ? this.items[i]!.obj : undefined;
  }

  /** Inserts or replaces an object. */
  put(obj: KubeObj): void {
    const key = keyFor(obj);
    const i = lowerBound(this, key);
    if (i < this.items.length && this.items[i]!.key === key) this.items[i] = { key, obj };
    else this.items.splice(i, 0, { key, obj });
  }

  delete(key: string): boolean {
    const i = lowerBound(this, key);
    if (i < this.items.length && this.items[i]!.key === key) {
      this.items.splice(i, 1);
      return true;
    }
    return false;
  }
}

/** Reads a dotted field of an object as the API server's field selectors do (booleans and numbers as strings). */
export function fieldValue(obj: Record<string, unknown>, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return field === 'spec.unschedulable' ? 'false' : '';
  if (field === 'source' && typeof cur === 'object') return String((cur as { component?: string }).component ?? '');
  return typeof cur === 'object' ? '' : String(cur);
}
