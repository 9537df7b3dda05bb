import { levelSeverity } from '../../inspections/check.js';
import type { KubeEvent } from '../model/types.js';
import { defineClusterCheck, numParam, stringListParam, thresholds } from './cluster-check.js';

const GROUP_LIMIT = 20_000;

interface Group {
  ns: string;
  kind: string;
  name: string;
  reason: string;
  count: number;
  events: number;
  last: number;
  message: string;
  source: string;
}

/** When an event last happened: series, lastTimestamp, eventTime, creation (in that order). */
export function eventTime(e: KubeEvent): number {
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  return t ? Date.parse(t) : NaN;
}

export const eventsWarnings = defineClusterCheck({
  info: {
    id: 'k8s.events.warnings',
    category: 'cluster',
    title: 'Warning events of the last hours',
    description:
      'Warning events that occurred in the last `hours`, grouped by involved object and reason with their occurrence counts (count or series.count summed): one finding per group, ranked by count, never one per event; the summary has the counts per reason. Severity by occurrences: `warning` and `critical`. Note the API server keeps events only --event-ttl (1 h by default).',
    defaults: { hours: 24, warning: 1, critical: 100, ignoreReasons: [], ignoreNamespaces: [], maxFindings: 100 },
    unit: 'occurrences',
    remediation: 'Read the grouped message and follow the involved object: BackOff (crash loops), FailedScheduling (capacity), FailedMount (volumes, secrets, configmaps), Unhealthy (probes).',
    reference: 'KubeEye (every Warning event); Popeye',
  },
  kinds: ['events'],
  start(env) {
    const base = env.settings();
    const hours = numParam(base, 'hours', 24);
    const ignoreReasons = new Set(stringListParam(base, 'ignoreReasons', []));
    const ignoreNs = new Set(stringListParam(base, 'ignoreNamespaces', []));
    const since = env.now - hours * 3_600_000;
    const groups = new Map<string, Group>();
    const byReason = new Map<string, { groups: number; count: number }>();
    const overflow = new Map<string, number>();
    let events = 0;
    let inWindow = 0;
    return {
      visit: {
        events: (e: KubeEvent) => {
          events++;
          if (e.type !== 'Warning') return;
          const t = eventTime(e);
          if (!(t >= since)) return;
          const ns = e.involvedObject?.namespace ?? e.metadata.namespace ?? '';
          const reason = e.reason ?? 'Unknown';
          if (ignoreReasons.has(reason) || ignoreNs.has(ns)) return;
          inWindow++;
          const count = e.series?.count ?? e.count ?? 1;
          const kind = e.involvedObject?.kind ?? 'Unknown';
          const name = e.involvedObject?.name ?? '';
          const key = `${ns}/${kind}/${name}:${reason}`;
          let g = groups.get(key);
          const r = byReason.get(reason) ?? { groups: 0, count: 0 };
          r.count += count;
          if (!g) {
            if (groups.size >= GROUP_LIMIT) {
              overflow.set(reason, (overflow.get(reason) ?? 0) + count);
              byReason.set(reason, r);
              return;
            }
            r.groups++;
            groups.set(key, (g = { ns, kind, name, reason, count: 0, events: 0, last: 0, message: '', source: e.source?.component ?? e.reportingComponent ?? '' }));
          }
          byReason.set(reason, r);
          g.count += count;
          g.events++;
          if (t >= g.last) {
            g.last = t;
            g.message = (e.message ?? '').slice(0, 500);
          }
        },
      },
      finish() {
        const problems = env.problems();
        problems.checked = groups.size;
        for (const g of groups.values()) {
          const t = `${env.cluster.name}/${g.ns || '-'}/${g.kind}/${g.name}:${g.reason}`;
          const s = env.settings(t);
          if (!s.enabled) continue;
          const severity = levelSeverity(g.count, s);
          if (severity === 'ok') continue;
          const ago = Math.round((env.now - g.last) / 60_000);
          problems.add({
            target: t,
            group: g.ns || '-',
            severity,
            value: g.count,
            rank: g.count,
            threshold: thresholds(s),
            message: `${g.reason} x${g.count} on ${g.kind} ${g.ns ? `${g.ns}/` : ''}${g.name} (last ${ago} min ago${g.source ? `, from ${g.source}` : ''}): ${g.message}`,
            details: { reason: g.reason, kind: g.kind, count: g.count, events: g.events, lastSeen: new Date(g.last).toISOString() },
            evidence: { command: `${env.cluster.kubectl} get events${g.ns ? ` -n ${g.ns}` : ''} --field-selector involvedObject.name=${g.name},reason=${g.reason}` },
          });
        }
        for (const [reason, n] of overflow) problems.count('warning', n > 0 ? 1 : 0, reason);
        const reasons = [...byReason].sort((a, b) => b[1].count - a[1].count);
        return problems.findings({
          ok: `no Warning event in the last ${hours} h (${events} Warning events listed in total)`,
          noun: `groups of Warning events in the last ${hours} h (${inWindow} events; top reasons: ${reasons.slice(0, 5).map(([r, v]) => `${r} x${v.count}`).join(', ')})`,
          unit: 'groups',
          details: { hours, events: inWindow, byReason: Object.fromEntries(reasons.slice(0, 30).map(([r, v]) => [r, v])), ...(overflow.size > 0 ? { ungroupedOccurrences: Object.fromEntries(overflow) } : {}) },
          evidence: { command: `${env.cluster.kubectl} get events -A --field-selector type=Warning --sort-by=.lastTimestamp` },
        });
      },
    };
  },
});
