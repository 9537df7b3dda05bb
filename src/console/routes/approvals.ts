import type { Router } from 'express';
import { pageOf } from '../../api/schemas/common.js';
import { runSummarySchema } from '../../api/schemas/runs.js';
import { approvalSchema } from '../../api/routes/approvals.js';
import { APPROVAL_STATUSES } from '../../store/approvals-repository.js';
import { formProblem, page, type ConsoleDeps, type Ctx, type FormProblem } from '../console-context.js';
import { pagerLinks } from '../paging.js';
import { relativeTime } from '../view-engine.js';

/** Plan lines shown on the page; a longer plan says how many more there are. */
const MAX_PLAN_LINES = 5000;

/** A plan (a dry run's diff, a planned change) as lines marked added, removed or context. */
export function planLines(plan: string | null): { lines: { text: string; cls: string }[]; more: number; total: number } | null {
  if (plan === null || plan === '') return null;
  const all = plan.split(/\r?\n/);
  const cls = (l: string) => (l.startsWith('+++') || l.startsWith('---') ? 'file' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('@@') ? 'hunk' : /^(changed|fatal|failed):/i.test(l) ? 'warn' : '');
  return { lines: all.slice(0, MAX_PLAN_LINES).map((text) => ({ text, cls: cls(text) })), more: Math.max(0, all.length - MAX_PLAN_LINES), total: all.length };
}

const approvalWithRun = approvalSchema.extend({ run: runSummarySchema.nullable() });

/** Approvals: pending (and decided) requests; the approval page shows the plan and takes the decision with a comment. */
export function approvalPages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/approvals',
    page(deps, async (c) => {
      c.requireAny('approvals.read');
      const status = c.q('status') || 'pending';
      const list = await c.call('GET /api/v1/approvals', { query: { status: status === 'all' ? undefined : status, cursor: c.q('cursor'), limit: '50' } }, pageOf(approvalSchema));
      const now = Date.now();
      c.render('approvals', {
        title: 'Approvals',
        statuses: [{ value: 'all', label: 'all' }, ...APPROVAL_STATUSES.map((s) => ({ value: s, label: s }))].map((s) => ({ ...s, selected: s.value === status })),
        approvals: list.items.map((a) => ({ ...a, expires: a.expiresAt && a.status === 'pending' ? relativeTime(a.expiresAt, now) : null })),
        pager: pagerLinks(c, list.next),
        pending: status === 'pending',
      });
    }),
  );

  const show = async (c: Ctx, problem?: FormProblem, comment?: string) => {
    const id = String(c.req.params.id);
    const a = await c.call('GET /api/v1/approvals/:id', { params: { id } }, approvalWithRun);
    const now = Date.now();
    c.render(
      'approval',
      {
        title: `Approval: ${a.message.slice(0, 60)}`,
        section: 'approvals',
        a,
        plan: planLines(a.plan),
        approvers: [...a.approvers.users.map((u) => `user ${u}`), ...a.approvers.roles.map((r) => `role ${r}`)],
        expires: a.expiresAt ? relativeTime(a.expiresAt, now) : null,
        pending: a.status === 'pending',
        comment: comment ?? '',
        problem,
        canSeeRun: a.run !== null && c.can('runs.read', a.namespace),
      },
      problem?.status ?? 200,
    );
  };
  router.get('/approvals/:id', page(deps, (c) => show(c)));
  for (const decision of ['approve', 'reject'] as const) {
    router.post(
      `/approvals/:id/${decision}`,
      page(deps, async (c) => {
        const id = String(c.req.params.id);
        const comment = c.form.str('comment').trim();
        if (decision === 'reject' && comment === '') return show(c, { status: 400, message: 'Say why you reject: the people who asked need a reason.', field: 'comment' }, comment);
        try {
          await c.call(`POST /api/v1/approvals/:id/${decision}`, { params: { id }, body: comment ? { comment } : {} }, approvalSchema);
        } catch (err) {
          const p = formProblem(err);
          if (!p) throw err;
          return show(c, p, comment);
        }
        c.redirect(`/approvals/${id}`, decision === 'approve' ? 'approved' : 'rejected');
      }),
    );
  }
}
