import type { HistoryPoint } from './history.js';

export interface Forecast {
  /** Growth per hour (value units), from a least-squares fit. */
  slopePerHour: number;
  /** Hours until the value reaches `limit`; undefined when it is not growing. */
  hoursToLimit?: number;
  points: number;
}

/**
 * Fits value = a + b*t over the points (oldest first) and projects when it reaches `limit`.
 * Needs at least `minPoints` points spanning at least `minSpanMs`, so two noisy samples taken a
 * minute apart do not predict a full disk.
 */
export function forecastExhaustion(points: readonly HistoryPoint[], limit: number, now: number, opts: { minPoints?: number; minSpanMs?: number } = {}): Forecast | undefined {
  const minPoints = opts.minPoints ?? 3;
  const minSpan = opts.minSpanMs ?? 10 * 60_000;
  if (points.length < minPoints) return undefined;
  const span = points[points.length - 1]!.at - points[0]!.at;
  if (span < minSpan) return undefined;
  const n = points.length;
  const t0 = points[0]!.at;
  const xs = points.map((p) => (p.at - t0) / 3_600_000);
  const ys = points.map((p) => p.value);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  if (den === 0) return undefined;
  const slope = num / den;
  const out: Forecast = { slopePerHour: slope, points: n };
  if (slope > 0) {
    const intercept = my - slope * mx;
    const nowH = (now - t0) / 3_600_000;
    const current = intercept + slope * nowH;
    out.hoursToLimit = Math.max(0, (limit - Math.max(current, ys[n - 1]!)) / slope);
  }
  return out;
}

/** Human text: "full in ~5.2 h" / "~3.1 days". */
export function formatHours(h: number): string {
  if (h < 48) return `~${h.toFixed(1)} h`;
  return `~${(h / 24).toFixed(1)} days`;
}
