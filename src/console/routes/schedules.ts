import type { Router } from 'express';
import { z } from 'zod';
import { pageOf } from '../../api/schemas/common.js';
import { workflowEntrySchema } from '../../api/schemas/workflows.js';
import { scheduleSchema } from '../../api/routes/schedules.js';
import { MISFIRE_POLICIES, OVERLAP_POLICIES } from '../../store/schedules-repository.js';
import { nextDues } from '../../scheduler/cron-schedule.js';
import { InputError } from '../../errors/index.js';
import { formProblem, page, type ConsoleDeps, type Ctx, type Form, type FormProblem } from '../console-context.js';
import { pagerLinks } from '../paging.js';
import { relativeTime } from '../view-engine.js';

type Schedule = z.infer<typeof scheduleSchema>;

/** Fields of the form that show their own error. */
const FORM_FIELDS = ['namespace', 'name', 'workflow', 'cron', 'timezone', 'params', 'labels'];

/** The fields of the schedule form, as sent by the form (or taken from a schedule). */
interface ScheduleFields {
  namespace: string;
  name: string;
  workflow: string;
  cron: string;
  timezone: string;
  params: string;
  description: string;
  enabled: boolean;
  misfire: string;
  overlap: string;
  inspection: string;
  labels: string;
}

function fieldsOf(s: Schedule): ScheduleFields {
  return {
    namespace: s.namespace,
    name: s.name,
    workflow: s.workflow,
    cron: s.cron,
    timezone: s.timezone,
    params: Object.keys(s.params).length ? JSON.stringify(s.params, null, 2) : '',
    description: s.description ?? '',
    enabled: s.enabled,
    misfire: s.misfire,
    overlap: s.overlap,
    inspection: s.inspection ?? '',
    labels: Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join('\n'),
  };
}

function fieldsFromForm(f: Form): ScheduleFields {
  return {
    namespace: f.str('namespace').trim() || 'default',
    name: f.str('name').trim(),
    workflow: f.str('workflow').trim(),
    cron: f.str('cron').trim(),
    timezone: f.str('timezone').trim() || 'UTC',
    params: f.str('params'),
    description: f.str('description'),
    enabled: f.str('enabled') === 'true',
    misfire: f.str('misfire'),
    overlap: f.str('overlap'),
    inspection: f.str('inspection').trim(),
    labels: f.str('labels'),
  };
}

/** The API body of the form (params as a JSON object, labels as key=value lines). */
function bodyOf(v: ScheduleFields, create: boolean): Record<string, unknown> {
  let params: unknown = {};
  if (v.params.trim() !== '') {
    try {
      params = JSON.parse(v.params);
    } catch {
      throw new InputError('params must be a JSON object, e.g. {"inventory": "/etc/patrol/hosts.ini"}', { field: 'params' });
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new InputError('params must be a JSON object', { field: 'params' });
  }
  const labels: Record<string, string> = {};
  for (const line of v.labels.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const i = line.indexOf('=');
    if (i <= 0) throw new InputError(`labels: "${line.slice(0, 60)}" is not key=value`, { field: 'labels' });
    labels[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return {
    ...(create ? { namespace: v.namespace, name: v.name } : {}),
    workflow: v.workflow,
    cron: v.cron,
    timezone: v.timezone,
    params,
    enabled: v.enabled,
    description: v.description.trim() || null,
    ...(MISFIRE_POLICIES.find((p) => p === v.misfire) ? { misfire: v.misfire } : {}),
    ...(OVERLAP_POLICIES.find((p) => p === v.overlap) ? { overlap: v.overlap } : {}),
    inspection: v.inspection || null,
    labels,
  };
}

/** Schedules: cron triggers of workflows with their next run times; create, edit, pause, resume, delete. */
export function schedulePages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/schedules',
    page(deps, async (c) => {
      c.requireAny('schedules.read');
      const list = await c.call('GET /api/v1/schedules', { query: { cursor: c.q('cursor'), limit: '100' } }, pageOf(scheduleSchema));
      const now = Date.now();
      c.render('schedules', {
        title: 'Schedules',
        schedules: list.items.map((s) => ({ ...s, due: s.enabled && s.nextRunAt ? relativeTime(s.nextRunAt, now) : null, canEdit: c.can('schedules.edit', s.namespace) })),
        pager: pagerLinks(c, list.next),
        canCreate: c.any('schedules.edit'),
      });
    }),
  );

  const form = async (c: Ctx, opts: { schedule?: Schedule; values: ScheduleFields; problem?: FormProblem }) => {
    const workflows = c.any('workflows.read') ? await c.call('GET /api/v1/workflows', { query: { limit: '500' } }, pageOf(workflowEntrySchema)) : { items: [] };
    let upcoming: string[] = [];
    try {
      if (opts.values.cron) upcoming = nextDues(opts.values.cron, opts.values.timezone, Date.now(), 5).map((t) => `${new Date(t).toISOString().replace('T', ' ').slice(0, 16)} UTC`);
    } catch {
      upcoming = [];
    }
    const s = opts.schedule;
    c.render(
      'schedule',
      {
        title: s ? `Schedule ${s.name}` : 'New schedule',
        section: 'schedules',
        s,
        v: opts.values,
        workflows: workflows.items.filter((w) => w.namespace === opts.values.namespace).map((w) => w.name),
        misfires: MISFIRE_POLICIES.map((p) => ({ value: p, selected: p === opts.values.misfire })),
        overlaps: OVERLAP_POLICIES.map((p) => ({ value: p, selected: p === opts.values.overlap })),
        upcoming,
        problem: opts.problem,
        canEdit: s ? c.can('schedules.edit', s.namespace) : c.any('schedules.edit'),
        errorOf: opts.problem?.field ? { [opts.problem.field.split('.')[0]!]: opts.problem.message } : {},
        // A problem no input shows (a policy, a conflict): at the top of the form.
        problemTop: opts.problem !== undefined && !FORM_FIELDS.includes(opts.problem.field?.split('.')[0] ?? ''),
      },
      opts.problem?.status ?? 200,
    );
  };
  const load = (c: Ctx) => c.call('GET /api/v1/schedules/:id', { params: { id: String(c.req.params.id) } }, scheduleSchema);

  router.get(
    '/schedules/new',
    page(deps, async (c) => {
      c.requireAny('schedules.edit');
      await form(c, { values: { namespace: c.q('namespace') || 'default', name: '', workflow: c.q('workflow'), cron: '0 7 * * *', timezone: 'UTC', params: '', description: '', enabled: true, misfire: 'skip', overlap: 'skip', inspection: '', labels: '' } });
    }),
  );
  router.post(
    '/schedules',
    page(deps, async (c) => {
      const values = fieldsFromForm(c.form);
      try {
        const s = await c.call('POST /api/v1/schedules', { body: bodyOf(values, true) }, scheduleSchema);
        c.redirect(`/schedules/${s.id}`, 'schedule-created');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await form(c, { values, problem: p });
      }
    }),
  );
  router.get(
    '/schedules/:id',
    page(deps, async (c) => {
      const s = await load(c);
      await form(c, { schedule: s, values: fieldsOf(s) });
    }),
  );
  router.post(
    '/schedules/:id',
    page(deps, async (c) => {
      const s = await load(c);
      const values = { ...fieldsFromForm(c.form), namespace: s.namespace, name: s.name };
      try {
        await c.call('PATCH /api/v1/schedules/:id', { params: { id: s.id }, body: bodyOf(values, false) }, scheduleSchema);
        c.redirect(`/schedules/${s.id}`, 'schedule-saved');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await form(c, { schedule: s, values, problem: p });
      }
    }),
  );
  for (const [action, enabled] of [['pause', false], ['resume', true]] as const) {
    router.post(
      `/schedules/:id/${action}`,
      page(deps, async (c) => {
        const id = String(c.req.params.id);
        await c.call('PATCH /api/v1/schedules/:id', { params: { id }, body: { enabled } }, scheduleSchema);
        c.redirect(c.form.str('back') === 'list' ? '/schedules' : `/schedules/${id}`, enabled ? 'schedule-resumed' : 'schedule-paused');
      }),
    );
  }
  router.post(
    '/schedules/:id/delete',
    page(deps, async (c) => {
      await c.run('DELETE /api/v1/schedules/:id', { params: { id: String(c.req.params.id) } });
      c.redirect('/schedules', 'schedule-deleted');
    }),
  );
}
