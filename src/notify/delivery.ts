/** What kind of thing was delivered. */
export type DeliveryKind = 'report' | 'alert';
export type ChannelType = 'email' | 'webhook' | 'slack' | 'dingtalk' | 'wecom' | 'alertmanager';

/** One delivery (a report email, one alert notification) with its outcome, as stored. */
export interface DeliveryRecord {
  id: string;
  runId: string;
  kind: DeliveryKind;
  /** Channel name, or "report-email" for the report mail. */
  channel: string;
  channelType: ChannelType;
  /** Recipients, or a URL without its query string (which may carry a token). */
  destination: string;
  subject: string | null;
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  /** SMTP response / message id, HTTP status. */
  response: string | null;
  /** Fingerprints of the alerts the notification carried. */
  alerts: string[] | null;
  bytes: number | null;
  createdAt: number;
  finishedAt: number;
}

/** The short form shown in step outputs and `patrol runs show`. */
export function deliverySummary(d: DeliveryRecord): Record<string, unknown> {
  return {
    id: d.id,
    kind: d.kind,
    channel: d.channel,
    type: d.channelType,
    destination: d.destination,
    status: d.status,
    attempts: d.attempts,
    ...(d.error ? { error: d.error } : {}),
    ...(d.alerts ? { alerts: d.alerts.length } : {}),
  };
}

/** A URL safe to store and show: no query (chat webhooks carry tokens there) and no userinfo. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid url)';
  }
}
