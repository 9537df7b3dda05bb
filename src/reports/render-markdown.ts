import type { ReportModel } from './report-model.js';
import { formatThreshold, formatValue, runView, scoreView } from './html-view.js';

export interface MarkdownOptions {
  /** Rows per list (problems, changes); chat messages and tickets should stay short. @defaultValue 50 */
  maxItems?: number;
}

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const SPARK = '▁▂▃▄▅▆▇█';

/** A Markdown report for chat and tickets: summary, top problems, changes, problems by target (capped). */
export function renderMarkdown(m: ReportModel, opts: MarkdownOptions = {}): string {
  const max = opts.maxItems ?? 50;
  const run = runView(m);
  const score = scoreView(m);
  const b = m.counts.bySeverity;
  const out: string[] = [];
  out.push(`## Patrol: ${m.inspection} — score ${m.score.value} (${m.score.grade})${score.delta ? ` ${score.delta}` : ''}`);
  out.push('');
  out.push(`Run ${code(m.run.id)} · **${m.run.status}** · started ${run.started} · ${run.duration}${m.links.report ? ` · [full report](${m.links.report})` : ''}`);
  if (!run.ok) out.push(`\n> **The inspection ${m.run.status}**${m.run.reason ? `: ${cell(m.run.reason)}` : ''}. Findings may be incomplete.`);
  out.push('');
  out.push(`**Findings:** ${b.critical} critical · ${b.error} error · ${b.warning} warning · ${b.info} info · ${b.ok} ok${m.counts.exempted ? ` · ${m.counts.exempted} exempted` : ''} on ${m.counts.targets} targets`);
  if (m.score.byCategory.length) out.push(`**Scores:** ${m.score.byCategory.map((c) => `${c.category} ${c.value} (${c.grade})`).join(' · ')}`);
  if (m.history.length > 1) {
    const spark = m.history.map((h) => SPARK[Math.min(7, Math.floor((Math.max(0, Math.min(100, h.score)) / 100) * 7.999))]).join('');
    out.push(`**History** (${m.history.length} runs): ${spark} ${m.history[0]!.score} → ${m.score.value}`);
  }
  out.push('');
  out.push('### Top problems');
  out.push('');
  if (m.top.length === 0) out.push('No problems found.');
  else {
    out.push('| Severity | Check | Target | Problem |');
    out.push('|---|---|---|---|');
    for (const t of m.top.slice(0, max)) {
      const f = t.finding;
      const v = formatValue(f.value, f.unit);
      out.push(`| ${f.severity === 'critical' ? '**critical**' : f.severity}${t.reason === 'new' || t.reason === 'regressed' ? ` (${t.reason})` : ''} | ${code(f.check)} | ${cell(f.target)} | ${cell(f.message)}${v ? ` (${cell(v)})` : ''} |`);
    }
  }
  const ch = m.changes;
  if (ch.previousRunId) {
    out.push('');
    out.push(`### Changes since ${code(ch.previousRunId)}`);
    out.push('');
    out.push(`${ch.new.length} new · ${ch.regressed.length} regressed · ${ch.resolved.length} resolved · ${ch.improved.length} improved · ${ch.unchanged.length} unchanged problems`);
    for (const [label, rows] of [
      ['New', ch.new],
      ['Regressed', ch.regressed],
      ['Resolved', ch.resolved],
    ] as const) {
      if (rows.length === 0) continue;
      out.push('');
      out.push(`**${label}**`);
      for (const r of rows.slice(0, max)) out.push(`- ${code(r.check)} ${cell(r.target)}: ${r.previousSeverity ?? '—'} → ${r.severity ?? 'gone'}`);
      if (rows.length > max) out.push(`- … ${rows.length - max} more`);
    }
  }
  const withProblems = m.targets.filter((t) => t.problems.length > 0);
  if (withProblems.length > 0) {
    out.push('');
    out.push('### Problems by target');
    let listed = 0;
    for (const t of withProblems) {
      if (listed >= max) break;
      out.push('');
      out.push(`**${cell(t.name)}** (${t.worst})`);
      for (const f of t.problems) {
        if (listed >= max) break;
        listed++;
        const v = formatValue(f.value, f.unit);
        const th = formatThreshold(f.threshold, f.unit);
        out.push(`- **${f.severity}** ${code(f.check)} ${cell(f.target)}: ${cell(f.message)}${v ? ` (observed ${cell(v)}${th ? `, threshold ${cell(th)}` : ''})` : ''}`);
        if (f.remediation) out.push(`  - Remediation: ${cell(f.remediation)}`);
        if (f.remediationWorkflow) out.push(`  - Fix with ${f.remediationUrl ? `[${f.remediationWorkflow}](${f.remediationUrl})` : code(f.remediationWorkflow)}`);
      }
    }
    if (m.counts.problems > listed) out.push(`\n… ${m.counts.problems - listed} more problems in the full report${m.links.report ? `: ${m.links.report}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}
