import { SEVERITIES, type Severity } from '../findings/finding.js';
import type { HistoryPoint } from './score-history.js';
import type { ReportModel } from './report-model.js';

export const SEVERITY_COLORS: Record<Severity, string> = { ok: '#1a7f37', info: '#0969da', warning: '#bf8700', critical: '#cf222e', error: '#8250df' };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The score history as an inline SVG line chart (0-100, grade bands at 60/70/80/90). It scales
 * with its container (viewBox, width 100%), so it never overflows a narrow screen.
 */
export function historyChartSvg(points: readonly HistoryPoint[]): string {
  const W = 640;
  const H = 200;
  const left = 34;
  const right = 12;
  const top = 10;
  const bottom = 28;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const y = (v: number) => top + ph - (Math.max(0, Math.min(100, v)) / 100) * ph;
  const n = points.length;
  const x = (i: number) => left + (n <= 1 ? pw / 2 : (i / (n - 1)) * pw);
  const parts: string[] = [];
  parts.push(`<svg class="chart chart-history" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Score of the last ${n} runs" preserveAspectRatio="xMidYMid meet" style="max-width:${W}px;height:auto;display:block">`);
  parts.push(`<title>Score of the last ${n} runs</title>`);
  const bands: [number, number, string][] = [
    [90, 100, '#dafbe1'],
    [80, 90, '#eef9e6'],
    [70, 80, '#fff8c5'],
    [60, 70, '#ffebd9'],
    [0, 60, '#ffebe9'],
  ];
  for (const [lo, hi, fill] of bands) parts.push(`<rect x="${left}" y="${y(hi).toFixed(1)}" width="${pw}" height="${(y(lo) - y(hi)).toFixed(1)}" fill="${fill}"/>`);
  for (const v of [0, 60, 70, 80, 90, 100]) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#d0d7de" stroke-width="0.5"/>`);
    parts.push(`<text x="${left - 4}" y="${(y(v) + 3.5).toFixed(1)}" font-size="10" text-anchor="end" fill="#57606a">${v}</text>`);
  }
  if (n > 0) {
    if (n > 1) parts.push(`<polyline fill="none" stroke="#0969da" stroke-width="2" points="${points.map((p, i) => `${x(i).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ')}"/>`);
    points.forEach((p, i) => {
      const r = p.current ? 4.5 : 3;
      parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(p.score).toFixed(1)}" r="${r}" fill="${p.current ? '#0969da' : '#fff'}" stroke="#0969da" stroke-width="1.5"><title>${escapeXml(`${day(p.at)} run ${p.runId}: ${p.score} (${p.grade})`)}</title></circle>`);
    });
    const last = points[n - 1]!;
    parts.push(`<text x="${Math.min(x(n - 1), W - right - 2).toFixed(1)}" y="${Math.max(y(last.score) - 8, 10).toFixed(1)}" font-size="11" font-weight="bold" text-anchor="end" fill="#0969da">${last.score}</text>`);
    parts.push(`<text x="${left}" y="${H - 8}" font-size="10" fill="#57606a">${day(points[0]!.at)}</text>`);
    if (n > 1) parts.push(`<text x="${W - right}" y="${H - 8}" font-size="10" text-anchor="end" fill="#57606a">${day(last.at)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Findings per category as stacked horizontal bars by severity, with a legend. */
export function severityChartSvg(m: Pick<ReportModel, 'counts'>): string {
  const rows = m.counts.byCategory;
  const W = 640;
  const label = 70;
  const barH = 18;
  const gap = 10;
  const legendH = 22;
  const H = legendH + rows.length * (barH + gap) + 4;
  const pw = W - label - 60;
  const parts: string[] = [];
  parts.push(`<svg class="chart chart-severity" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Findings by category and severity" preserveAspectRatio="xMinYMin meet" style="max-width:${W}px;height:auto;display:block">`);
  parts.push('<title>Findings by category and severity</title>');
  let lx = label;
  for (const s of SEVERITIES) {
    parts.push(`<rect x="${lx}" y="4" width="10" height="10" fill="${SEVERITY_COLORS[s]}"/><text x="${lx + 14}" y="13" font-size="11" fill="#1f2328">${s}</text>`);
    lx += 14 + s.length * 7 + 16;
  }
  rows.forEach((r, i) => {
    const yy = legendH + i * (barH + gap);
    const total = SEVERITIES.reduce((a, s) => a + r.bySeverity[s], 0);
    parts.push(`<text x="0" y="${yy + 13}" font-size="12" fill="#1f2328">${escapeXml(r.category)}</text>`);
    let xx = label;
    for (const s of SEVERITIES) {
      const n = r.bySeverity[s];
      if (n === 0 || total === 0) continue;
      const w = Math.max(1, (n / total) * pw);
      parts.push(`<rect x="${xx.toFixed(1)}" y="${yy}" width="${w.toFixed(1)}" height="${barH}" fill="${SEVERITY_COLORS[s]}"><title>${escapeXml(`${r.category}: ${n} ${s}`)}</title></rect>`);
      xx += w;
    }
    parts.push(`<text x="${(label + pw + 6).toFixed(1)}" y="${yy + 13}" font-size="11" fill="#57606a">${total}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
