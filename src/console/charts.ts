/** Geometry of small inline SVG charts; the templates draw them (no markup is built in code). */

export interface Sparkline {
  width: number;
  height: number;
  /** SVG polyline points. */
  points: string;
  last: { x: number; y: number; value: number } | null;
  /** Accessible text: "score 71 → 84 over 12 runs". */
  label: string;
}

/** A 0-100 score trend, oldest first. */
export function scoreSparkline(values: readonly number[], width = 140, height = 32): Sparkline {
  const pad = 3;
  const n = values.length;
  const x = (i: number) => pad + (n <= 1 ? (width - 2 * pad) / 2 : (i / (n - 1)) * (width - 2 * pad));
  const y = (v: number) => pad + (1 - Math.max(0, Math.min(100, v)) / 100) * (height - 2 * pad);
  const pts = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const lastV = values[n - 1];
  return {
    width,
    height,
    points: pts,
    last: lastV === undefined ? null : { x: Number(x(n - 1).toFixed(1)), y: Number(y(lastV).toFixed(1)), value: lastV },
    label: n === 0 ? 'no scored runs yet' : n === 1 ? `score ${lastV} (one run)` : `score ${values[0]} → ${lastV} over ${n} runs`,
  };
}

/** A horizontal 0-100 bar (drawn in a 100-wide viewBox, so the width attribute is the score). */
export function scoreBar(value: number): { width: number; grade: string } {
  const v = Math.max(0, Math.min(100, value));
  return { width: Math.round(v * 10) / 10, grade: v >= 90 ? 'a' : v >= 80 ? 'b' : v >= 70 ? 'c' : v >= 60 ? 'd' : 'f' };
}
