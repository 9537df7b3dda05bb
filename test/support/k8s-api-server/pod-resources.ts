/** Quantities and pod requests as the scheduler and the quota admission plugin count them. */

const SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

export function quantity(q: unknown): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(q ?? '').trim());
  if (!m || SUFFIX[m[2]!] === undefined) return 0;
  return Number(m[1]) * SUFFIX[m[2]!]!;
}

/** "250m", "2", "1Gi" back from a number, for messages (cpu in millicores below 1). */
export function formatQuantity(resource: string, v: number): string {
  if (resource.endsWith('cpu')) return v < 1 || !Number.isInteger(v) ? `${Math.round(v * 1000)}m` : String(v);
  if (resource.endsWith('memory') || resource.endsWith('storage')) {
    if (v % 1024 ** 3 === 0) return `${v / 1024 ** 3}Gi`;
    if (v % 1024 ** 2 === 0) return `${v / 1024 ** 2}Mi`;
  }
  return String(v);
}

type Obj = Record<string, unknown>;
interface Container {
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

/** requests (or limits when a request is absent, as the API defaults them) summed over containers. */
export function podRequests(pod: Obj, kind: 'requests' | 'limits' = 'requests'): Record<string, number> {
  const spec = (pod.spec ?? {}) as { containers?: Container[] };
  const out: Record<string, number> = {};
  for (const c of spec.containers ?? []) {
    const r = c.resources ?? {};
    const names = new Set([...Object.keys(r.requests ?? {}), ...Object.keys(r.limits ?? {})]);
    for (const n of names) {
      const v = kind === 'requests' ? (r.requests?.[n] ?? r.limits?.[n]) : r.limits?.[n];
      if (v !== undefined) out[n] = (out[n] ?? 0) + quantity(v);
    }
  }
  return out;
}

export const podDone = (pod: Obj) => {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};
