import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { buildReport, type ReportModel } from '../../src/reports/report-model.js';
import { renderJson, toReportJson } from '../../src/reports/render-json.js';
import { reportJsonSchema, reportJsonSchemaDocument } from '../../src/reports/report-json-schema.js';
import { renderJunit } from '../../src/reports/render-junit.js';
import { renderMarkdown } from '../../src/reports/render-markdown.js';
import { csvField, renderCsv } from '../../src/reports/render-csv.js';
import { renderHtml } from '../../src/reports/render-html.js';
import { renderEmail } from '../../src/reports/render-email.js';
import { formatThreshold } from '../../src/reports/html-view.js';
import { emailDue, reportSubject } from '../../src/email/report-email.js';
import { insertSyntheticHistory, insertSyntheticRun } from '../support/synthetic-inspection.js';
import { REPO } from '../support/cli.js';

let store: Store;
let model: ReportModel;
let first: ReportModel;

beforeAll(async () => {
  store = await openStore({ url: ':memory:' });
  const runs = await insertSyntheticHistory(store, { inspection: 'unit', hosts: 12, checks: 9, runs: 4, start: Date.UTC(2026, 0, 1) });
  // One exempted finding: kept and shown, not scored, <skipped> in JUnit.
  const one = await store.db.selectFrom('findings').select('id').where('run_id', '=', runs[3]!.id).where('severity', '=', 'warning').limit(1).executeTakeFirstOrThrow();
  await store.db.updateTable('findings').set({ exemption: JSON.stringify({ owner: 'dba-team', reason: 'migration', expires: '2099-01-01' }) }).where('id', '=', one.id).execute();
  model = await buildReport(store, runs[3]!.id, { baseUrl: 'https://patrol.example', publicUrl: 'https://reports.example/patrol', now: Date.UTC(2026, 0, 5) });
  first = await buildReport(store, runs[0]!.id, { now: Date.UTC(2026, 0, 5) });
});
afterAll(async () => store.close());

test('the model orders problems critical first, then new, then regressed, and compares with the previous run', () => {
  const reasons = model.top.map((t) => t.reason);
  const firstNonCritical = reasons.findIndex((r) => r !== 'critical');
  expect(reasons.slice(0, firstNonCritical).every((r) => r === 'critical')).toBe(true);
  const rest = reasons.slice(firstNonCritical);
  const order = ['new', 'regressed', 'error', 'problem'];
  for (let i = 1; i < rest.length; i++) expect(order.indexOf(rest[i]!)).toBeGreaterThanOrEqual(order.indexOf(rest[i - 1]!));
  expect(model.changes.previousRunId).not.toBeNull();
  expect(model.changes.new.length + model.changes.resolved.length + model.changes.regressed.length).toBeGreaterThan(0);
  expect(first.changes.previousRunId).toBeNull();
  expect(first.findings.every((f) => f.change === null)).toBe(true);
  expect(model.history).toHaveLength(4);
  expect(model.history[3]!.current).toBe(true);
  expect(model.matrix.hosts).toHaveLength(12);
  expect(model.matrix.checks).toHaveLength(9);
  expect(model.findings).toHaveLength(12 * 9);
  // Sections are worst first.
  const rank = { critical: 4, error: 3, warning: 2, info: 1, ok: 0 } as const;
  for (let i = 1; i < model.targets.length; i++) expect(rank[model.targets[i]!.worst]).toBeLessThanOrEqual(rank[model.targets[i - 1]!.worst]);
  const wf = model.findings.find((f) => f.remediationWorkflow);
  expect(wf?.remediationUrl).toMatch(/^https:\/\/patrol\.example\/workflows\/cleanup-disk\?finding=/);
  expect(model.links.report).toBe(`https://reports.example/patrol/unit/${model.run.id}.html`);
});

test('the JSON report validates against its versioned schema, and the published JSON Schema is current', () => {
  const doc = JSON.parse(renderJson(model)) as unknown;
  const parsed = reportJsonSchema.safeParse(doc);
  expect(parsed.success ? [] : parsed.error.issues.slice(0, 3)).toEqual([]);
  expect(toReportJson(model).schemaVersion).toBe(1);
  // Regenerate after changing report-json-schema.ts (docs/reports.md, "The JSON schema"):
  //   npx tsx -e "import('./src/reports/report-json-schema.ts').then((m) => require('fs').writeFileSync('reports/schema/report-v1.schema.json', JSON.stringify(m.reportJsonSchemaDocument(), null, 2) + '\\n'))"
  const published = JSON.parse(readFileSync(join(REPO, 'reports', 'schema', 'report-v1.schema.json'), 'utf8')) as unknown;
  expect(published).toEqual(JSON.parse(JSON.stringify(reportJsonSchemaDocument())));
});

test('JUnit has one test case per check and target; critical fails, errors are errors, exempted skipped', async () => {
  const xml = renderJunit(model);
  const cases = xml.match(/<testcase /g) ?? [];
  expect(cases).toHaveLength(model.findings.length);
  const b = model.counts.bySeverity;
  expect(model.counts.exempted).toBe(1);
  expect(xml).toContain(`<testsuites name="patrol unit" tests="${model.findings.length}" failures="${b.critical}" errors="${b.error}" skipped="1"`);
  expect(xml).toContain('<skipped message="exempted by dba-team until 2099-01-01: migration"/>');
  const strict = renderJunit(model, { failOn: 'warning' });
  expect(strict).toContain(`failures="${b.critical + b.warning}"`);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  // Balanced elements: a cheap well-formedness check without an XML parser.
  expect((xml.match(/<testcase /g) ?? []).length).toBe((xml.match(/<\/testcase>|<testcase [^>]*\/>/g) ?? []).length);
});

test('CSV escapes quotes and newlines and defuses spreadsheet formulas', async () => {
  expect(csvField('a,b')).toBe('"a,b"');
  expect(csvField('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
  expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
  expect(csvField('-12.5')).toBe('-12.5');
  expect(csvField(42)).toBe('42');
  const csv = renderCsv(model);
  const lines = csv.trimEnd().split('\r\n');
  expect(lines[0]).toBe('run_id,inspection,check,category,target,host,severity,change,previous_severity,value,unit,threshold,message,title,remediation,remediation_workflow,exempted,exemption_owner,exemption_reason,exemption_expires,fingerprint');
  expect(lines).toHaveLength(model.findings.length + 1);
});

test('Markdown and the subject carry the inspection, score and criticals', () => {
  const md = renderMarkdown(model, { maxItems: 5 });
  expect(md).toContain(`## Patrol: unit — score ${model.score.value} (${model.score.grade})`);
  expect(md).toContain('### Top problems');
  expect(md).toContain('| Severity | Check | Target | Problem |');
  expect(md).toContain(`[full report](https://reports.example/patrol/unit/${model.run.id}.html)`);
  const s = reportSubject(model);
  expect(s).toContain('[Patrol] unit: score');
  expect(s).toContain(`${model.counts.bySeverity.critical} critical`);
  expect(reportSubject(model, '{{inspection}} {{score}}/{{grade}} c={{critical}}')).toBe(`unit ${model.score.value}/${model.score.grade} c=${model.counts.bySeverity.critical}`);
});

test('thresholds read as people write them', () => {
  expect(formatThreshold({ direction: 'above', warning: 80, critical: 90 }, '%')).toBe('warning ≥ 80 %, critical ≥ 90 %');
  expect(formatThreshold({ direction: 'below', warning: 7, critical: 1 }, 'days')).toBe('warning ≤ 7 days, critical ≤ 1 days');
  expect(formatThreshold(5, 's')).toBe('5 s');
  expect(formatThreshold(null, null)).toBeNull();
});

test('the HTML is self-contained and escapes what findings say', async () => {
  const s2 = await openStore({ url: ':memory:' });
  const run = await insertSyntheticRun(s2, { inspection: 'xss', hosts: 1, checks: 1, at: Date.now(), seed: 1 });
  await s2.db.updateTable('findings').set({ message: '<script>alert(1)</script>', severity: 'critical' }).execute();
  const m = await buildReport(s2, run.id);
  const html = renderHtml(m);
  expect(html).not.toContain('<script>');
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).not.toMatch(/<link\b|<img\b|@import|@font-face|src="http|url\(/i);
  expect(html).toContain('<svg class="chart chart-history"');
  await s2.close();
});

test('the email is summarised level by level to fit the budget', () => {
  const full = renderEmail(model, { budgetBytes: 5_000_000 });
  expect(full.level).toBe(0);
  expect(full.omittedProblems).toBe(0);
  const small = renderEmail(model, { budgetBytes: 40_000 });
  expect(small.bytes).toBeLessThanOrEqual(40_000);
  expect(small.level).toBeGreaterThan(0);
  // Inlined CSS: styles on elements, no class-only styling left for clients that drop <style>.
  expect(full.html).toMatch(/<td[^>]*style="[^"]*padding/);
  expect(full.html).not.toContain('<svg');
  expect(full.text).toContain('TOP PROBLEMS');
});

test('the report email is due always, on problems, or on changes; a failed run always reports', () => {
  expect(emailDue(model, 'always')).toBe(true);
  expect(emailDue(model, 'problems')).toBe(model.counts.problems > 0);
  expect(emailDue(model, 'changes')).toBe(true);
  const quiet: ReportModel = { ...model, counts: { ...model.counts, problems: 0 }, changes: { ...model.changes, new: [], regressed: [], resolved: [] } };
  expect(emailDue(quiet, 'problems')).toBe(false);
  expect(emailDue(quiet, 'changes')).toBe(false);
  expect(emailDue({ ...quiet, run: { ...quiet.run, status: 'failed' } }, 'changes')).toBe(true);
});
