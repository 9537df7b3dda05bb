import { formatDuration } from '../util/duration.js';

/** A step as the workflow declares it. */
export interface GraphStepDef {
  name: string;
  needs: readonly string[];
  phase: 'main' | 'finally';
  type?: string;
}

/** A step as the run recorded it (forEach instances have an index and their base step's name). */
export interface GraphStepState {
  name: string;
  base: string;
  idx: number | null;
  status: string;
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface GraphNode {
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  status: string;
  /** The name as shown (long names are shortened; the full name is in the tooltip). */
  label: string;
  /** Status and duration, or instance counts for a forEach step. */
  sub: string;
  /** Tooltip: name, type, status, attempts, duration. */
  title: string;
  labelX: number;
  labelY: number;
  subY: number;
}

export interface GraphEdge {
  d: string;
  /** Whether the edge's source step is done (drawn solid). */
  done: boolean;
}

export interface StepGraph {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Where the finally steps begin (a separator and a label), when there are any. */
  finally: { x: number; labelX: number; labelY: number; lineTop: number; lineBottom: number } | null;
  /** Accessible summary: "4 steps: 2 succeeded, 1 running, 1 pending". */
  summary: string;
}

const W = 172;
const H = 46;
const GAP_X = 46;
const GAP_Y = 16;
const PAD = 12;
const TOP = 24;
const MAX_LABEL = 22;

const DONE = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

function shorten(s: string): string {
  return s.length <= MAX_LABEL ? s : `${s.slice(0, MAX_LABEL - 1)}…`;
}

/** Longest-path layers (a step sits one column right of the last step it needs). */
function layers(defs: readonly GraphStepDef[]): Map<string, number> {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (n: string): number => {
    const known = layer.get(n);
    if (known !== undefined) return known;
    if (visiting.has(n)) return 0; // a cycle never validates; do not loop on bad data
    visiting.add(n);
    const needs = (byName.get(n)?.needs ?? []).filter((m) => byName.has(m));
    const l = needs.length === 0 ? 0 : 1 + Math.max(...needs.map(visit));
    visiting.delete(n);
    layer.set(n, l);
    return l;
  };
  for (const d of defs) visit(d.name);
  return layer;
}

/** Columns of steps; within a column, ordered by where their needs sit (fewer crossings), then declaration order. */
function columns(defs: readonly GraphStepDef[]): string[][] {
  const layer = layers(defs);
  const cols: string[][] = [];
  for (const d of defs) (cols[layer.get(d.name)!] ??= []).push(d.name);
  const row = new Map<string, number>();
  const needsOf = new Map(defs.map((d) => [d.name, d.needs]));
  const order = new Map(defs.map((d, i) => [d.name, i]));
  for (const col of cols) {
    if (!col) continue;
    const bary = (n: string) => {
      const ys = (needsOf.get(n) ?? []).map((m) => row.get(m)).filter((y): y is number => y !== undefined);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : order.get(n)!;
    };
    col.sort((a, b) => bary(a) - bary(b) || order.get(a)! - order.get(b)!);
    col.forEach((n, i) => row.set(n, i));
  }
  return cols.filter((c) => c !== undefined);
}

/**
 * Lays out a run's step graph (the workflow's DAG, left to right) with each step's state: the
 * server renders it as inline SVG and the page's script only swaps in a fresh rendering. forEach
 * steps are one node with instance counts, so a fan-out over 1,000 hosts stays one box.
 */
export function layoutStepGraph(defs: readonly GraphStepDef[], states: readonly GraphStepState[], now = Date.now()): StepGraph {
  const parents = new Map<string, GraphStepState>();
  const instances = new Map<string, GraphStepState[]>();
  for (const s of states) {
    if (s.idx === null) parents.set(s.name, s);
    else (instances.get(s.base) ?? instances.set(s.base, []).get(s.base)!).push(s);
  }
  const main = defs.filter((d) => d.phase === 'main');
  const fin = defs.filter((d) => d.phase === 'finally');
  const mainCols = columns(main);
  const finCols = columns(fin);
  const pos = new Map<string, { x: number; y: number }>();
  const place = (cols: string[][], startCol: number) =>
    cols.forEach((col, ci) => col.forEach((n, ri) => pos.set(n, { x: PAD + (startCol + ci) * (W + GAP_X), y: TOP + ri * (H + GAP_Y) })));
  place(mainCols, 0);
  const finStart = mainCols.length + (finCols.length > 0 ? 0.35 : 0);
  place(finCols, finStart);
  const nCols = finCols.length > 0 ? finStart + finCols.length : mainCols.length;
  const rows = Math.max(1, ...mainCols.map((c) => c.length), ...finCols.map((c) => c.length));
  const width = Math.ceil(PAD * 2 + nCols * (W + GAP_X) - GAP_X);
  const height = TOP + rows * (H + GAP_Y) - GAP_Y + PAD;

  const counts = new Map<string, number>();
  const nodes: GraphNode[] = defs.map((d) => {
    const p = pos.get(d.name)!;
    const st = parents.get(d.name);
    const status = st?.status ?? 'pending';
    counts.set(status, (counts.get(status) ?? 0) + 1);
    const inst = instances.get(d.name) ?? [];
    const took = typeof st?.startedAt === 'number' ? formatDuration(Math.max(0, (st.finishedAt ?? now) - st.startedAt)) : '';
    let sub = took ? `${status} · ${took}` : status;
    if (inst.length > 0) {
      const ok = inst.filter((i) => i.status === 'succeeded').length;
      const failed = inst.filter((i) => i.status === 'failed').length;
      sub = `${ok}/${inst.length} ok${failed ? ` · ${failed} failed` : ''}${took ? ` · ${took}` : ''}`;
    }
    const attempts = st && st.attempts > 1 ? `, ${st.attempts} attempts` : '';
    return {
      name: d.name,
      x: p.x,
      y: p.y,
      w: W,
      h: H,
      status,
      label: shorten(d.name),
      sub,
      title: `${d.name}${d.type ? ` (${d.type})` : ''}: ${status}${attempts}${took ? `, ${took}` : ''}${inst.length ? `, ${inst.length} instances` : ''}`,
      labelX: p.x + 10,
      labelY: p.y + 19,
      subY: p.y + 36,
    };
  });
  const edges: GraphEdge[] = [];
  for (const d of defs) {
    const to = pos.get(d.name)!;
    for (const n of d.needs) {
      const from = pos.get(n);
      if (!from) continue;
      const x1 = from.x + W;
      const y1 = from.y + H / 2;
      const x2 = to.x - 4;
      const y2 = to.y + H / 2;
      const dx = Math.max(16, (x2 - x1) / 2);
      edges.push({ d: `M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`, done: DONE.has(parents.get(n)?.status ?? '') });
    }
  }
  const sepX = PAD + mainCols.length * (W + GAP_X) - GAP_X / 2;
  const summary = `${defs.length} step${defs.length === 1 ? '' : 's'}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
  return {
    width,
    height,
    nodes,
    edges,
    finally: fin.length > 0 ? { x: sepX, labelX: PAD + finStart * (W + GAP_X), labelY: 15, lineTop: 4, lineBottom: height - 4 } : null,
    summary,
  };
}
