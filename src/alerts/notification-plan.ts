import type { AlertRuleConfig, ChannelConfig } from '../config/patrol-config.js';
import { parseDuration } from '../util/duration.js';
import type { AlertRecord } from './alert-record.js';
import type { AlertTransition } from './evaluate-alerts.js';

/** One message to one channel: the alerts of one run and target (Alertmanager: all of the run's). */
export interface Notification {
  channel: ChannelConfig;
  /** The host or target the alerts are about ("" for an Alertmanager batch). */
  group: string;
  groupKey: string;
  inspection: string;
  runId: string;
  /** firing when any alert in it fires. */
  status: 'firing' | 'resolved';
  alerts: AlertRecord[];
}

export interface NotificationPlan {
  notifications: Notification[];
  /** Alerts that would have been sent but a silence muted them, per channel. */
  silenced: number;
  /** Still-firing alerts not re-sent yet (repeat interval not reached). */
  waiting: number;
}

const respects = (c: ChannelConfig) => c.respectSilences ?? c.type !== 'alertmanager';

/**
 * Who is told what after an evaluation. A channel gets an alert when the alert's rule names the
 * channel (or names none). Newly firing alerts are sent at once, still-firing ones again after
 * the repeat interval, resolved ones when the channel had been told they fire (sendResolved).
 * Alertmanager receives every firing alert on every run (it expects re-sends, and does its own
 * grouping and repeats) and each resolution once. Alerts are grouped per run and target.
 */
export function planNotifications(args: {
  transitions: readonly AlertTransition[];
  channels: readonly ChannelConfig[];
  rules: readonly AlertRuleConfig[];
  repeatIntervalMs: number;
  runId: string;
  inspection: string;
  now: number;
}): NotificationPlan {
  const rules = new Map(args.rules.map((r) => [r.name, r]));
  let silenced = 0;
  let waiting = 0;
  const notifications: Notification[] = [];
  for (const channel of args.channels) {
    const due: AlertRecord[] = [];
    for (const t of args.transitions) {
      const a = t.alert;
      const rule = rules.get(a.rule);
      const routed = rule ? !rule.channels || rule.channels.includes(channel.name) : a.notified[channel.name] !== undefined;
      if (!routed) continue;
      const last = a.notified[channel.name];
      let send: boolean;
      if (t.kind === 'resolved') send = channel.sendResolved && (channel.type === 'alertmanager' || last?.state === 'firing');
      else if (channel.type === 'alertmanager' || t.kind === 'fired' || !last || last.state !== 'firing') send = true;
      else {
        const repeat = rule?.repeatInterval !== undefined ? parseDuration(rule.repeatInterval, `rules.${rule.name}.repeatInterval`) : args.repeatIntervalMs;
        send = args.now - last.at >= repeat;
        if (!send) waiting++;
      }
      if (!send) continue;
      if (a.silencedBy.length > 0 && respects(channel)) {
        silenced++;
        continue;
      }
      due.push(a);
    }
    if (due.length === 0) continue;
    const groups = new Map<string, AlertRecord[]>();
    for (const a of due) {
      const g = channel.type === 'alertmanager' ? '' : (a.host ?? a.target);
      const list = groups.get(g);
      if (list) list.push(a);
      else groups.set(g, [a]);
    }
    for (const [group, alerts] of groups) {
      alerts.sort((x, y) => (x.state === y.state ? x.check.localeCompare(y.check) || x.target.localeCompare(y.target) : x.state === 'firing' ? -1 : 1));
      notifications.push({
        channel,
        group,
        groupKey: `${args.inspection}/${args.runId}/${group}`,
        inspection: args.inspection,
        runId: args.runId,
        status: alerts.some((a) => a.state === 'firing') ? 'firing' : 'resolved',
        alerts,
      });
    }
  }
  return { notifications, silenced, waiting };
}
