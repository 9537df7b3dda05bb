import { layoutStepGraph, type GraphStepDef } from '../../src/console/step-graph.js';
import { paramsFromForm } from '../../src/console/routes/workflows.js';
import { planLines } from '../../src/console/routes/approvals.js';
import { Form, formProblem, safeNext } from '../../src/console/console-context.js';
import { scoreBar, scoreSparkline } from '../../src/console/charts.js';
import { flashText } from '../../src/console/messages.js';
import { navFor } from '../../src/console/nav.js';
import { ViewEngine } from '../../src/console/view-engine.js';
import { hostResults, runView } from '../../src/console/run-view.js';
import { ConflictError, InputError, NotFoundError } from '../../src/errors/index.js';

const def = (name: string, needs: string[] = [], phase: 'main' | 'finally' = 'main'): GraphStepDef => ({ name, needs, phase });
const state = (name: string, status: string, extra: Partial<{ idx: number; base: string; startedAt: number; finishedAt: number }> = {}) => ({
  name,
  base: extra.base ?? name,
  idx: extra.idx ?? null,
  status,
  attempts: 1,
  startedAt: extra.startedAt ?? null,
  finishedAt: extra.finishedAt ?? null,
});

describe('step graph layout', () => {
  test('columns follow the longest path of needs; finally steps sit apart', () => {
    const g = layoutStepGraph([def('a'), def('b', ['a']), def('c', ['a']), def('d', ['b', 'c']), def('e'), def('report', [], 'finally')], []);
    const x = Object.fromEntries(g.nodes.map((n) => [n.name, n.x]));
    expect(x.a).toBe(x.e);
    expect(x.b).toBe(x.c);
    expect(x.b).toBeGreaterThan(x.a!);
    expect(x.d).toBeGreaterThan(x.b!);
    expect(x.report).toBeGreaterThan(x.d!);
    expect(g.finally).not.toBeNull();
    expect(g.edges).toHaveLength(4);
    expect(g.width).toBeGreaterThanOrEqual(Math.max(...g.nodes.map((n) => n.x + n.w)));
    expect(g.height).toBeGreaterThanOrEqual(Math.max(...g.nodes.map((n) => n.y + n.h)));
    expect(g.summary).toBe('6 steps: 6 pending');
  });

  test('states, durations and forEach instance counts; done edges are solid', () => {
    const g = layoutStepGraph(
      [def('plan'), def('hosts', ['plan']), def('restart', ['hosts'])],
      [
        state('plan', 'succeeded', { startedAt: 0, finishedAt: 2500 }),
        state('hosts', 'running', { startedAt: 2500 }),
        state('hosts[0]', 'succeeded', { base: 'hosts', idx: 0 }),
        state('hosts[1]', 'failed', { base: 'hosts', idx: 1 }),
        state('hosts[2]', 'running', { base: 'hosts', idx: 2 }),
      ],
      7500,
    );
    const byName = Object.fromEntries(g.nodes.map((n) => [n.name, n]));
    expect(byName.plan!.sub).toBe('succeeded · 2.5s');
    expect(byName.hosts!.sub).toBe('1/3 ok · 1 failed · 5.0s');
    expect(byName.hosts!.status).toBe('running');
    expect(byName.restart!.status).toBe('pending');
    expect(g.edges.map((e) => e.done)).toEqual([true, false]);
    expect(g.nodes).toHaveLength(3);
  });

  test('long names are shortened with the full name in the tooltip; bad data does not loop', () => {
    const long = 'a_really_long_step_name_that_goes_on';
    const g = layoutStepGraph([def(long), def('x', ['y']), def('y', ['x'])], []);
    expect(g.nodes[0]!.label.length).toBeLessThanOrEqual(22);
    expect(g.nodes[0]!.title).toContain(long);
    expect(g.nodes).toHaveLength(3);
  });
});

describe('trigger form params', () => {
  const params = [
    { name: 'host', type: 'string', required: true, secret: false },
    { name: 'count', type: 'number', required: false, default: 2, secret: false },
    { name: 'force', type: 'boolean', required: false, default: false, secret: false },
    { name: 'hosts', type: 'list', required: false, default: [], secret: false },
    { name: 'extra', type: 'object', required: false, secret: false },
    { name: 'level', type: 'number', required: false, secret: false, enum: [1, 2, 3] },
  ];
  const form = (v: Record<string, string>) => new Form(v);

  test('values are typed from the definition; empty ones take the default', () => {
    expect(paramsFromForm(params, form({ 'params.host': 'web-1', 'params.count': '5', 'params.force': 'true', 'params.hosts': 'a\nb\n\n c ', 'params.extra': '{"k": 1}', 'params.level': '2' }))).toEqual({
      host: 'web-1',
      count: 5,
      force: true,
      hosts: ['a', 'b', 'c'],
      extra: { k: 1 },
      level: 2,
    });
    expect(paramsFromForm(params, form({ 'params.host': 'web-1', 'params.count': '', 'params.hosts': '["x"]' }))).toEqual({ host: 'web-1', force: false, hosts: ['x'] });
  });

  test('errors name the field', () => {
    const field = (v: Record<string, string>) => {
      try {
        paramsFromForm(params, form(v));
      } catch (err) {
        return (err as InputError).details.field;
      }
      return undefined;
    };
    expect(field({})).toBe('params.host');
    expect(field({ 'params.host': 'x', 'params.count': 'many' })).toBe('params.count');
    expect(field({ 'params.host': 'x', 'params.extra': '{' })).toBe('params.extra');
    expect(field({ 'params.host': 'x', 'params.level': '7' })).toBe('params.level');
  });
});

test('plan lines are marked added, removed, hunk or file; long plans are capped', () => {
  const p = planLines('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n same\nchanged: [web-1]')!;
  expect(p.lines.map((l) => l.cls)).toEqual(['file', 'file', 'hunk', 'del', 'add', '', 'warn']);
  expect(planLines(null)).toBeNull();
  const long = planLines(Array.from({ length: 6000 }, (_, i) => `line ${i}`).join('\n'))!;
  expect(long.lines).toHaveLength(5000);
  expect(long.more).toBe(1000);
});

test('after login, only local paths (never another site or the login page)', () => {
  expect(safeNext('/runs?status=failed')).toBe('/runs?status=failed');
  expect(safeNext('https://evil.example/x')).toBe('/');
  expect(safeNext('//evil.example/x')).toBe('/');
  expect(safeNext('/login?next=/x')).toBe('/');
  expect(safeNext(undefined)).toBe('/');
});

test('form problems: field without the body. prefix; 404 and 403 are pages, not form problems', () => {
  expect(formProblem(new InputError('comment: required', { field: 'body.comment' }))).toEqual({ status: 400, message: 'comment: required', field: 'comment' });
  expect(formProblem(new ConflictError('already decided'))).toEqual({ status: 409, message: 'already decided' });
  expect(formProblem(new NotFoundError('gone'))).toBeUndefined();
  expect(formProblem(new Error('boom'))).toBeUndefined();
});

test('charts, flash messages and the menu', () => {
  const s = scoreSparkline([50, 100, 75], 100, 20);
  expect(s.points.split(' ')).toHaveLength(3);
  expect(s.last).toEqual({ x: 97, y: 6.5, value: 75 });
  expect(s.label).toBe('score 50 → 75 over 3 runs');
  expect(scoreSparkline([]).last).toBeNull();
  expect(scoreBar(120)).toEqual({ width: 100, grade: 'a' });
  expect(scoreBar(65.55).grade).toBe('d');
  expect(flashText('approved')).toContain('Approved');
  expect(flashText('<script>')).toBeUndefined();
  expect(flashText('constructor')).toBeUndefined();
  const menu = navFor({ any: (p) => p === 'runs.read' }, 'runs');
  expect(menu.map((m) => m.label)).toEqual(['Dashboard', 'Runs']);
  expect(menu[1]!.active).toBe(true);
});

test('per-host results come from a PLAY RECAP in the outputs (or kept on a failed step), problems first', () => {
  const step = {
    name: 'play',
    base: 'play',
    idx: null,
    phase: 'main' as const,
    status: 'failed' as const,
    attempts: 1,
    outputs: null,
    error: { name: 'StepError', code: 'ansible-failed', message: 'x', retryable: false, details: { outputs: { recap: { a: { ok: 2, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, b: { ok: 1, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 0 } }, failures: [{ host: 'b', task: 'ping', status: 'unreachable', msg: 'no route' }], failedHosts: [], unreachableHosts: ['b'] } } },
    item: null,
    reason: null,
    reusedFrom: null,
    nextAttemptAt: null,
    startedAt: 1,
    finishedAt: 2,
    wait: null,
  };
  const r = hostResults(step)!;
  expect(r.hosts.map((h) => `${h.host}:${h.cls}`)).toEqual(['b:unreachable', 'a:ok']);
  expect(r.failures).toHaveLength(1);
  const run = { id: 'r', workflow: 'w', namespace: 'default', status: 'failed' as const, reason: null, trigger: 'api', triggeredBy: null, retryOf: null, inspection: null, labels: {}, dryRun: false, createdAt: 0, startedAt: 0, finishedAt: 5, cancelRequestedAt: null, interrupted: false, params: { token: '********' }, error: null, cancelReason: null, deadlineAt: null, concurrencyKey: null, overrides: {} };
  const v = runView({ run, steps: [step], attempts: [] }, { bad: 'definition' }, 10);
  expect(v.failedHosts).toBe(true);
  expect(v.graph.nodes.map((n) => n.name)).toEqual(['play']);
  expect(v.params).toEqual([{ name: 'token', value: '********' }]);
});

test('views escape everything they show', () => {
  const html = new ViewEngine().render('error', { title: 'x', status: 404, message: '<img src=x onerror=alert(1)>', layout: { title: '<b>t</b>', bare: true } });
  expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  expect(html).not.toContain('<img');
  expect(html).toContain('&lt;b&gt;t&lt;/b&gt; · Patrol');
});
