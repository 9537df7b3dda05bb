import type { Router } from 'express';
import { z } from 'zod';
import { pageOf } from '../../api/schemas/common.js';
import { deliverySchema, reportSchema } from '../../api/routes/reports-alerts.js';
import { REPORT_FORMATS, type ReportFormat } from '../../config/patrol-config.js';
import { CONTENT_TYPES } from '../../reports/render-report.js';
import { renderStoredReport } from '../../reports/render-stored-report.js';
import { InputError } from '../../errors/index.js';
import { formProblem, page, type ConsoleDeps, type Ctx, type FormProblem } from '../console-context.js';
import { pagerLinks } from '../paging.js';
import { scoreBar } from '../charts.js';

const EXTENSIONS: Record<ReportFormat, string> = { html: 'html', json: 'json', junit: 'xml', md: 'md', csv: 'csv' };
const sendResult = z.object({ deliveries: z.array(z.object({ channel: z.string(), destination: z.string(), status: z.string(), error: z.string().nullable().optional() })) });

/** Reports: the list, a report's page (embedded HTML report, downloads in every format, deliveries, resend). */
export function reportPages(router: Router, deps: ConsoleDeps, env: NodeJS.ProcessEnv = process.env): void {
  /** Rendered from the stored findings, as `patrol report` does: works on any server of a cluster. */
  const render = async (c: Ctx, runId: string, format: ReportFormat) => {
    const r = await c.call('GET /api/v1/reports/:runId', { params: { runId } }, reportSchema);
    return renderStoredReport(c.api.store, r.runId, format, { status: r.status, env });
  };

  router.get(
    '/reports',
    page(deps, async (c) => {
      c.requireAny('reports.read');
      const inspection = c.q('inspection');
      const list = await c.call('GET /api/v1/reports', { query: { inspection, cursor: c.q('cursor'), limit: '50' } }, pageOf(reportSchema));
      c.render('reports', {
        title: 'Reports',
        inspection,
        reports: list.items.map((r) => ({ ...r, counts: countsOf(r.counts) })),
        pager: pagerLinks(c, list.next),
      });
    }),
  );

  const show = async (c: Ctx, extra: { problem?: FormProblem; sent?: z.infer<typeof sendResult>; to?: string } = {}) => {
    const runId = String(c.req.params.runId);
    const r = await c.call('GET /api/v1/reports/:runId', { params: { runId } }, reportSchema);
    const run = await c.api.store.runs.getRun(r.runId);
    const deliveries = run && c.can('runs.read', run.namespace) ? await c.call('GET /api/v1/runs/:id/deliveries', { params: { id: r.runId } }, pageOf(deliverySchema)) : undefined;
    c.render(
      'report',
      {
        title: `Report ${r.inspection ?? r.runId}`,
        section: 'reports',
        r,
        bar: scoreBar(r.score),
        counts: countsOf(r.counts),
        downloads: REPORT_FORMATS.map((f) => ({ format: f, href: `/reports/${r.runId}/download/${f}` })),
        deliveries: deliveries?.items.filter((d) => d.kind === 'report').slice(0, 50),
        canSend: c.can('reports.send'),
        canRun: run !== undefined && c.can('runs.read', run.namespace),
        to: extra.to ?? '',
        problem: extra.problem,
        sent: extra.sent?.deliveries,
      },
      extra.problem?.status ?? 200,
    );
  };
  router.get('/reports/:runId', page(deps, (c) => show(c)));

  // The HTML report itself, for the frame on the report page: its own strict policy (no scripts, inline styles only).
  router.get(
    '/reports/:runId/view',
    page(deps, async (c) => {
      const html = await render(c, String(c.req.params.runId), 'html');
      c.res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'" }).send(html);
    }),
  );

  router.get(
    '/reports/:runId/download/:format',
    page(deps, async (c) => {
      const format = REPORT_FORMATS.find((f) => f === c.req.params.format);
      if (!format) throw new InputError(`format must be one of ${REPORT_FORMATS.join(', ')}`, { field: 'format' });
      const runId = String(c.req.params.runId);
      const text = await render(c, runId, format);
      c.res
        .status(200)
        .set({ 'Content-Type': CONTENT_TYPES[format], 'Content-Disposition': `attachment; filename="report-${runId}.${EXTENSIONS[format]}"`, 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox" })
        .send(text);
    }),
  );

  router.post(
    '/reports/:runId/send',
    page(deps, async (c) => {
      const runId = String(c.req.params.runId);
      const raw = c.form.str('to');
      const to = raw.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
      try {
        const sent = await c.call('POST /api/v1/reports/:runId/send', { params: { runId }, body: to.length ? { to } : {} }, sendResult);
        await show(c, { sent, to: raw });
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await show(c, { problem: { ...p, field: p.field?.startsWith('to') ? 'to' : p.field ?? 'to' }, to: raw });
      }
    }),
  );
}

const countsSchema = z.object({ bySeverity: z.record(z.string(), z.number()).default({}), findings: z.number().default(0) });

function countsOf(counts: Record<string, unknown>): { critical: number; warning: number; error: number; findings: number } {
  const c = countsSchema.safeParse(counts);
  const by = c.success ? c.data.bySeverity : {};
  return { critical: by.critical ?? 0, warning: by.warning ?? 0, error: by.error ?? 0, findings: c.success ? c.data.findings : 0 };
}
