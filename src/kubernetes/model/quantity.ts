/**
 * Kubernetes resource quantities ("500m", "2", "1.5Gi", "128974848", "1e3", "100M") as numbers:
 * CPU in cores, memory and storage in bytes, counts as counts. Same grammar as
 * k8s.io/apimachinery/pkg/api/resource; precision beyond a double is irrelevant for thresholds.
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY_RE = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

const cache = new Map<string, number>();

/** Parses a quantity; NaN when it is not one (callers decide whether that is an error). */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null) return NaN;
  if (typeof q === 'number') return q;
  const hit = cache.get(q);
  if (hit !== undefined) return hit;
  const m = QUANTITY_RE.exec(q.trim());
  let v = NaN;
  if (m) {
    const base = Number(m[1]);
    if (m[2]) v = base * 10 ** Number(m[2].slice(1));
    else {
      const suffix = m[3] ?? '';
      v = base * (BINARY[suffix] ?? DECIMAL[suffix] ?? NaN);
    }
  }
  // Quantities repeat endlessly across pods ("100m", "128Mi"): a small cache saves the regex.
  if (cache.size < 10_000) cache.set(q, v);
  return v;
}

/** Quantity or 0 when absent/invalid (for sums of requests). */
export function quantityOr0(q: string | undefined): number {
  const v = parseQuantity(q);
  return Number.isFinite(v) ? v : 0;
}

/** "3.5 cores", "250m". */
export function formatCpu(cores: number): string {
  if (cores < 1) return `${Math.round(cores * 1000)}m`;
  return `${Number(cores.toFixed(2))} cores`;
}
