import type { AlertRecord } from '../alert-record.js';
import type { Notification } from '../notification-plan.js';

/** Links and time the payloads need besides the notification. */
export interface PayloadContext {
  now: number;
  /** Patrol's console (externalURL, generatorURL). */
  baseUrl?: string;
  reportUrl: string | null;
}

const iso = (t: number) => new Date(t).toISOString();
const MAX_LISTED = 20;

function title(n: Notification): string {
  const firing = n.alerts.filter((a) => a.state === 'firing').length;
  const resolved = n.alerts.length - firing;
  const what = firing > 0 ? `FIRING:${firing}${resolved ? ` RESOLVED:${resolved}` : ''}` : `RESOLVED:${resolved}`;
  return `[${what}] ${n.group || n.inspection} · ${n.inspection}`;
}

function line(a: AlertRecord): string {
  const sev = (a.labels.severity ?? a.severity).toUpperCase();
  return a.state === 'firing' ? `${sev} ${a.check} ${a.target}: ${a.annotations.description ?? a.annotations.summary ?? ''}` : `RESOLVED ${a.check} ${a.target}`;
}

function commonOf(maps: Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(maps[0]!)) if (maps.every((m) => m[k] === v)) out[k] = v;
  return out;
}

function generatorUrl(a: AlertRecord, ctx: PayloadContext): string {
  return ctx.baseUrl ? `${ctx.baseUrl}/runs/${encodeURIComponent(a.lastRunId)}#${a.findingFingerprint}` : '';
}

/** One alert in Alertmanager's shape (its webhook receivers and the v2 API use the same fields). */
export function alertmanagerAlert(a: AlertRecord, ctx: PayloadContext, validForMs: number) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAt),
    // A firing alert stays firing in Alertmanager until the next inspection re-sends it.
    endsAt: iso(a.state === 'firing' ? ctx.now + validForMs : (a.endsAt ?? ctx.now)),
    ...(ctx.baseUrl ? { generatorURL: generatorUrl(a, ctx) } : {}),
  };
}

/** POST /api/v2/alerts body. */
export function alertmanagerPayload(n: Notification, ctx: PayloadContext, validForMs: number) {
  return n.alerts.map((a) => alertmanagerAlert(a, ctx, validForMs));
}

/**
 * The generic webhook body: Alertmanager's webhook format (version 4), so existing receivers
 * understand it, plus a `patrol` object with the run, inspection, target and report link.
 */
export function webhookPayload(n: Notification, ctx: PayloadContext) {
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: 0,
    status: n.status,
    receiver: n.channel.name,
    groupLabels: { inspection: n.inspection, ...(n.group ? { target: n.group } : {}) },
    commonLabels: commonOf(n.alerts.map((a) => a.labels)),
    commonAnnotations: commonOf(n.alerts.map((a) => a.annotations)),
    externalURL: ctx.baseUrl ?? '',
    alerts: n.alerts.map((a) => ({
      status: a.state,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: a.state === 'resolved' && a.endsAt !== null ? iso(a.endsAt) : '0001-01-01T00:00:00Z',
      generatorURL: generatorUrl(a, ctx),
      fingerprint: a.fingerprint,
    })),
    patrol: { runId: n.runId, inspection: n.inspection, target: n.group, reportUrl: ctx.reportUrl, sentAt: iso(ctx.now) },
  };
}

function listed<T>(alerts: readonly AlertRecord[], fmt: (a: AlertRecord) => T): { items: T[]; more: number } {
  return { items: alerts.slice(0, MAX_LISTED).map(fmt), more: Math.max(0, alerts.length - MAX_LISTED) };
}

const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack incoming webhook: `text` as the fallback, Block Kit header + sections (3000 characters each). */
export function slackPayload(n: Notification, ctx: PayloadContext) {
  const { items, more } = listed(n.alerts, (a) => `${a.state === 'firing' ? ':red_circle:' : ':white_check_mark:'} ${slackEscape(line(a))}`);
  const body = [...items, ...(more ? [`…and ${more} more`] : [])].join('\n');
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title(n).slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 3000) || '(no alerts)' } },
  ];
  if (ctx.reportUrl) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${ctx.reportUrl}|Inspection report> · run ${n.runId}` }] });
  else blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `run ${n.runId}` }] });
  return { text: `${title(n)}\n${body}`.slice(0, 4000), blocks };
}

/** DingTalk custom robot: markdown message (title + text). */
export function dingtalkPayload(n: Notification, ctx: PayloadContext) {
  const { items, more } = listed(n.alerts, (a) => `- ${a.state === 'firing' ? '**' : ''}${line(a)}${a.state === 'firing' ? '**' : ''}`);
  const text = [`### ${title(n)}`, '', ...items, ...(more ? [`- …and ${more} more`] : []), '', ctx.reportUrl ? `[Inspection report](${ctx.reportUrl}) · run ${n.runId}` : `run ${n.runId}`].join('\n');
  return { msgtype: 'markdown', markdown: { title: title(n).slice(0, 64), text: text.slice(0, 18000) } };
}

/** WeCom (企业微信) group robot: markdown content, at most 4096 bytes. */
export function wecomPayload(n: Notification, ctx: PayloadContext) {
  const { items, more } = listed(n.alerts, (a) => `> ${a.state === 'firing' ? `<font color="warning">${line(a)}</font>` : `<font color="info">${line(a)}</font>`}`);
  let content = [`**${title(n)}**`, ...items, ...(more ? [`…and ${more} more`] : []), ctx.reportUrl ? `[Inspection report](${ctx.reportUrl}) · run ${n.runId}` : `run ${n.runId}`].join('\n');
  while (Buffer.byteLength(content) > 4096) content = `${content.slice(0, Math.floor(content.length * 0.9))}…`;
  return { msgtype: 'markdown', markdown: { content } };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));

/** Alert email: subject, a small inline-styled HTML table and the same as text. */
export function alertEmail(n: Notification, ctx: PayloadContext): { subject: string; html: string; text: string } {
  const subject = `[Patrol] ${title(n)}`;
  const rows = n.alerts
    .map((a) => {
      const color = a.state === 'firing' ? '#cf222e' : '#1a7f37';
      const links = [a.annotations.runbook_url ? `<a href="${esc(a.annotations.runbook_url)}">remediation</a>` : ''].filter(Boolean).join(' ');
      return `<tr><td style="padding:4px 8px;border-bottom:1px solid #eaeef2;color:${color};font-weight:bold;white-space:nowrap">${esc(a.state === 'firing' ? (a.labels.severity ?? a.severity).toUpperCase() : 'RESOLVED')}</td><td style="padding:4px 8px;border-bottom:1px solid #eaeef2"><b>${esc(a.check)}</b> · ${esc(a.target)}<br>${esc(a.annotations.description ?? a.annotations.summary ?? '')}${a.annotations.remediation ? `<br><i>Remediation:</i> ${esc(a.annotations.remediation)}` : ''} ${links}<br><span style="color:#57606a;font-size:11px">since ${esc(iso(a.startsAt))} · ${esc(a.fingerprint)}</span></td></tr>`;
    })
    .join('');
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(subject)}</title></head><body style="font-family:Arial,sans-serif;font-size:14px;color:#1f2328"><h2 style="font-size:16px">${esc(title(n))}</h2><table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="max-width:680px">${rows}</table>${ctx.reportUrl ? `<p><a href="${esc(ctx.reportUrl)}">Inspection report</a></p>` : ''}<p style="color:#57606a;font-size:11px">Run ${esc(n.runId)} · Patrol</p></body></html>`;
  const text = `${title(n)}\n\n${n.alerts.map((a) => `- ${line(a)}${a.annotations.remediation ? `\n  Remediation: ${a.annotations.remediation}` : ''}`).join('\n')}\n${ctx.reportUrl ? `\nReport: ${ctx.reportUrl}\n` : ''}\nRun ${n.runId}\n`;
  return { subject, html, text };
}
