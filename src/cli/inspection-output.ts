import type { InspectionSummary } from '../inspections/inspection-summary.js';
import type { Finding } from '../findings/finding.js';
import { elapsed, paint, table, useColor, type Color } from './output.js';

const SEV_COLOR: Record<string, Color> = { critical: 'red', error: 'red', warning: 'yellow', info: 'blue', ok: 'green' };

/** The `--json` document of an inspection (contract: run, score, findings[{check, category, target, severity, value, threshold, message}]). */
export function inspectionJson(s: InspectionSummary, kind: string): Record<string, unknown> {
  const change = (c: { check: string; target: string; current?: Finding; previous?: Finding }) => ({
    check: c.check,
    target: c.target,
    severity: c.current?.severity ?? null,
    previousSeverity: c.previous?.severity ?? null,
  });
  return {
    run: s.run.id,
    inspection: s.inspection,
    kind,
    status: s.run.status,
    startedAt: s.run.startedAt === null ? null : new Date(s.run.startedAt).toISOString(),
    finishedAt: s.run.finishedAt === null ? null : new Date(s.run.finishedAt).toISOString(),
    score: s.score.overall.value,
    grade: s.score.overall.grade,
    scores: s.score.byCategory,
    previous: s.previous ? { run: s.previous.runId, score: s.previous.score.overall.value, grade: s.previous.score.overall.grade } : null,
    delta: s.delta ?? null,
    counts: s.counts,
    changes: {
      previousRun: s.changes.previousRunId,
      new: s.changes.new.map(change),
      resolved: s.changes.resolved.map(change),
      regressed: s.changes.regressed.map(change),
      improved: s.changes.improved.map(change),
      unchanged: s.changes.unchanged.length,
    },
    findings: s.findings.map((f) => ({
      check: f.check,
      category: f.category,
      target: f.target,
      host: f.host ?? null,
      severity: f.severity,
      value: f.value ?? null,
      unit: f.unit ?? null,
      threshold: f.threshold ?? null,
      message: f.message,
      fingerprint: f.fingerprint,
      ...(f.evidence ? { evidence: f.evidence } : {}),
      ...(f.remediation ? { remediation: f.remediation } : {}),
      ...(f.remediationWorkflow ? { remediationWorkflow: f.remediationWorkflow } : {}),
      ...(f.exemption ? { exemption: f.exemption } : {}),
      ...(f.details ? { details: f.details } : {}),
    })),
  };
}

/** The human summary printed at the end of `patrol inspect`. */
export function printInspectionSummary(s: InspectionSummary, out: NodeJS.WriteStream = process.stdout): void {
  const color = useColor(out);
  const sev = (x: string) => paint(x.toUpperCase().padEnd(8), SEV_COLOR[x] ?? 'bold', color);
  const { overall } = s.score;
  const delta = s.delta === undefined ? paint('(first run of this inspection)', 'gray', color) : s.delta === 0 ? 'unchanged since the previous run' : paint(`${s.delta > 0 ? '▲ +' : '▼ '}${s.delta} since the previous run`, s.delta > 0 ? 'green' : 'red', color);
  out.write(`\n${paint(`Inspection ${s.inspection ?? ''}`, 'bold', color)}  run ${s.run.id}  ${elapsed(s.run.startedAt, s.run.finishedAt)}\n`);
  out.write(`Score ${paint(`${overall.value} (${overall.grade})`, overall.value >= 90 ? 'green' : overall.value >= 70 ? 'yellow' : 'red', color)}  ${delta}\n`);
  const cats = Object.entries(s.score.byCategory).map(([c, sc]) => `${c} ${sc!.value} ${sc!.grade} (${sc!.targets} targets)`);
  if (cats.length) out.write(`  ${cats.join('   ')}\n`);
  const b = s.counts.bySeverity;
  out.write(`Findings: ${paint(`${b.critical} critical`, b.critical ? 'red' : 'gray', color)}, ${paint(`${b.error} error`, b.error ? 'red' : 'gray', color)}, ${paint(`${b.warning} warning`, b.warning ? 'yellow' : 'gray', color)}, ${b.info} info, ${b.ok} ok${s.counts.exempted ? `, ${s.counts.exempted} exempted` : ''}  on ${s.counts.targets} targets\n`);
  const ch = s.changes;
  if (ch.previousRunId) out.write(`Since run ${ch.previousRunId}: ${ch.new.length} new, ${ch.resolved.length} resolved, ${ch.regressed.length} regressed, ${ch.improved.length} improved, ${ch.unchanged.length} unchanged problems\n`);
  if (s.top.length > 0) {
    const newSet = new Set(ch.new.map((c) => c.fingerprint));
    const regSet = new Set(ch.regressed.map((c) => c.fingerprint));
    out.write('\nTop problems:\n');
    const rows = s.top.map((f) => [sev(f.severity), f.check, f.target, f.message + (newSet.has(f.fingerprint) ? paint('  [new]', 'blue', color) : regSet.has(f.fingerprint) ? paint('  [regressed]', 'red', color) : '')]);
    out.write(`${table(['SEVERITY', 'CHECK', 'TARGET', 'MESSAGE'], rows, 90)}\n`);
  } else out.write(paint('\nNo problems found.\n', 'green', color));
  if (ch.resolved.length > 0) out.write(`Resolved: ${ch.resolved.slice(0, 10).map((c) => `${c.check} ${c.target}`).join('; ')}${ch.resolved.length > 10 ? ` and ${ch.resolved.length - 10} more` : ''}\n`);
}
