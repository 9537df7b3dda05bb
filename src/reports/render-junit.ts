import { CATEGORIES, severityRank, type Severity } from '../findings/finding.js';
import type { ReportFinding, ReportModel } from './report-model.js';
import { formatThreshold, formatValue } from './html-view.js';

export interface JunitOptions {
  /** Findings at or above this severity are <failure>s; below it they pass (noted in system-out). @defaultValue critical */
  failOn?: 'warning' | 'critical';
}

// XML 1.0 forbids most control characters even when escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
export function xmlEscape(s: string): string {
  return s.replace(INVALID_XML, '').replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

function body(f: ReportFinding): string {
  const lines = [f.message];
  const v = formatValue(f.value, f.unit);
  if (v) lines.push(`observed: ${v}`);
  const t = formatThreshold(f.threshold, f.unit);
  if (t) lines.push(`threshold: ${t}`);
  if (f.change) lines.push(`change: ${f.change}${f.previousSeverity ? ` (was ${f.previousSeverity})` : ''}`);
  if (f.evidence?.command) lines.push(`reproduce: ${f.evidence.command}`);
  if (f.remediation) lines.push(`remediation: ${f.remediation}`);
  if (f.remediationWorkflow) lines.push(`remediation workflow: ${f.remediationWorkflow}${f.remediationUrl ? ` ${f.remediationUrl}` : ''}`);
  return lines.join('\n');
}

/**
 * JUnit XML for CI gates: one test suite per category, one test case per check (classname) and
 * target (name). Errors (the check could not run) are <error>, problems at or above failOn are
 * <failure>, exempted findings are <skipped>, everything else passes.
 */
export function renderJunit(m: ReportModel, opts: JunitOptions = {}): string {
  const limit = severityRank(opts.failOn ?? 'critical');
  const iso = new Date(m.run.startedAt ?? m.generatedAt).toISOString().slice(0, 19);
  const secs = ((m.run.durationMs ?? 0) / 1000).toFixed(3);
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const cat of CATEGORIES) {
    const list = m.findings.filter((f) => f.category === cat);
    if (list.length === 0) continue;
    const cases: string[] = [];
    const c = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const f of [...list].sort((a, b) => a.check.localeCompare(b.check) || a.target.localeCompare(b.target))) {
      c.tests++;
      const head = `    <testcase classname="${xmlEscape(f.check)}" name="${xmlEscape(f.target)}" time="0"`;
      if (f.exemption) {
        c.skipped++;
        cases.push(`${head}>\n      <skipped message="${xmlEscape(`exempted by ${f.exemption.owner} until ${f.exemption.expires}: ${f.exemption.reason}`)}"/>\n    </testcase>`);
      } else if (f.severity === 'error') {
        c.errors++;
        cases.push(`${head}>\n      <error type="error" message="${xmlEscape(f.message)}">${xmlEscape(body(f))}</error>\n    </testcase>`);
      } else if (severityRank(f.severity) >= limit && f.severity !== 'info') {
        c.failures++;
        cases.push(`${head}>\n      <failure type="${f.severity}" message="${xmlEscape(`${f.severity}: ${f.message}`)}">${xmlEscape(body(f))}</failure>\n    </testcase>`);
      } else if (f.severity === 'warning' || f.severity === 'info') {
        cases.push(`${head}>\n      <system-out>${xmlEscape(`${f.severity as Severity}: ${body(f)}`)}</system-out>\n    </testcase>`);
      } else cases.push(`${head}/>`);
    }
    totals.tests += c.tests;
    totals.failures += c.failures;
    totals.errors += c.errors;
    totals.skipped += c.skipped;
    const score = m.score.byCategory.find((s) => s.category === cat);
    suites.push(
      `  <testsuite name="${xmlEscape(`${m.inspection}.${cat}`)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" timestamp="${iso}" time="${secs}" hostname="patrol">\n` +
        `    <properties>\n      <property name="patrol.run" value="${xmlEscape(m.run.id)}"/>\n      <property name="patrol.category" value="${cat}"/>\n${score ? `      <property name="patrol.score" value="${score.value}"/>\n      <property name="patrol.grade" value="${score.grade}"/>\n` : ''}    </properties>\n` +
        `${cases.join('\n')}\n  </testsuite>`,
    );
  }
  const head = `<testsuites name="${xmlEscape(`patrol ${m.inspection}`)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${secs}" timestamp="${iso}">`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${suites.join('\n')}${suites.length ? '\n' : ''}</testsuites>\n`;
}
