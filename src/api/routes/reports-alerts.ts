import { z } from 'zod';
import { createReadStream, existsSync } from 'node:fs';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { epochMs, pageOf, pagingQuery, qBool, ulidParam, idParam, jsonObject } from '../schemas/common.js';
import { DEFAULT_LIMIT, findRun, pageJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { ConflictError, NotFoundError, PatrolError, InputError } from '../../errors/index.js';
import { MATCHER_OPS, parseMatcher, silenceState, type Matcher } from '../../alerts/silence.js';
import { newId } from '../../util/ids.js';
import { parseDuration } from '../../util/duration.js';
import { LABEL_NAME } from '../../config/patrol-config.js';
import { renderStoredReport } from '../../reports/render-stored-report.js';

export const reportSchema = z
  .object({
    runId: z.string(),
    inspection: z.string().nullable(),
    score: z.number(),
    grade: z.string(),
    counts: jsonObject,
    status: z.string(),
    /** Report formats written (html, json, ...); GET .../html serves the HTML one. */
    formats: z.array(z.string()),
    createdAt: epochMs,
  })
  .meta({ id: 'Report' });

export const alertSchema = z
  .object({
    fingerprint: z.string(),
    inspection: z.string(),
    rule: z.string(),
    state: z.string(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    check: z.string(),
    target: z.string(),
    host: z.string().nullable(),
    severity: z.string(),
    startsAt: epochMs,
    endsAt: epochMs.nullable(),
    lastSeenAt: epochMs,
    lastRunId: z.string(),
    silencedBy: z.array(z.string()),
    updatedAt: epochMs,
  })
  .meta({ id: 'Alert' });

const matcherSchema = z.object({ name: z.string().regex(LABEL_NAME, 'a label name'), op: z.enum(MATCHER_OPS), value: z.string().max(1000) }).strict();

export const silenceSchema = z
  .object({
    id: z.string(),
    matchers: z.array(matcherSchema),
    startsAt: epochMs,
    endsAt: epochMs,
    state: z.enum(['pending', 'active', 'expired']),
    createdBy: z.string(),
    comment: z.string(),
    createdAt: epochMs,
    updatedAt: epochMs,
  })
  .meta({ id: 'Silence' });

export const deliverySchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    kind: z.enum(['report', 'alert']),
    channel: z.string(),
    channelType: z.string(),
    /** Recipients, or the URL without its query string. */
    destination: z.string(),
    subject: z.string().nullable(),
    status: z.enum(['sent', 'failed']),
    attempts: z.number().int(),
    error: z.string().nullable(),
    response: z.string().nullable(),
    alerts: z.array(z.string()).nullable(),
    bytes: z.number().int().nullable(),
    createdAt: epochMs,
    finishedAt: epochMs,
  })
  .meta({ id: 'Delivery' });

/** Reports (recorded scores and files, sending again), deliveries, alerts and silences. */
export function reportAlertRoutes(deps: ApiDeps): AnyRoute[] {
  const loadReport = async (runId: string) => {
    const r = await deps.store.reports.get(runId);
    if (!r) throw new NotFoundError(`run ${runId} has no report`, { report: runId });
    return r;
  };
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/reports`,
      tag: 'reports',
      summary: 'Reports built for inspection runs, newest first',
      access: 'reports.read',
      query: z.object({ inspection: z.string().max(253).optional(), ...pagingQuery }).strict(),
      response: pageOf(reportSchema),
      async handler({ query }) {
        const page = await deps.store.reportQueries.reports({ limit: query.limit ?? DEFAULT_LIMIT, ...(query.inspection ? { inspection: query.inspection } : {}), ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}) });
        return pageJson(page, (r) => ({
          runId: r.run_id,
          inspection: r.inspection,
          score: Number(r.score_x10) / 10,
          grade: r.grade,
          counts: JSON.parse(r.counts) as Record<string, unknown>,
          status: r.status,
          formats: Object.keys(JSON.parse(r.files) as Record<string, string>),
          createdAt: Number(r.created_at),
        }));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/reports/:runId`,
      tag: 'reports',
      summary: 'The report of a run: score, counts, formats written',
      access: 'reports.read',
      params: z.object({ runId: ulidParam }).strict(),
      response: reportSchema,
      async handler({ params }) {
        const r = await loadReport(params.runId);
        return { runId: r.runId, inspection: r.inspection, score: r.score, grade: r.grade, counts: r.counts, status: r.status, formats: Object.keys(r.files), createdAt: r.createdAt };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/reports/:runId/html`,
      tag: 'reports',
      summary: 'The HTML report of a run (its file when on this server, else rendered from the stored findings)',
      access: 'reports.read',
      params: z.object({ runId: ulidParam }).strict(),
      response: { stream: 'text/html', description: 'the HTML report' },
      async handler({ params, res }) {
        const r = await loadReport(params.runId);
        const file = r.files.html;
        // In the distributed mode the worker that ran the report step wrote the file to its own disk.
        const rendered = !file || !existsSync(file) ? await renderStoredReport(deps.store, r.runId, 'html', { status: r.status }) : undefined;
        res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:" });
        if (rendered !== undefined || !file) return void res.send(rendered);
        await new Promise<void>((resolve, reject) => createReadStream(file).on('error', reject).on('end', resolve).pipe(res));
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/reports/:runId/send`,
      tag: 'reports',
      summary: 'Send the report of a run by email again (to its configured recipients, or to `to`)',
      access: 'reports.send',
      params: z.object({ runId: ulidParam }).strict(),
      body: z.object({ to: z.array(z.email()).min(1).max(50).optional() }).strict(),
      response: z.object({ deliveries: z.array(z.object({ channel: z.string(), destination: z.string(), status: z.string(), error: z.string().nullable().optional() })) }),
      status: 202,
      audit: { action: 'reports.send', resourceType: 'report' },
      async handler({ params, body, actor, audit }) {
        audit.resourceId = params.runId;
        audit.details = { to: body.to ?? null };
        await loadReport(params.runId);
        if (!deps.reports) throw new PatrolError('sending reports is not available on this server', { code: 'not-implemented', retryable: false });
        return deps.reports.send(params.runId, { ...(body.to ? { to: body.to } : {}), requestedBy: actor.name });
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/runs/:id/deliveries`,
      tag: 'reports',
      summary: 'Deliveries of a run: report emails and alert notifications, with their outcome',
      access: 'runs.read',
      params: z.object({ id: idParam }).strict(),
      response: z.object({ items: z.array(deliverySchema), next: z.string().nullable() }),
      async handler({ params, authorize }) {
        const run = await findRun(deps, params.id);
        authorize('runs.read', run.namespace);
        return { items: await deps.store.deliveries.listByRun(run.id), next: null };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/alerts`,
      tag: 'alerts',
      summary: 'Alerts (firing or resolved) raised from findings',
      access: 'alerts.read',
      query: z.object({ state: z.enum(['firing', 'resolved']).optional(), inspection: z.string().max(253).optional(), severity: z.string().max(32).optional(), ...pagingQuery }).strict(),
      response: pageOf(alertSchema),
      async handler({ query }) {
        const page = await deps.store.reportQueries.alerts({
          limit: query.limit ?? DEFAULT_LIMIT,
          ...(query.state ? { state: query.state } : {}),
          ...(query.inspection ? { inspection: query.inspection } : {}),
          ...(query.severity ? { severity: query.severity } : {}),
          ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
        });
        return pageJson(page, (a) => ({
          fingerprint: a.fingerprint,
          inspection: a.inspection,
          rule: a.rule,
          state: a.state,
          labels: JSON.parse(a.labels) as Record<string, string>,
          annotations: JSON.parse(a.annotations) as Record<string, string>,
          check: a.check_id,
          target: a.target,
          host: a.host,
          severity: a.severity,
          startsAt: Number(a.starts_at),
          endsAt: a.ends_at === null ? null : Number(a.ends_at),
          lastSeenAt: Number(a.last_seen_at),
          lastRunId: a.last_run_id,
          silencedBy: a.silenced_by ? (JSON.parse(a.silenced_by) as string[]) : [],
          updatedAt: Number(a.updated_at),
        }));
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/silences`,
      tag: 'alerts',
      summary: 'Silences, newest first (only unexpired ones unless all=true)',
      access: 'alerts.read',
      query: z.object({ all: qBool.optional(), ...pagingQuery }).strict(),
      response: pageOf(silenceSchema),
      async handler({ query }) {
        const now = Date.now();
        const page = await deps.store.reportQueries.silences({ now, all: query.all ?? false, limit: query.limit ?? DEFAULT_LIMIT, ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}) });
        return pageJson(page, (s) => {
          const startsAt = Number(s.starts_at);
          const endsAt = Number(s.ends_at);
          return { id: s.id, matchers: JSON.parse(s.matchers) as Matcher[], startsAt, endsAt, state: silenceState({ startsAt, endsAt }, now), createdBy: s.created_by, comment: s.comment, createdAt: Number(s.created_at), updatedAt: Number(s.updated_at) };
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/silences`,
      tag: 'alerts',
      summary: 'Silence alerts matching label matchers for a while (findings stay visible)',
      access: 'silences.edit',
      body: z
        .object({
          /** Matchers as objects or Alertmanager text (severity="critical", host=~"db.*"). */
          matchers: z.array(z.union([matcherSchema, z.string().min(1).max(1000)])).min(1).max(50),
          startsAt: epochMs.optional(),
          /** End time, or `duration` (e.g. 2h) from the start. */
          endsAt: epochMs.optional(),
          duration: z.string().max(32).optional(),
          comment: z.string().min(1).max(2000),
        })
        .strict(),
      response: silenceSchema,
      status: 201,
      audit: { action: 'silences.create', resourceType: 'silence' },
      async handler({ body, actor, audit }) {
        const now = Date.now();
        const matchers: Matcher[] = body.matchers.map((m, i) => {
          if (typeof m !== 'string') return m;
          try {
            return parseMatcher(m);
          } catch (err) {
            throw new InputError(`body.matchers.${i}: ${(err as Error).message}`, { field: `body.matchers.${i}` });
          }
        });
        for (const [i, m] of matchers.entries()) {
          if (m.op === '=~' || m.op === '!~') {
            try {
              new RegExp(m.value);
            } catch {
              throw new InputError(`body.matchers.${i}: invalid regular expression`, { field: `body.matchers.${i}.value` });
            }
          }
        }
        const startsAt = body.startsAt ?? now;
        if (body.endsAt === undefined && body.duration === undefined) throw new InputError('give endsAt or duration', { field: 'body.endsAt' });
        const endsAt = body.endsAt ?? startsAt + parseDuration(body.duration!, 'body.duration');
        if (endsAt <= startsAt) throw new InputError('endsAt must be after startsAt', { field: 'body.endsAt' });
        const s = { id: newId(), matchers, startsAt, endsAt, createdBy: actor.name, comment: body.comment, createdAt: now, updatedAt: now };
        await deps.store.silences.insert(s);
        audit.resourceId = s.id;
        audit.details = { matchers: matchers.map((m) => `${m.name}${m.op}${m.value}`), startsAt, endsAt, comment: body.comment };
        return { ...s, state: silenceState(s, now) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/silences/:id`,
      tag: 'alerts',
      summary: 'Expire a silence now (it is kept for the record)',
      access: 'silences.edit',
      params: z.object({ id: ulidParam }).strict(),
      response: null,
      audit: { action: 'silences.expire', resourceType: 'silence' },
      async handler({ params, audit }) {
        audit.resourceId = params.id;
        const s = await deps.store.silences.get(params.id);
        if (!s) throw new NotFoundError(`silence ${params.id} not found`, { silence: params.id });
        if (!(await deps.store.silences.expire(params.id, Date.now()))) throw new ConflictError(`silence ${params.id} has already ended`);
      },
    }),
  ];
}
