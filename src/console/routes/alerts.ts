import type { Router } from 'express';
import { pageOf } from '../../api/schemas/common.js';
import { alertSchema, silenceSchema } from '../../api/routes/reports-alerts.js';
import { formatMatcher } from '../../alerts/silence.js';
import { InputError } from '../../errors/index.js';
import { formProblem, page, type ConsoleDeps, type Ctx, type FormProblem } from '../console-context.js';
import { pagerLinks } from '../paging.js';
import { relativeTime } from '../view-engine.js';

/** Labels that identify what an alert is about; a silence from an alert matches these. */
const IDENTIFYING = ['alertname', 'check', 'target', 'host', 'inspection'];

/** Alerts raised from findings, and silences (create with matchers and a comment, expire). */
export function alertPages(router: Router, deps: ConsoleDeps): void {
  router.get(
    '/alerts',
    page(deps, async (c) => {
      c.requireAny('alerts.read');
      const state = c.q('state') === 'all' ? '' : c.q('state') || 'firing';
      const filters = { state: c.q('state') || 'firing', severity: c.q('severity'), inspection: c.q('inspection') };
      const list = await c.call('GET /api/v1/alerts', { query: { state, severity: filters.severity, inspection: filters.inspection, cursor: c.q('cursor'), limit: '100' } }, pageOf(alertSchema));
      const now = Date.now();
      c.render('alerts', {
        title: 'Alerts',
        filters,
        states: ['firing', 'resolved', 'all'].map((s) => ({ value: s, selected: s === filters.state })),
        alerts: list.items.map((a) => {
          const picked = Object.entries(a.labels).filter(([k]) => IDENTIFYING.includes(k));
          const matchers = (picked.length ? picked : Object.entries(a.labels)).map(([name, value]) => formatMatcher({ name, op: '=', value }));
          return { ...a, since: relativeTime(a.startsAt, now), silenceHref: `/silences/new?${new URLSearchParams(matchers.map((m): [string, string] => ['matcher', m])).toString()}` };
        }),
        pager: pagerLinks(c, list.next),
        canSilence: c.can('silences.edit'),
      });
    }),
  );

  router.get(
    '/silences',
    page(deps, async (c) => {
      c.requireAny('alerts.read');
      const all = c.q('all') === 'true';
      const list = await c.call('GET /api/v1/silences', { query: { all: all ? 'true' : undefined, cursor: c.q('cursor'), limit: '100' } }, pageOf(silenceSchema));
      const now = Date.now();
      c.render('silences', {
        title: 'Silences',
        section: 'alerts',
        all,
        silences: list.items.map((s) => ({ ...s, matchers: s.matchers.map(formatMatcher), ends: relativeTime(s.endsAt, now) })),
        pager: pagerLinks(c, list.next),
        canEdit: c.can('silences.edit'),
      });
    }),
  );

  const newForm = (c: Ctx, v: { matchers: string; duration: string; endsAt: string; comment: string }, problem?: FormProblem) =>
    c.render('silence-new', { title: 'New silence', section: 'alerts', v, problem, field: problem?.field?.split('.')[0] ?? null }, problem?.status ?? 200);
  router.get(
    '/silences/new',
    page(deps, async (c) => {
      c.require('silences.edit');
      const m = c.req.query.matcher;
      const matchers = (Array.isArray(m) ? m : m === undefined ? [] : [m]).filter((x): x is string => typeof x === 'string').join('\n');
      newForm(c, { matchers, duration: '2h', endsAt: '', comment: '' });
    }),
  );
  router.post(
    '/silences',
    page(deps, async (c) => {
      const f = c.form;
      const v = { matchers: f.str('matchers'), duration: f.str('duration').trim(), endsAt: f.str('endsAt').trim(), comment: f.str('comment').trim() };
      try {
        const matchers = v.matchers.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
        if (matchers.length === 0) throw new InputError('give at least one matcher, e.g. severity="critical"', { field: 'matchers' });
        if (!v.comment) throw new InputError('say why (a comment is required)', { field: 'comment' });
        let endsAt: number | undefined;
        if (v.endsAt) {
          endsAt = Date.parse(v.endsAt);
          if (!Number.isFinite(endsAt)) throw new InputError('end time must be a date and time such as 2025-01-31T18:00Z', { field: 'endsAt' });
        }
        await c.call('POST /api/v1/silences', { body: { matchers, comment: v.comment, ...(endsAt !== undefined ? { endsAt } : { duration: v.duration || '2h' }) } }, silenceSchema);
        c.redirect('/silences', 'silence-created');
      } catch (err) {
        const p = formProblem(err);
        if (!p) throw err;
        newForm(c, v, p);
      }
    }),
  );
  router.post(
    '/silences/:id/expire',
    page(deps, async (c) => {
      await c.run('DELETE /api/v1/silences/:id', { params: { id: String(c.req.params.id) } });
      c.redirect('/silences', 'silence-expired');
    }),
  );
}
