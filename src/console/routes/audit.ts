import type { Router } from 'express';
import { pageOf } from '../../api/schemas/common.js';
import { auditEntrySchema } from '../../api/routes/audit.js';
import { page, type ConsoleDeps } from '../console-context.js';
import { pagerLinks } from '../paging.js';
import { capText } from '../run-view.js';

const FILTERS = ['actor', 'action', 'resourceType', 'resourceId', 'namespace', 'outcome', 'since', 'until'] as const;

/** The audit log with filters, and export links (CSV, JSON lines) for the same filters. */
export function auditPages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/audit',
    page(deps, async (c) => {
      c.require('audit.read');
      const filters: Record<string, string> = Object.fromEntries(FILTERS.map((k) => [k, c.q(k)]));
      const { list, problem } = await c.list('GET /api/v1/audit', filters, 100, pageOf(auditEntrySchema));
      const qs = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
      const exportHref = (format: string) => `/api/v1/audit/export?${new URLSearchParams([...qs, ['format', format]]).toString()}`;
      c.render(
        'audit',
        {
          title: 'Audit log',
          filters,
          outcomes: ['', 'success', 'failure', 'denied'].map((o) => ({ value: o, label: o || 'any outcome', selected: o === filters.outcome })),
          entries: list.items.map((e) => ({ ...e, detailsText: e.details ? capText(JSON.stringify(e.details), 400).text : '' })),
          pager: pagerLinks(c, list.next),
          csv: exportHref('csv'),
          jsonl: exportHref('jsonl'),
          problem,
        },
        problem?.status ?? 200,
      );
    }),
  );
}
