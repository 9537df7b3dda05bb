import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { globQuery, pageOf, pagingQuery, ulidParam } from '../schemas/common.js';
import { remediationDecisionSchema } from '../schemas/remediations.js';
import { DEFAULT_LIMIT, namespacesFor, pageJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { DECISIONS } from '../../store/remediations-repository.js';

/** Automatic remediation: the decisions of auto-remediate steps (started or skipped, and why). */
export function remediationRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/remediations/decisions`,
      tag: 'remediations',
      summary: 'Automatic-remediation decisions, newest first: by check (glob), target (glob), decision (started/skipped) and inspection run',
      description: 'Every finding an auto-remediation rule matched: its runbook started (with the run id) or skipped with the reason (circuit breaker open, ...). Visible where the caller may read findings (the inspection run\'s namespace).',
      access: 'findings.read',
      query: z
        .object({
          check: globQuery.optional(),
          target: globQuery.optional(),
          decision: z.enum(DECISIONS).optional(),
          run: ulidParam.optional().meta({ description: 'the inspection run that decided' }),
          ...pagingQuery,
        })
        .strict(),
      response: pageOf(remediationDecisionSchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'findings.read');
        const page = await deps.store.remediations.queryDecisions({
          limit: query.limit ?? DEFAULT_LIMIT,
          ...(query.check ? { check: query.check } : {}),
          ...(query.target ? { target: query.target } : {}),
          ...(query.decision ? { decision: query.decision } : {}),
          ...(query.run ? { inspectionRunId: query.run } : {}),
          ...(namespaces ? { namespaces } : {}),
          ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
        });
        return pageJson(page, (d) => d);
      },
    }),
  ];
}
