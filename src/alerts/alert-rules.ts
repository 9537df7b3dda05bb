import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import type { AlertRuleConfig } from '../config/patrol-config.js';
import { LABEL_NAME } from '../config/patrol-config.js';
import type { Finding } from '../findings/finding.js';
import { anyGlob, globMatch } from '../inspections/config/glob.js';
import { formatThreshold, formatValue } from '../reports/html-view.js';

/** What rules see besides the finding. */
export interface RuleContext {
  inspection: string;
  runId: string;
  /** The run's labels (InspectionConfig metadata.labels, patrol.dev/kind). */
  runLabels: Record<string, string>;
  reportUrl: string | null;
  /** Link to the remediation workflow of a finding (needs baseUrl). */
  remediationUrl(f: Finding): string | null;
}

/** The labels rules match on: the run's labels with the finding's own on top. */
export function matchLabels(f: Finding, ctx: RuleContext): Record<string, string> {
  return { ...ctx.runLabels, ...(f.labels ?? {}) };
}

/** Whether a rule selects a finding: every condition given must hold (exempted findings never alert). */
export function ruleMatches(rule: AlertRuleConfig, f: Finding, ctx: RuleContext): boolean {
  if (f.exemption) return false;
  const m = rule.match;
  if (!m.severities.includes(f.severity)) return false;
  if (m.categories && !m.categories.includes(f.category)) return false;
  if (m.checks && !anyGlob(m.checks, [f.check])) return false;
  if (m.targets && !anyGlob(m.targets, [f.target])) return false;
  if (m.hosts && !anyGlob(m.hosts, [f.host ?? f.target])) return false;
  if (m.inspections && !anyGlob(m.inspections, [ctx.inspection])) return false;
  if (m.labels) {
    const labels = matchLabels(f, ctx);
    for (const [k, want] of Object.entries(m.labels)) {
      const v = labels[k];
      if (v === undefined) return false;
      const globs = Array.isArray(want) ? want : [want];
      if (!globs.some((g) => globMatch(g, v))) return false;
    }
  }
  return true;
}

/** Label names Alertmanager accepts: other characters become "_" (team.name -> team_name). */
export function sanitizeLabelName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return LABEL_NAME.test(s) ? s : `_${s}`;
}

const templates = new Map<string, Handlebars.TemplateDelegate>();
function renderTemplate(tpl: string, data: Record<string, unknown>): string {
  if (!tpl.includes('{{')) return tpl;
  let t = templates.get(tpl);
  if (!t) {
    t = Handlebars.compile(tpl, { noEscape: true, strict: false });
    templates.set(tpl, t);
  }
  return t(data);
}

export interface AlertIdentity {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
}

/**
 * An alert's labels and annotations. Labels (which identify it) are: alertname (the rule),
 * inspection, check, category, severity, target, host; the run's and the finding's labels
 * (names sanitised, patrol.dev/* left out); then the rule's labels (templates) on top.
 * Annotations default to summary, description, remediation, runbook_url and report_url.
 */
export function alertIdentity(rule: AlertRuleConfig, f: Finding, ctx: RuleContext): AlertIdentity {
  const labels: Record<string, string> = {};
  const put = (k: string, v: string | undefined | null) => {
    if (v === undefined || v === null || v === '') return;
    labels[sanitizeLabelName(k)] = v;
  };
  for (const [k, v] of Object.entries(ctx.runLabels)) if (!k.startsWith('patrol.dev/')) put(k, v);
  for (const [k, v] of Object.entries(f.labels ?? {})) if (!k.startsWith('patrol.dev/')) put(k, v);
  put('alertname', rule.name);
  put('inspection', ctx.inspection);
  put('check', f.check);
  put('category', f.category);
  put('severity', f.severity);
  put('target', f.target);
  put('host', f.host);
  const value = formatValue(f.value ?? null, f.unit ?? null);
  const threshold = formatThreshold(f.threshold ?? null, f.unit ?? null);
  const remediationUrl = ctx.remediationUrl(f);
  const data = {
    ...f,
    host: f.host ?? f.target,
    labels: matchLabels(f, ctx),
    inspection: ctx.inspection,
    runId: ctx.runId,
    value,
    threshold,
    reportUrl: ctx.reportUrl,
    remediationUrl,
  };
  for (const [k, tpl] of Object.entries(rule.labels)) put(k, renderTemplate(tpl, data));
  const annotations: Record<string, string> = {
    summary: `${f.title ?? f.check} on ${f.target}`,
    description: `${f.message}${value ? ` (observed ${value}${threshold ? `, threshold ${threshold}` : ''})` : ''}`,
  };
  if (f.remediation) annotations.remediation = f.remediation;
  if (f.remediationWorkflow) annotations.remediation_workflow = f.remediationWorkflow;
  if (remediationUrl) annotations.runbook_url = remediationUrl;
  if (ctx.reportUrl) annotations.report_url = ctx.reportUrl;
  for (const [k, tpl] of Object.entries(rule.annotations)) {
    const v = renderTemplate(tpl, data);
    if (v === '') delete annotations[k];
    else annotations[k] = v;
  }
  return { labels, annotations, fingerprint: labelsFingerprint(labels) };
}

/** Stable id of a label set (order does not matter), like Alertmanager's fingerprint. */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u00ff${labels[k]}\u00ff`);
  return h.digest('hex').slice(0, 16);
}
