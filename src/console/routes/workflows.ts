import type { Router } from 'express';
import { z } from 'zod';
import { pageOf } from '../../api/schemas/common.js';
import { runSchema } from '../../api/schemas/runs.js';
import { workflowDocSchema, workflowEntrySchema } from '../../api/schemas/workflows.js';
import { coerceParam } from '../../workflow/params.js';
import { PARAM_TYPES } from '../../workflow/workflow-schema.js';
import { InputError } from '../../errors/index.js';
import { formProblem, page, type ConsoleDeps, type Ctx, type Form, type FormProblem } from '../console-context.js';
import { pagerLinks } from '../paging.js';

type WorkflowDoc = z.infer<typeof workflowDocSchema>;
type ParamDef = WorkflowDoc['params'][number];

/** The form input for one declared param: its type decides the control. */
function paramInput(p: ParamDef, posted: Form | undefined, problem: FormProblem | undefined) {
  const key = `params.${p.name}`;
  const shown = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : p.type === 'list' && Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join('\n') : JSON.stringify(v, null, 2));
  // Secret values are never sent back to the browser, not even after a validation error.
  const value = p.secret ? '' : posted ? posted.str(key) : shown(p.default);
  const control = p.enum ? 'select' : p.type === 'boolean' ? 'checkbox' : p.type === 'list' || p.type === 'object' ? 'textarea' : p.secret ? 'password' : p.type === 'number' ? 'number' : 'text';
  return {
    name: p.name,
    key,
    type: p.type,
    control,
    required: p.required && p.default === undefined,
    description: p.description ?? null,
    value,
    checked: control === 'checkbox' && (posted ? posted.str(key) === 'true' : p.default === true),
    options: p.enum?.map((e) => ({ value: String(e), selected: value === String(e) })) ?? [],
    hint: p.type === 'list' ? 'one item per line (or a JSON list)' : p.type === 'object' ? 'JSON object' : p.default !== undefined && !p.secret ? `default: ${shown(p.default).slice(0, 80)}` : null,
    error: problem?.field === key ? problem.message : null,
  };
}

/** Typed params from the form; a value left empty takes the param's default. Errors name the field. */
export function paramsFromForm(defs: readonly ParamDef[], form: Form): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of defs) {
    const key = `params.${p.name}`;
    const raw = form.str(key);
    if (p.type === 'boolean' && !p.enum) {
      out[p.name] = raw === 'true';
      continue;
    }
    if (raw.trim() === '') {
      if (p.required && p.default === undefined) throw new InputError(`${p.name} is required`, { field: key });
      continue;
    }
    if (p.type === 'list' && !raw.trim().startsWith('[')) {
      out[p.name] = raw.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
      continue;
    }
    const type = PARAM_TYPES.find((t) => t === p.type) ?? 'string';
    const v = coerceParam({ name: p.name, type, required: p.required, secret: p.secret }, type === 'string' ? raw : raw.trim());
    if (p.enum && !p.enum.some((e) => String(e) === String(v))) throw new InputError(`${p.name} must be one of ${p.enum.join(', ')}`, { field: key });
    out[p.name] = p.enum && p.type === 'number' ? Number(v) : v;
  }
  return out;
}

/** Workflows (stored and built-in) and the form that starts a run of one with typed params. */
export function workflowPages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/workflows',
    page(deps, async (c) => {
      c.requireAny('workflows.read');
      const list = await c.call('GET /api/v1/workflows', { query: { cursor: c.q('cursor'), limit: '100' } }, pageOf(workflowEntrySchema));
      c.render('workflows', {
        title: 'Workflows',
        workflows: list.items.map((w) => ({ ...w, canRun: c.can('runs.trigger', w.namespace) })),
        pager: pagerLinks(c, list.next),
      });
    }),
  );

  const show = async (c: Ctx, posted?: Form, problem?: FormProblem) => {
    const { namespace, name } = c.req.params as { namespace: string; name: string };
    const doc = await c.call('GET /api/v1/workflows/:namespace/:name', { params: { namespace, name } }, workflowDocSchema);
    c.render(
      'workflow',
      {
        title: `Workflow ${doc.name}`,
        section: 'workflows',
        wf: doc,
        inputs: doc.params.map((p) => paramInput(p, posted, problem)),
        canRun: c.can('runs.trigger', doc.namespace),
        dryRun: posted?.str('dryRun') === 'true',
        inspection: posted?.str('inspection') ?? '',
        problem: problem && !problem.field?.startsWith('params.') ? problem : undefined,
      },
      problem?.status ?? 200,
    );
  };
  router.get('/workflows/:namespace/:name', page(deps, (c) => show(c)));
  router.post(
    '/workflows/:namespace/:name/run',
    page(deps, async (c) => {
      const { namespace, name } = c.req.params as { namespace: string; name: string };
      // No check here: the API route refuses (and audits) a trigger without runs.trigger.
      const form = c.form;
      try {
        const doc = await c.call('GET /api/v1/workflows/:namespace/:name', { params: { namespace, name } }, workflowDocSchema);
        const params = paramsFromForm(doc.params, form);
        const run = await c.call(
          'POST /api/v1/runs',
          { body: { workflow: doc.name, namespace: doc.namespace, params, dryRun: form.str('dryRun') === 'true', ...(form.opt('inspection') ? { inspection: form.opt('inspection') } : {}) } },
          runSchema,
        );
        c.redirect(`/runs/${run.id}`, 'run-started');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        await show(c, form, p);
      }
    }),
  );
}
