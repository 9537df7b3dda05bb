import juice from 'juice';
import type { ReportModel } from './report-model.js';
import { loadTemplates } from './report-templates.js';
import { changesView, countsView, findingView, matrixView, runView, scoreView, targetView, when } from './html-view.js';
import { renderText } from './render-text.js';

export interface EmailRenderOptions {
  templates?: string;
  /** HTML + text stay under this many bytes (UTF-8), by summarising. @defaultValue 1000000 */
  budgetBytes?: number;
  /** Said in the mail when details are left out. */
  fullReportNote?: string;
}

export interface RenderedEmail {
  html: string;
  text: string;
  /** 0 = everything; higher levels summarise more (see LEVELS). */
  level: number;
  bytes: number;
  /** Problems not shown in the mail. */
  omittedProblems: number;
  /** False when even the shortest form is over budget (it is sent anyway: a report is never dropped). */
  withinBudget: boolean;
}

interface Level {
  evidenceChars: number;
  problems: number;
  changes: number;
  matrix: boolean;
}

/** From complete to summary only; the first that fits the budget is sent. */
const LEVELS: Level[] = [
  { evidenceChars: 2000, problems: Number.POSITIVE_INFINITY, changes: 500, matrix: true },
  { evidenceChars: 400, problems: 1000, changes: 200, matrix: true },
  { evidenceChars: 0, problems: 300, changes: 100, matrix: false },
  { evidenceChars: 0, problems: 100, changes: 30, matrix: false },
  { evidenceChars: 0, problems: 0, changes: 10, matrix: false },
];

/** A host x check matrix fits an email only when it is small (clients do not scroll tables). */
const MATRIX_MAX = { hosts: 40, checks: 36 };

/**
 * The emailed version of a report: table layout, CSS inlined into the elements (juice), a bar
 * chart made of table cells (mail clients drop SVG), and a plain-text alternative. Large runs are
 * summarised level by level until HTML + text fit the byte budget, with a link to the full report.
 */
export function renderEmail(m: ReportModel, opts: EmailRenderOptions = {}): RenderedEmail {
  const budget = opts.budgetBytes ?? 1_000_000;
  const problems = m.counts.problems;
  // Skip levels that cannot fit: a juiced problem with evidence costs roughly 3 KB.
  let start = 0;
  while (start < LEVELS.length - 1 && Math.min(problems, LEVELS[start]!.problems) * (LEVELS[start]!.evidenceChars > 0 ? 3000 : 1200) > budget) start++;
  let last: RenderedEmail | undefined;
  for (let level = start; level < LEVELS.length; level++) {
    const r = renderLevel(m, level, opts);
    if (r.bytes <= budget) return r;
    last = r;
  }
  return { ...last!, withinBudget: false };
}

function renderLevel(m: ReportModel, level: number, opts: EmailRenderOptions): RenderedEmail {
  const L = LEVELS[level]!;
  const t = loadTemplates(opts.templates);
  const limits = { evidenceChars: L.evidenceChars, detailsChars: 0 };
  let remaining = L.problems;
  const targets = [];
  for (const s of m.targets) {
    if (s.problems.length === 0 || remaining <= 0) continue;
    const v = targetView(s, limits, remaining);
    remaining -= v.problems.length;
    targets.push(v);
  }
  const shown = targets.reduce((a, x) => a + x.problems.length, 0);
  const omittedProblems = m.counts.problems - shown;
  const changes = changesView(m, Number.POSITIVE_INFINITY, L.changes);
  const smallMatrix = L.matrix && m.matrix.hosts.length > 0 && m.matrix.hosts.length <= MATRIX_MAX.hosts && m.matrix.checks.length <= MATRIX_MAX.checks;
  const notes: string[] = [];
  if (omittedProblems > 0) notes.push(`This email lists ${shown} of ${m.counts.problems} problems${level > 0 ? ' (summarised to keep the message small)' : ''}.`);
  if (L.evidenceChars === 0 && m.counts.problems > 0) notes.push('Evidence is left out.');
  if (!smallMatrix && m.matrix.hosts.length > 0) notes.push(`The ${m.matrix.hosts.length} × ${m.matrix.checks.length} host × check matrix is in the full report.`);
  if (opts.fullReportNote && notes.length > 0) notes.push(opts.fullReportNote);
  const view = {
    title: `${m.inspection}: ${m.score.value} (${m.score.grade})`,
    css: t.emailCss,
    inspection: m.inspection,
    generatedAt: when(m.generatedAt),
    run: runView(m),
    links: m.links,
    score: scoreView(m),
    counts: countsView(m),
    totals: { findings: m.counts.findings, targets: m.counts.targets, exempted: m.counts.exempted },
    history: m.history.length > 1 ? m.history.map((h) => ({ label: `${when(h.at)}: ${h.score} (${h.grade})`, bar: Math.max(2, Math.round(h.score * 0.6)), gap: Math.max(0, 60 - Math.max(2, Math.round(h.score * 0.6))), color: h.score >= 90 ? '#2da44e' : h.score >= 70 ? '#d4a72c' : '#cf222e' })) : [],
    historyRange: m.history.length > 1 ? `${when(m.history[0]!.at)} → ${when(m.history[m.history.length - 1]!.at)}, ${m.history.length} runs` : '',
    top: m.top.map((x) => ({ reason: x.reason, tag: x.reason === 'new' || x.reason === 'regressed' ? x.reason : null, finding: findingView(x.finding, { evidenceChars: 0, detailsChars: 0 }) })),
    changes,
    matrix: smallMatrix ? matrixView(m, Number.POSITIVE_INFINITY) : null,
    targets,
    omitted: notes.join(' '),
  };
  const html = juice(t.email(view), { removeStyleTags: true, preserveMediaQueries: true, applyWidthAttributes: true, applyHeightAttributes: false, preserveImportant: true });
  const text = renderText(m, { problems: Number.isFinite(L.problems) ? L.problems : 100_000, changes: L.changes });
  const bytes = Buffer.byteLength(html) + Buffer.byteLength(text);
  return { html, text, level, bytes, omittedProblems, withinBudget: true };
}
