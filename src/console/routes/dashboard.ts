import type { Router } from 'express';
import { z } from 'zod';
import { pageOf } from '../../api/schemas/common.js';
import { runSummarySchema } from '../../api/schemas/runs.js';
import { inspectionSchema, inspectionSummarySchema } from '../../api/schemas/findings.js';
import { alertSchema } from '../../api/routes/reports-alerts.js';
import { scheduleSchema } from '../../api/routes/schedules.js';
import { approvalSchema } from '../../api/routes/approvals.js';
import { page, type ConsoleDeps, type Ctx } from '../console-context.js';
import { scoreBar, scoreSparkline } from '../charts.js';
import { relativeTime } from '../view-engine.js';

/** Inspections shown with their trend and category scores (the rest are on /inspections). */
const DASHBOARD_INSPECTIONS = 6;

const scoredRuns = pageOf(runSummarySchema.extend({ score: z.number().nullable(), grade: z.string().nullable() }));

/**
 * The dashboard: inspection scores per category with their trend, open criticals, alerts firing,
 * runs in progress, approvals waiting and the next schedules. Each panel shows only when the
 * user may read what it shows.
 */
export function dashboardPages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/',
    page(deps, async (c) => {
      const now = Date.now();
      const [inspections, runs, alerts, approvals, schedules] = await Promise.all([
        c.any('findings.read') ? inspectionPanel(c) : undefined,
        c.any('runs.read') ? c.call('GET /api/v1/runs', { query: { status: 'queued,running,waiting', limit: '10' } }, pageOf(runSummarySchema)) : undefined,
        c.can('alerts.read') ? c.call('GET /api/v1/alerts', { query: { state: 'firing', limit: '8' } }, pageOf(alertSchema)) : undefined,
        c.any('approvals.read') ? c.call('GET /api/v1/approvals', { query: { status: 'pending', limit: '5' } }, pageOf(approvalSchema)) : undefined,
        c.any('schedules.read') ? c.call('GET /api/v1/schedules', { query: { limit: '200' } }, pageOf(scheduleSchema)) : undefined,
      ]);
      const nextSchedules = schedules?.items
        .filter((s) => s.enabled && s.nextRunAt !== null)
        .sort((a, b) => a.nextRunAt! - b.nextRunAt!)
        .slice(0, 6)
        .map((s) => ({ ...s, due: relativeTime(s.nextRunAt!, now) }));
      const criticals = inspections?.flatMap((i) => i.criticals).slice(0, 10);
      c.render('dashboard', {
        title: 'Dashboard',
        section: 'dashboard',
        inspections,
        criticalCount: inspections?.reduce((n, i) => n + i.criticalCount, 0),
        criticals,
        runs: runs?.items,
        alerts: alerts?.items,
        alertsMore: Boolean(alerts?.next),
        approvals: approvals?.items,
        schedules: nextSchedules,
        canSchedules: schedules !== undefined,
        canAlerts: alerts !== undefined,
        canRuns: runs !== undefined,
        canApprovals: approvals !== undefined,
        canFindings: inspections !== undefined,
        canTrigger: c.any('runs.trigger'),
      });
    }),
  );
}

async function inspectionPanel(c: Ctx) {
  const list = await c.call('GET /api/v1/inspections', { query: { limit: String(DASHBOARD_INSPECTIONS) } }, pageOf(inspectionSchema));
  return Promise.all(
    list.items.map(async (i) => {
      const runs = await c.call('GET /api/v1/inspections/:name/runs', { params: { name: i.name }, query: { limit: '20' } }, scoredRuns);
      const scored = runs.items.filter((r) => r.score !== null);
      const trend = scoreSparkline(scored.map((r) => r.score!).reverse());
      const latest = scored[0];
      const summary = latest ? await c.call('GET /api/v1/runs/:id/summary', { params: { id: latest.id } }, inspectionSummarySchema) : undefined;
      const categories = summary
        ? Object.entries(summary.scores).map(([category, s]) => ({ category, value: s!.value, grade: s!.grade, targets: s!.targets, bar: scoreBar(s!.value) }))
        : [];
      const criticalCount = summary ? (summary.counts.bySeverity.critical ?? 0) : 0;
      const criticals = (summary?.top ?? []).filter((f) => f.severity === 'critical' && !f.exemption).map((f) => ({ ...f, inspection: i.name }));
      return {
        name: i.name,
        latestRun: i.latestRun,
        score: latest?.score ?? null,
        scoreText: latest?.score === null || latest?.score === undefined ? '-' : String(latest.score),
        grade: latest?.grade ?? null,
        delta: summary?.delta ?? null,
        deltaText: summary?.delta === null || summary?.delta === undefined ? null : summary.delta > 0 ? `▲ +${summary.delta}` : summary.delta < 0 ? `▼ ${summary.delta}` : '±0',
        deltaClass: !summary?.delta ? 'flat' : summary.delta > 0 ? 'up' : 'down',
        trend,
        categories,
        criticalCount,
        criticals,
        reportRun: latest?.id ?? null,
      };
    }),
  );
}
