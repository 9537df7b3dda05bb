import Handlebars from 'handlebars';
import type { ReportEmailConfig } from '../config/patrol-config.js';
import type { ReportModel } from '../reports/report-model.js';
import { renderEmail, type RenderedEmail } from '../reports/render-email.js';
import { renderJson } from '../reports/render-json.js';
import { renderHtml } from '../reports/render-html.js';
import { inspectionDirName } from '../reports/report-links.js';
import type { MailAttachment, MailMessage } from './mailer.js';

export interface ReportEmailOptions {
  email: ReportEmailConfig;
  templates?: string;
  budgetBytes: number;
  attachmentBudgetBytes: number;
  pageSize?: number;
}

export interface ComposedReportEmail {
  /** Why no mail is sent (no recipients, `when` not met); otherwise absent. */
  skip?: string;
  message?: MailMessage;
  rendered?: RenderedEmail;
  /** Attachments left out to respect the attachment budget. */
  dropped: string[];
}

/** Fields the subject template sees. */
export function subjectFields(m: ReportModel) {
  return {
    inspection: m.inspection,
    score: m.score.value,
    grade: m.score.grade,
    delta: m.score.delta,
    critical: m.counts.bySeverity.critical,
    error: m.counts.bySeverity.error,
    warning: m.counts.bySeverity.warning,
    problems: m.counts.problems,
    status: m.run.status,
    runId: m.run.id,
  };
}

/** "[Patrol] prod-hosts: score 72.5 (C) ▼3.1, 2 critical" (plus the run status when it did not succeed). */
export function reportSubject(m: ReportModel, template?: string): string {
  const f = subjectFields(m);
  if (template) return Handlebars.compile(template, { noEscape: true })(f).replace(/[\r\n]+/g, ' ').trim();
  const delta = f.delta === null || f.delta === 0 ? '' : f.delta > 0 ? ` ▲${f.delta}` : ` ▼${Math.abs(f.delta)}`;
  const status = f.status === 'succeeded' || f.status === 'running' ? '' : `, run ${f.status}`;
  return `[Patrol] ${f.inspection}: score ${f.score} (${f.grade})${delta}, ${f.critical} critical${f.error ? `, ${f.error} error` : ''}${status}`;
}

/** Whether the mail is due under `when` (always / problems / changes). */
export function emailDue(m: ReportModel, when: ReportEmailConfig['when']): boolean {
  if (when === 'always') return true;
  if (m.run.status !== 'succeeded' && m.run.status !== 'running') return true;
  if (when === 'problems') return m.counts.problems > 0;
  const c = m.changes;
  return c.previousRunId === null || c.new.length + c.regressed.length + c.resolved.length > 0;
}

/** The report mail: summarised HTML and text within the budget, subject, optional attachments. */
export function composeReportEmail(m: ReportModel, opts: ReportEmailOptions): ComposedReportEmail {
  const e = opts.email;
  if (e.to.length === 0 && e.cc.length === 0) return { skip: 'no recipients', dropped: [] };
  if (!emailDue(m, e.when)) return { skip: `nothing to report under when: ${e.when}`, dropped: [] };
  const base = `${inspectionDirName(m.inspection)}-${m.run.id}`;
  const attachments: MailAttachment[] = [];
  const dropped: string[] = [];
  let room = opts.attachmentBudgetBytes;
  for (const kind of e.attach) {
    const content = kind === 'json' ? renderJson(m) : renderHtml(m, { ...(opts.templates ? { templates: opts.templates } : {}), ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) });
    const filename = `${base}.${kind}`;
    const size = Buffer.byteLength(content);
    if (size > room) {
      dropped.push(`${filename} (${size} bytes)`);
      continue;
    }
    room -= size;
    attachments.push({ filename, content, contentType: kind === 'json' ? 'application/json' : 'text/html; charset=utf-8' });
  }
  const note = attachments.some((a) => a.filename.endsWith('.html'))
    ? 'The full report is attached.'
    : m.links.report
      ? 'Everything is in the full report.'
      : 'Everything is in the full report on the Patrol server (reports directory) and `patrol report`.';
  const rendered = renderEmail(m, { ...(opts.templates ? { templates: opts.templates } : {}), budgetBytes: opts.budgetBytes, fullReportNote: note });
  let text = rendered.text;
  if (dropped.length) text += `\nNot attached (over the attachment budget of ${opts.attachmentBudgetBytes} bytes): ${dropped.join(', ')}\n`;
  return {
    rendered,
    dropped,
    message: {
      to: e.to,
      cc: e.cc,
      subject: reportSubject(m, e.subject),
      html: rendered.html,
      text,
      attachments,
      headers: { 'X-Patrol-Run': m.run.id, 'X-Patrol-Inspection': m.inspection },
    },
  };
}
