import type { PatrolSettings } from '../config/patrol-config.js';
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';
import type { DeliveryRecord } from '../notify/delivery.js';
import { recordDelivery } from '../notify/record-delivery.js';
import type { RuleContext } from './alert-rules.js';
import { evaluateAlerts } from './evaluate-alerts.js';
import { planNotifications } from './notification-plan.js';
import { sendNotification, type ChannelDeps } from './channels/send-notification.js';

export interface AlertingOutcome {
  fired: number;
  stillFiring: number;
  resolved: number;
  /** Notifications muted by silences. */
  silenced: number;
  /** Still-firing alerts whose repeat interval has not passed. */
  waiting: number;
  notifications: number;
  deliveries: DeliveryRecord[];
}

/**
 * Alerting for one finished run: evaluate the rules (state written first), plan notifications,
 * send them channel by channel, record every delivery, and remember per alert and channel what
 * was told (only after it was delivered, so a failed send is retried by the next run).
 */
export async function runAlerting(
  store: Store,
  args: { runId: string; status: string; limit?: string; findings: readonly Finding[]; settings: PatrolSettings; context: RuleContext; now: number; deps: ChannelDeps; log?: (message: string) => void },
): Promise<AlertingOutcome> {
  const { settings, now } = args;
  const transitions = await evaluateAlerts(store, {
    runId: args.runId,
    status: args.status,
    ...(args.limit ? { limit: args.limit } : {}),
    findings: args.findings,
    rules: settings.alerting.rules,
    context: args.context,
    now,
  });
  const plan = planNotifications({ transitions, channels: settings.alerting.channels, rules: settings.alerting.rules, repeatIntervalMs: settings.alerting.repeatIntervalMs, runId: args.runId, inspection: args.context.inspection, now });
  const deliveries: DeliveryRecord[] = [];
  const ctx = { now, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}), reportUrl: args.context.reportUrl };
  for (const n of plan.notifications) {
    const started = Date.now();
    const out = await sendNotification(n, ctx, args.deps);
    const rec = await recordDelivery(store, {
      runId: args.runId,
      kind: 'alert',
      channel: n.channel.name,
      channelType: n.channel.type,
      destination: out.destination,
      subject: out.subject ?? `${n.status} ${n.group || n.inspection} (${n.alerts.length} alerts)`,
      status: out.ok ? 'sent' : 'failed',
      attempts: out.attempts,
      error: out.error ?? null,
      response: out.response ?? null,
      alerts: n.alerts.map((a) => a.fingerprint),
      bytes: out.bytes ?? null,
      createdAt: started,
    });
    deliveries.push(rec);
    args.log?.(`${n.channel.type} ${n.channel.name}: ${n.status} ${n.group || n.inspection}, ${n.alerts.length} alerts: ${out.ok ? `sent${out.attempts > 1 ? ` after ${out.attempts} tries` : ''}` : `FAILED after ${out.attempts} tries: ${out.error}`}`);
    if (out.ok) for (const a of n.alerts) a.notified = { ...a.notified, [n.channel.name]: { at: now, state: a.state } };
  }
  await store.alerts.upsert(transitions.map((t) => t.alert));
  return {
    fired: transitions.filter((t) => t.kind === 'fired').length,
    stillFiring: transitions.filter((t) => t.kind === 'still-firing').length,
    resolved: transitions.filter((t) => t.kind === 'resolved').length,
    silenced: plan.silenced,
    waiting: plan.waiting,
    notifications: plan.notifications.length,
    deliveries,
  };
}
