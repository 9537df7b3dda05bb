import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { poolsSection } from '../../collectors/app/app-sections.js';
import { appTargets, round } from './app-check-util.js';

export const appPoolSaturation = defineCheck({
  id: 'app.pool.saturation',
  category: 'app',
  title: 'Connection pool saturation (application side)',
  description:
    "Active connections as a percentage of the pool's maximum, read from the application's Prometheus metrics (e.g. HikariCP hikaricp_connections_active / hikaricp_connections_max). Which series and the maximum are configured per pool. A pool near its maximum makes requests wait for a connection.",
  source: { collector: 'app', section: 'pools', schema: poolsSection },
  defaults: { warning: 80, critical: 95 },
  unit: '%',
  remediation: 'Find what holds connections: slow queries, long transactions, leaked connections (HikariCP leakDetectionThreshold), a traffic spike. Raise the pool maximum only if the database has room (its max_connections is shared by every instance).',
  reference: 'Database-side anchors only (Postgres backends 90/95 % of max_connections, MySQL > 85 %); application-side pools are what none of the anchor tools checks. 80/95 % here.',
  evaluate({ data, target, settings }) {
    return data.pools.map((p): FindingDraft => {
      const t = appTargets.pool(target.name, p.name);
      if (p.error !== null || p.active === null || p.max === null) return { target: t, severity: 'error', message: `pool ${p.name}: not measured: ${p.error ?? 'no value'}` };
      const s = settings(t);
      const pct = (p.active / p.max) * 100;
      return {
        target: t,
        severity: levelSeverity(pct, s),
        value: round(pct),
        threshold: thresholdOf(s),
        message: `pool ${p.name}: ${p.active} of ${p.max} connections active (${pct.toFixed(1)}%)${p.pending ? `, ${p.pending} threads waiting` : ''}`,
        details: { active: p.active, max: p.max, pending: p.pending, series: p.series },
      };
    });
  },
});

export const appPoolPending = defineCheck({
  id: 'app.pool.pending',
  category: 'app',
  title: 'Threads waiting for a pool connection',
  description: 'Threads blocked waiting for a connection (e.g. hikaricp_connections_pending) for pools with a `pending` series. Any waiting thread is a warning: the pool is the bottleneck right now. Set `critical` to escalate above a count.',
  source: { collector: 'app', section: 'pools', schema: poolsSection },
  defaults: { warning: 1 },
  unit: 'threads',
  remediation: 'Requests are queueing for connections: see app.pool.saturation for the same pool, and look for slow queries or connections held across remote calls.',
  reference: 'HikariCP: pending > 0 means connection acquisition waits (connectionTimeout errors follow)',
  evaluate({ data, target, settings }) {
    const out: FindingDraft[] = [];
    for (const p of data.pools) {
      if (!p.pendingConfigured) continue;
      const t = appTargets.pool(target.name, p.name);
      if (p.pending === null) {
        out.push({ target: t, severity: 'error', message: `pool ${p.name}: pending not measured: ${p.error ?? 'no value'}` });
        continue;
      }
      const s = settings(t);
      out.push({ target: t, severity: levelSeverity(p.pending, s), value: p.pending, threshold: thresholdOf(s), message: `pool ${p.name}: ${p.pending} thread${p.pending === 1 ? '' : 's'} waiting for a connection`, details: { series: p.series.pending } });
    }
    return out;
  },
});
