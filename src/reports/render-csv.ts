import type { ReportModel } from './report-model.js';
import { formatThreshold } from './html-view.js';

const COLUMNS = [
  'run_id',
  'inspection',
  'check',
  'category',
  'target',
  'host',
  'severity',
  'change',
  'previous_severity',
  'value',
  'unit',
  'threshold',
  'message',
  'title',
  'remediation',
  'remediation_workflow',
  'exempted',
  'exemption_owner',
  'exemption_reason',
  'exemption_expires',
  'fingerprint',
] as const;

/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR)
 * gets a leading apostrophe: findings carry strings from the inspected machines.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^[-+]?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Every finding of the run, one row each, in report order (targets worst first). */
export function renderCsv(m: ReportModel): string {
  const lines = [COLUMNS.join(',')];
  for (const f of m.findings) {
    lines.push(
      [
        m.run.id,
        m.inspection,
        f.check,
        f.category,
        f.target,
        f.host,
        f.severity,
        f.change,
        f.previousSeverity,
        f.value,
        f.unit,
        formatThreshold(f.threshold, null),
        f.message,
        f.title,
        f.remediation,
        f.remediationWorkflow,
        f.exemption ? 'yes' : 'no',
        f.exemption?.owner,
        f.exemption?.reason,
        f.exemption?.expires,
        f.fingerprint,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
