import type { Router } from 'express';
import { z } from 'zod';
import { pageOf } from '../../api/schemas/common.js';
import { runSummarySchema } from '../../api/schemas/runs.js';
import { findingSchema, inspectionSchema, type FindingJson } from '../../api/schemas/findings.js';
import { CATEGORIES } from '../../findings/finding.js';
import { formatThreshold, formatValue } from '../../reports/html-view.js';
import { page, type ConsoleDeps } from '../console-context.js';
import { pagerLinks } from '../paging.js';
import { scoreSparkline } from '../charts.js';
import { capText } from '../run-view.js';

const scoredRuns = pageOf(runSummarySchema.extend({ score: z.number().nullable(), grade: z.string().nullable() }));

const SEVERITY_FILTERS = [
  { value: '', label: 'any severity' },
  { value: 'warning,critical,error', label: 'problems (warning and worse)' },
  { value: 'critical,error', label: 'critical and error' },
  { value: 'critical', label: 'critical' },
  { value: 'error', label: 'error (check could not run)' },
  { value: 'warning', label: 'warning' },
  { value: 'info', label: 'info' },
  { value: 'ok', label: 'ok' },
];

function findingRow(f: FindingJson) {
  return {
    ...f,
    value: formatValue(f.value ?? null, f.unit ?? null),
    threshold: formatThreshold(f.threshold ?? null, f.unit ?? null),
    message: capText(f.message, 300).text,
  };
}

/** Inspections with their score trend, findings with filters, a finding's history and exemption. */
export function findingPages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/inspections',
    page(deps, async (c) => {
      c.requireAny('findings.read');
      const list = await c.call('GET /api/v1/inspections', { query: { cursor: c.q('cursor'), limit: '25' } }, pageOf(inspectionSchema));
      const items = await Promise.all(
        list.items.map(async (i) => {
          const runs = await c.call('GET /api/v1/inspections/:name/runs', { params: { name: i.name }, query: { limit: '20' } }, scoredRuns);
          return { ...i, trend: scoreSparkline(runs.items.filter((r) => r.score !== null).map((r) => r.score!).reverse()) };
        }),
      );
      c.render('inspections', { title: 'Inspections', inspections: items, pager: pagerLinks(c, list.next), canTrigger: c.any('runs.trigger') });
    }),
  );

  router.get(
    '/inspections/:name',
    page(deps, async (c) => {
      const name = String(c.req.params.name);
      const runs = await c.call('GET /api/v1/inspections/:name/runs', { params: { name }, query: { cursor: c.q('cursor'), limit: '50' } }, scoredRuns);
      const scored = runs.items.filter((r) => r.score !== null);
      c.render('inspection', {
        title: `Inspection ${name}`,
        section: 'inspections',
        name,
        runs: runs.items,
        trend: scoreSparkline(scored.map((r) => r.score!).reverse(), 640, 120),
        pager: pagerLinks(c, runs.next),
        canReports: c.can('reports.read'),
      });
    }),
  );

  router.get(
    '/findings',
    page(deps, async (c) => {
      c.requireAny('findings.read');
      const filters = { check: c.q('check'), severity: c.q('severity'), category: c.q('category'), target: c.q('target'), host: c.q('host'), inspection: c.q('inspection'), run: c.q('run'), exempted: c.q('exempted'), since: c.q('since'), until: c.q('until') };
      const { list, problem } = await c.list('GET /api/v1/findings', filters, 100, pageOf(findingSchema));
      c.render(
        'findings',
        {
          title: filters.exempted === 'true' ? 'Exemptions' : 'Findings',
          filters,
          severities: SEVERITY_FILTERS.map((s) => ({ ...s, selected: s.value === filters.severity })),
          categories: ['', ...CATEGORIES].map((v) => ({ value: v, label: v || 'any category', selected: v === filters.category })),
          exemptedOptions: [
            { value: '', label: 'exempted or not' },
            { value: 'false', label: 'not exempted' },
            { value: 'true', label: 'exempted only' },
          ].map((o) => ({ ...o, selected: o.value === filters.exempted })),
          findings: list.items.map(findingRow),
          pager: pagerLinks(c, list.next),
          problem,
          exemptions: filters.exempted === 'true',
        },
        problem?.status ?? 200,
      );
    }),
  );

  router.get(
    '/findings/:id',
    page(deps, async (c) => {
      const id = String(c.req.params.id);
      const f = await c.call('GET /api/v1/findings/:id', { params: { id } }, findingSchema);
      const history = await c.call('GET /api/v1/findings/:id/history', { params: { id }, query: { cursor: c.q('cursor'), limit: '50' } }, pageOf(findingSchema));
      const evidence = f.evidence?.raw ? capText(f.evidence.raw, 8000) : null;
      const details = f.details ? capText(JSON.stringify(f.details, null, 2), 8000) : null;
      c.render('finding', {
        title: `${f.check} on ${f.target}`,
        section: 'findings',
        f: findingRow(f),
        evidence,
        details,
        history: history.items.map(findingRow),
        pager: pagerLinks(c, history.next),
        exemptionYaml: `spec:\n  exemptions:\n    - check: ${f.check}\n      target: ${JSON.stringify(f.target)}\n      owner: YOUR-TEAM\n      reason: WHY THIS IS ACCEPTED\n      expires: ${new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10)}`,
      });
    }),
  );
}
