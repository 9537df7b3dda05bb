import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { globQuery, pageOf, pagingQuery, qBool, qList, qTime, ulidParam, idParam } from '../schemas/common.js';
import { findingSchema, inspectionSchema, inspectionSummarySchema, type FindingJson } from '../schemas/findings.js';
import { runSummarySchema } from '../schemas/runs.js';
import { DEFAULT_LIMIT, findRun, namespacesFor, pageJson, runSummaryJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { CATEGORIES, SEVERITIES, type Finding } from '../../findings/finding.js';
import { NotFoundError } from '../../errors/index.js';
import { summarizeInspection } from '../../inspections/inspection-summary.js';
import { scoreFindings } from '../../inspections/score.js';
import type { Actor } from '../../auth/actor.js';

function findingJson(f: Finding): FindingJson {
  return f as FindingJson;
}

/** Findings (query by check, severity, target, host, time...; history by fingerprint), inspections and their scores. */
export function findingRoutes(deps: ApiDeps): AnyRoute[] {
  const loadFinding = async (id: string, actor: Actor) => {
    const f = await deps.store.findings.get(id);
    if (!f) throw new NotFoundError(`finding ${id} not found`, { finding: id });
    const run = await deps.store.runs.getRun(f.runId);
    if (run && !actor.grants.can('findings.read', run.namespace)) throw new NotFoundError(`finding ${id} not found`, { finding: id });
    return f;
  };
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/findings`,
      tag: 'findings',
      summary: 'Findings, newest first: by check (glob, e.g. host.disk.*), severity, category, target (glob), host, run, inspection, fingerprint, exemption, time',
      access: 'findings.read',
      query: z
        .object({
          check: globQuery.optional(),
          severity: qList(SEVERITIES).optional(),
          category: z.enum(CATEGORIES).optional(),
          target: globQuery.optional(),
          host: z.string().min(1).max(253).optional(),
          run: ulidParam.optional(),
          inspection: z.string().min(1).max(253).optional(),
          fingerprint: z.string().regex(/^[0-9a-f]{8,64}$/, 'a fingerprint is hexadecimal').optional(),
          exempted: qBool.optional(),
          since: qTime.optional(),
          until: qTime.optional(),
          ...pagingQuery,
        })
        .strict(),
      response: pageOf(findingSchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'findings.read');
        const page = await deps.store.findings.query({
          limit: query.limit ?? DEFAULT_LIMIT,
          ...(query.check ? { check: query.check } : {}),
          ...(query.severity ? { severity: query.severity } : {}),
          ...(query.category ? { category: query.category } : {}),
          ...(query.target ? { target: query.target } : {}),
          ...(query.host ? { host: query.host } : {}),
          ...(query.run ? { runId: query.run } : {}),
          ...(query.inspection ? { inspection: query.inspection } : {}),
          ...(query.fingerprint ? { fingerprint: query.fingerprint } : {}),
          ...(query.exempted !== undefined ? { exempted: query.exempted } : {}),
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.until !== undefined ? { until: query.until } : {}),
          ...(namespaces ? { namespaces } : {}),
          ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
        });
        return pageJson(page, findingJson);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/findings/:id`,
      tag: 'findings',
      summary: 'A finding with its evidence and remediation',
      access: 'findings.read',
      params: z.object({ id: ulidParam }).strict(),
      response: findingSchema,
      async handler({ params, actor }) {
        return findingJson(await loadFinding(params.id, actor));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/findings/:id/history`,
      tag: 'findings',
      summary: 'The same check on the same target across runs (its fingerprint), newest first',
      access: 'findings.read',
      params: z.object({ id: ulidParam }).strict(),
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(findingSchema),
      async handler({ params, query, actor }) {
        const f = await loadFinding(params.id, actor);
        const namespaces = namespacesFor(actor, 'findings.read');
        const page = await deps.store.findings.query({ fingerprint: f.fingerprint, limit: query.limit ?? DEFAULT_LIMIT, ...(namespaces ? { namespaces } : {}), ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}) });
        return pageJson(page, findingJson);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/inspections`,
      tag: 'inspections',
      summary: 'Inspections (runs sharing an inspection name) with their latest run and score',
      access: 'findings.read',
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(inspectionSchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'findings.read');
        const page = await deps.store.inspections.list({ limit: query.limit ?? DEFAULT_LIMIT, ...(namespaces ? { namespaces } : {}), ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}) });
        const items = [];
        for (const row of page.items) {
          const run = (await deps.store.runs.getRun(row.latestRunId))!;
          const finished = run.status === 'succeeded' || run.status === 'failed' ? run : await deps.store.runs.previousInspectionRun(row.name, `${run.id}~`);
          let score: number | null = null;
          let grade: string | null = null;
          if (finished) {
            const recorded = await deps.store.reports.get(finished.id);
            const s = recorded ? { value: recorded.score, grade: recorded.grade } : scoreFindings(await deps.store.findings.listByRun(finished.id)).overall;
            score = s.value;
            grade = s.grade;
          }
          items.push({ name: row.name, latestRun: { id: run.id, status: run.status, namespace: run.namespace, createdAt: run.createdAt, finishedAt: run.finishedAt }, score, grade });
        }
        return { items, next: page.next ? Buffer.from(page.next).toString('base64url') : null };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/inspections/:name/runs`,
      tag: 'inspections',
      summary: 'Runs of one inspection, newest first, with recorded scores (trend)',
      access: 'findings.read',
      params: z.object({ name: z.string().min(1).max(253).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'an inspection name: letters, digits, "_", "." and "-"') }).strict(),
      query: z.object({ ...pagingQuery }).strict(),
      response: pageOf(runSummarySchema.extend({ score: z.number().nullable(), grade: z.string().nullable() })),
      async handler({ params, query, actor }) {
        const namespaces = namespacesFor(actor, 'findings.read');
        const page = await deps.store.runs.listRuns({ inspection: params.name, limit: query.limit ?? DEFAULT_LIMIT, ...(namespaces ? { namespaces } : {}), ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}) });
        if (page.items.length === 0 && !query.cursor) throw new NotFoundError(`inspection ${params.name} has no runs`, { inspection: params.name });
        const scores = await deps.store.reports.getMany(page.items.map((r) => r.id));
        return pageJson(page, (r) => ({ ...runSummaryJson(r), score: scores.get(r.id)?.score ?? null, grade: scores.get(r.id)?.grade ?? null }));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/runs/:id/summary`,
      tag: 'inspections',
      summary: 'Inspection summary of a run: score, counts, changes since the previous run, top problems',
      access: 'findings.read',
      params: z.object({ id: idParam }).strict(),
      response: inspectionSummarySchema,
      async handler({ params, authorize }) {
        const run = await findRun(deps, params.id);
        authorize('findings.read', run.namespace);
        const s = await summarizeInspection(deps.store, run.id);
        const change = (c: { check: string; target: string; current?: Finding; previous?: Finding }) => ({ check: c.check, target: c.target, severity: c.current?.severity ?? null, previousSeverity: c.previous?.severity ?? null });
        const cap = <T>(xs: T[]) => xs.slice(0, 200);
        return {
          run: run.id,
          inspection: s.inspection,
          status: run.status,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          score: s.score.overall,
          scores: s.score.byCategory,
          previous: s.previous ? { run: s.previous.runId, score: s.previous.score.overall.value, grade: s.previous.score.overall.grade } : null,
          delta: s.delta ?? null,
          counts: s.counts,
          changes: {
            previousRun: s.changes.previousRunId,
            new: cap(s.changes.new).map(change),
            resolved: cap(s.changes.resolved).map(change),
            regressed: cap(s.changes.regressed).map(change),
            improved: cap(s.changes.improved).map(change),
            unchanged: s.changes.unchanged.length,
          },
          top: s.top.map(findingJson),
          findings: s.findings.length,
        };
      },
    }),
  ];
}
