import { levelSeverity } from '../../inspections/check.js';
import { parseQuantity } from '../model/quantity.js';
import type { ResourceQuota } from '../model/types.js';
import { defineClusterCheck, stringListParam, thresholds } from './cluster-check.js';

export const quotaUsage = defineClusterCheck({
  info: {
    id: 'k8s.quota.usage',
    category: 'cluster',
    title: 'ResourceQuota usage',
    description: 'For each ResourceQuota, every resource in status.hard against status.used (requests.cpu, limits.memory, pods, requests.nvidia.com/gpu, count/...); the finding is the most used resource. Warning at `warning` percent, critical at `critical` (at 100% new pods or objects are rejected).',
    defaults: { warning: 90, critical: 100, ignoreNamespaces: [], maxFindings: 100 },
    unit: '%',
    remediation: 'Raise the quota with the namespace owner, or free capacity (scale down, delete finished pods, right-size requests).',
    reference: 'anchors: namespace quota > 90%; kubernetes-mixin KubeQuotaAlmostFull / KubeQuotaFullyUsed',
  },
  kinds: ['resourcequotas'],
  start(env) {
    const problems = env.problems();
    const ignore = new Set(stringListParam(env.settings(), 'ignoreNamespaces', []));
    return {
      visit: {
        resourcequotas: (q: ResourceQuota) => {
          const ns = q.metadata.namespace ?? '';
          if (ignore.has(ns)) return;
          problems.checked++;
          const hard = q.status?.hard ?? q.spec?.hard ?? {};
          const used = q.status?.used ?? {};
          const rows: { resource: string; used: string; hard: string; pct: number }[] = [];
          for (const [res, h] of Object.entries(hard)) {
            const hv = parseQuantity(h);
            const uv = parseQuantity(used[res] ?? '0');
            if (!Number.isFinite(hv) || !Number.isFinite(uv)) continue;
            const pct = hv === 0 ? (uv > 0 ? 100 : 0) : Math.round((1000 * uv) / hv) / 10;
            rows.push({ resource: res, used: used[res] ?? '0', hard: h, pct });
          }
          if (rows.length === 0) return;
          rows.sort((a, b) => b.pct - a.pct);
          const top = rows[0]!;
          const t = `${env.cluster.name}/${ns}/quota/${q.metadata.name}`;
          const s = env.settings(t);
          if (!s.enabled) return;
          const severity = levelSeverity(top.pct, s);
          if (severity === 'ok') return;
          const over = rows.filter((r) => levelSeverity(r.pct, s) !== 'ok');
          problems.add({
            target: t,
            group: ns,
            severity,
            value: top.pct,
            rank: top.pct,
            threshold: thresholds(s),
            message: `ResourceQuota ${ns}/${q.metadata.name}: ${over.map((r) => `${r.resource} ${r.used} of ${r.hard} (${r.pct}%)`).join(', ')}`,
            details: { resources: rows.slice(0, 20) },
            evidence: { command: `${env.cluster.kubectl} -n ${ns} describe quota ${q.metadata.name}` },
          });
        },
      },
      finish: () => problems.findings({ ok: `all ${problems.checked} ResourceQuotas below the threshold`, noun: 'ResourceQuotas near or at their limit', unit: 'quotas', evidence: { command: `${env.cluster.kubectl} get quota -A` } }),
    };
  },
});
