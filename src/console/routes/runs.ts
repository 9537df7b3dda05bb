import type { Router } from 'express';
import { z } from 'zod';
import { jsonObject, pageOf } from '../../api/schemas/common.js';
import { runDetailSchema, runSchema, runSummarySchema } from '../../api/schemas/runs.js';
import { approvalSchema } from '../../api/routes/approvals.js';
import { deliverySchema, reportSchema } from '../../api/routes/reports-alerts.js';
import { RUN_STATUSES } from '../../engine/run-states.js';
import { NotFoundError } from '../../errors/index.js';
import { page, type ConsoleDeps, type Ctx } from '../console-context.js';
import { runView } from '../run-view.js';
import { formatTime } from '../view-engine.js';
import { pagerLinks } from '../paging.js';

const STATUS_FILTERS = [
  { value: '', label: 'any status' },
  { value: 'queued,running,waiting', label: 'active' },
  ...RUN_STATUSES.map((s) => ({ value: s, label: s })),
];

/** Runs: the list with filters, a run's page (graph, steps, live logs, actions), the full log, cancel and retry. */
export function runPages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/runs',
    page(deps, async (c) => {
      c.requireAny('runs.read');
      const filters = { status: c.q('status'), workflow: c.q('workflow'), namespace: c.q('namespace'), inspection: c.q('inspection'), trigger: c.q('trigger'), since: c.q('since'), until: c.q('until') };
      const { list, problem } = await c.list('GET /api/v1/runs', filters, 50, pageOf(runSummarySchema));
      c.render(
        'runs',
        {
          title: 'Runs',
          filters,
          statuses: STATUS_FILTERS.map((s) => ({ ...s, selected: s.value === filters.status })),
          runs: list.items,
          pager: pagerLinks(c, list.next),
          problem,
          canTrigger: c.any('runs.trigger'),
        },
        problem ? problem.status : 200,
      );
    }),
  );

  router.get(
    '/runs/:id',
    page(deps, async (c) => {
      const id = String(c.req.params.id);
      const detail = await c.call('GET /api/v1/runs/:id', { params: { id } }, runDetailSchema);
      const run = detail.run;
      const [definition, approvals, deliveries, report] = await Promise.all([
        c.call('GET /api/v1/runs/:id/definition', { params: { id: run.id } }, z.object({ definition: jsonObject })),
        c.can('approvals.read', run.namespace) ? c.call('GET /api/v1/approvals', { query: { run: run.id, limit: '20' } }, pageOf(approvalSchema)) : undefined,
        c.call('GET /api/v1/runs/:id/deliveries', { params: { id: run.id } }, pageOf(deliverySchema)),
        c.can('reports.read') ? c.call('GET /api/v1/reports/:runId', { params: { runId: run.id } }, reportSchema).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err))) : undefined,
      ]);
      const view = runView(detail, definition.definition);
      c.render('run', {
        title: `Run ${run.workflow} ${run.id.slice(0, 10)}`,
        section: 'runs',
        ...view,
        approvals: approvals?.items,
        deliveries: deliveries.items.slice(0, 50),
        report,
        canCancel: view.active && c.can('runs.cancel', run.namespace),
        canRetry: !view.active && run.status !== 'succeeded' && c.can('runs.retry', run.namespace),
        canRerunHosts: view.failedHosts && c.can('runs.retry', run.namespace),
        canFindings: c.can('findings.read', run.namespace),
        refreshMs: deps.settings.refreshMs,
        logLines: deps.settings.logLines,
        retried: c.q('msg') === 'retry-started' || c.q('msg') === 'rerun-failed-hosts',
      });
    }),
  );

  // The whole log as text, read page by page (a 50 MB log never sits in memory).
  router.get(
    '/runs/:id/log.txt',
    page(deps, async (c) => {
      const detail = await c.call('GET /api/v1/runs/:id', { params: { id: String(c.req.params.id) } }, runDetailSchema);
      const runId = detail.run.id;
      const step = c.q('step') || undefined;
      const res = c.res;
      res.status(200).set({ 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': `attachment; filename="run-${runId}${step ? `-${step.replace(/[^\w.-]/g, '_')}` : ''}.log"` });
      let after: number | undefined;
      for (;;) {
        const p = await c.api.store.logs.read({ runId, ...(step ? { step } : {}), ...(after !== undefined ? { after } : {}), limit: 2000 });
        const text = p.items.map((l) => `${formatTime(l.ts)} [${l.step}${l.attempt > 1 ? `#${l.attempt}` : ''}]${l.stream === 'stderr' ? ' !' : ''} ${l.message}\n`).join('');
        if (text && !res.write(text)) await new Promise<void>((resolve) => res.once('drain', resolve));
        if (res.destroyed || !p.next) break;
        after = p.items[p.items.length - 1]!.id;
      }
      res.end();
    }),
  );

  const action = (path: string, run: (c: Ctx, id: string) => Promise<{ to: string; msg: string }>) =>
    router.post(
      path,
      page(deps, async (c) => {
        const { to, msg } = await run(c, String(c.req.params.id));
        c.redirect(to, msg);
      }),
    );
  action('/runs/:id/cancel', async (c, id) => {
    const r = await c.call('POST /api/v1/runs/:id/cancel', { params: { id }, body: c.form.opt('reason') ? { reason: c.form.opt('reason') } : {} }, runSchema);
    return { to: `/runs/${r.id}`, msg: 'cancel-requested' };
  });
  action('/runs/:id/retry', async (c, id) => {
    const onlyFailedTargets = c.form.str('onlyFailedTargets') === 'true';
    const r = await c.call('POST /api/v1/runs/:id/retry', { params: { id }, body: { onlyFailedTargets } }, runSchema);
    return { to: `/runs/${r.id}`, msg: onlyFailedTargets ? 'rerun-failed-hosts' : 'retry-started' };
  });
}
