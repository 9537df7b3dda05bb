import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { epochMs, jsonObject, namespaceName, pageOf, pagingQuery, resourceName, ulidParam } from '../schemas/common.js';
import { DEFAULT_LIMIT, namespacesFor, pageJson, V1 } from './helpers.js';
import { decodeCursor } from '../cursor.js';
import { MISFIRE_POLICIES, OVERLAP_POLICIES, type ScheduleRecord } from '../../store/schedules-repository.js';

export const scheduleSchema = z
  .object({
    id: z.string(),
    namespace: z.string(),
    name: z.string(),
    workflow: z.string(),
    workflowVersion: z.number().int().nullable(),
    cron: z.string(),
    timezone: z.string(),
    params: jsonObject,
    enabled: z.boolean(),
    description: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: epochMs,
    updatedAt: epochMs,
    nextRunAt: epochMs.nullable(),
    lastRunAt: epochMs.nullable(),
    lastRunId: z.string().nullable(),
    /** Due times missed while no server ran: skip them, or run once for the latest. */
    misfire: z.enum(MISFIRE_POLICIES),
    /** When the previous run of the schedule is still active. */
    overlap: z.enum(OVERLAP_POLICIES),
    inspection: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
  })
  .meta({ id: 'Schedule' });

const policyFields = {
  misfire: z.enum(MISFIRE_POLICIES).optional(),
  overlap: z.enum(OVERLAP_POLICIES).optional(),
  inspection: z.string().min(1).max(253).nullable().optional(),
  labels: z.record(z.string().max(63), z.string().max(253)).optional(),
};

const cron = z.string().min(1).max(200);
const timezone = z.string().min(1).max(64);
const idParams = z.object({ id: ulidParam }).strict();

function json(s: ScheduleRecord): z.infer<typeof scheduleSchema> {
  return { ...s };
}

/** Schedules: cron (with a time zone) triggers of a workflow with params. */
export function scheduleRoutes(deps: ApiDeps): AnyRoute[] {
  const load = (id: string) => deps.schedules.get(id);
  return [
    defineRoute({
      method: 'get',
      path: `${V1}/schedules`,
      tag: 'schedules',
      summary: 'Schedules',
      access: 'schedules.read',
      query: z.object({ namespace: namespaceName.optional(), ...pagingQuery }).strict(),
      response: pageOf(scheduleSchema),
      async handler({ query, actor }) {
        const namespaces = namespacesFor(actor, 'schedules.read', query.namespace);
        const page = await deps.schedules.list({ limit: query.limit ?? DEFAULT_LIMIT, ...(namespaces ? { namespaces } : {}), ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}) });
        return pageJson(page, json);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${V1}/schedules`,
      tag: 'schedules',
      summary: 'Create a schedule',
      access: 'schedules.edit',
      body: z
        .object({
          namespace: namespaceName.default('default'),
          name: resourceName,
          workflow: resourceName,
          workflowVersion: z.number().int().min(0).nullable().optional(),
          cron,
          timezone: timezone.optional(),
          params: jsonObject.optional(),
          enabled: z.boolean().optional(),
          description: z.string().max(1000).nullable().optional(),
          ...policyFields,
        })
        .strict(),
      response: scheduleSchema,
      status: 201,
      audit: { action: 'schedules.create', resourceType: 'schedule' },
      async handler({ body, actor, authorize, audit }) {
        audit.namespace = body.namespace;
        audit.details = { name: body.name, workflow: body.workflow, cron: body.cron, timezone: body.timezone ?? 'UTC' };
        authorize('schedules.edit', body.namespace);
        const s = await deps.schedules.create(body, actor.name);
        audit.resourceId = s.id;
        return json(s);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${V1}/schedules/:id`,
      tag: 'schedules',
      summary: 'A schedule',
      access: 'schedules.read',
      params: idParams,
      response: scheduleSchema,
      async handler({ params, authorize }) {
        const s = await load(params.id);
        authorize('schedules.read', s.namespace);
        return json(s);
      },
    }),
    defineRoute({
      method: 'patch',
      path: `${V1}/schedules/:id`,
      tag: 'schedules',
      summary: 'Change a schedule (enable, disable, cron, params, workflow)',
      access: 'schedules.edit',
      params: idParams,
      body: z
        .object({
          workflow: resourceName.optional(),
          workflowVersion: z.number().int().min(0).nullable().optional(),
          cron: cron.optional(),
          timezone: timezone.optional(),
          params: jsonObject.optional(),
          enabled: z.boolean().optional(),
          description: z.string().max(1000).nullable().optional(),
          ...policyFields,
        })
        .strict(),
      response: scheduleSchema,
      audit: { action: 'schedules.update', resourceType: 'schedule' },
      async handler({ params, body, authorize, audit }) {
        audit.resourceId = params.id;
        const s = await load(params.id);
        audit.namespace = s.namespace;
        audit.details = { changed: Object.keys(body) };
        authorize('schedules.edit', s.namespace);
        return json(await deps.schedules.update(params.id, body));
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${V1}/schedules/:id`,
      tag: 'schedules',
      summary: 'Delete a schedule',
      access: 'schedules.edit',
      params: idParams,
      response: null,
      audit: { action: 'schedules.delete', resourceType: 'schedule' },
      async handler({ params, authorize, audit }) {
        audit.resourceId = params.id;
        const s = await load(params.id);
        audit.namespace = s.namespace;
        audit.details = { name: s.name };
        authorize('schedules.edit', s.namespace);
        await deps.schedules.delete(params.id);
      },
    }),
  ];
}
